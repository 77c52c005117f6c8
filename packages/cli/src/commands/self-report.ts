import type { Command } from 'commander';
import { selfReportImage } from '@haven/client/node';
import { signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { UsageError, printJson, printLine } from '../output';

/** self-report IMAGE: block an image of yourself everywhere on Haven, by its hashes only. */
export function register(program: Command): void {
  withJson(
    withProfile(
      program
        .command('self-report <image>')
        .description(
          'block an image of yourself everywhere on Haven. Its fingerprints (PDQ of all rotations and flips, SHA-256, MD5) are computed on this computer and only they are sent: the image never leaves it. Childline\'s Report Remove can help with copies outside Haven (0800 1111).',
        ),
    ),
  ).action(async (image: string, opts: ProfileOptions & { json?: boolean }) => {
    const { client } = await signedIn(opts);
    let r;
    try {
      r = await selfReportImage(client, image);
    } catch (e) {
      if (e instanceof Error && 'code' in e && typeof (e as { code: unknown }).code === 'string' && String((e as { code: string }).code).startsWith('image.')) throw new UsageError(`${image}: ${e.message}`);
      throw e;
    }
    if (opts.json) return printJson(r);
    printLine(`Done (report ${r.id}, ${r.hashes} fingerprints):`);
    for (const l of r.done) printLine(`  ✓ ${l}`);
    printLine('What Haven cannot do:');
    for (const l of r.notDone) printLine(`  ✗ ${l}`);
    printLine('Where to go next:');
    for (const n of r.next) printLine(`  ${n.name}: ${n.contact} (${n.description})`);
  });
}
