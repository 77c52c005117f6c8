// `haven hash FILE...`: PDQ hashes in the reference tool's format (hash,quality,filename).
import { DIHEDRAL_NAMES, hashImageFile, ImageHashError, type HashMode, type ImageHashResult } from '@haven/pdq/node';
import { Option, type Command } from 'commander';
import { EXIT } from '../output';

export interface HashCliOptions {
  dihedral?: boolean;
  mode: HashMode;
  md5?: boolean;
  sha256?: boolean;
}

/** Hashes files a few at a time, yielding results in argument order; failures are values, not throws. */
export async function* hashFiles(files: string[], opts: HashCliOptions): AsyncGenerator<{ file: string; result?: ImageHashResult; error?: string }> {
  const pending = files.map((file) => ({ file, run: undefined as Promise<ImageHashResult> | undefined }));
  const start = (i: number): void => {
    const p = pending[i];
    if (p && !p.run) {
      p.run = hashImageFile(p.file, { mode: opts.mode, dihedral: opts.dihedral === true, md5: opts.md5 === true, sha256: opts.sha256 === true });
      p.run.catch(() => undefined);
    }
  };
  const AHEAD = 4;
  for (let i = 0; i < AHEAD; i++) start(i);
  for (let i = 0; i < pending.length; i++) {
    start(i + AHEAD);
    const p = pending[i]!;
    start(i);
    try {
      yield { file: p.file, result: await p.run! };
    } catch (e) {
      const message = e instanceof ImageHashError ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e);
      yield { file: p.file, error: message };
    }
  }
}

export function register(program: Command): void {
  program
    .command('hash')
    .description(
      'Print the PDQ hash of image files as `hash,quality,filename` (the reference tool\'s format). ' +
        'With --dihedral: `orig,rot90,rot180,rot270,flipx,flipy,flipplus1,flipminus1,quality,filename`. ' +
        '--md5/--sha256 add columns before the filename. A file that cannot be hashed is reported on stderr and the rest carry on; the exit status is 1 if any failed.',
    )
    .argument('<files...>', 'image files (JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIF; animated: first frame)')
    .option('--dihedral', 'print all eight dihedral hashes')
    .addOption(new Option('--mode <mode>', 'reference: bit-exact with Meta\'s tool; fast: decoder shrink-on-load (a few bits away)').choices(['reference', 'fast']).default('reference'))
    .option('--md5', 'add the MD5 of the file bytes')
    .option('--sha256', 'add the SHA-256 of the file bytes')
    .action(async (files: string[], opts: HashCliOptions) => {
      let failed = 0;
      for await (const { file, result, error } of hashFiles(files, opts)) {
        if (!result) {
          failed++;
          process.stderr.write(`haven: ${file}: ${error}\n`);
          continue;
        }
        const cols: string[] = opts.dihedral ? DIHEDRAL_NAMES.map((n) => result.dihedral![n]) : [result.hash];
        cols.push(String(result.quality));
        if (opts.md5) cols.push(result.md5!);
        if (opts.sha256) cols.push(result.sha256!);
        cols.push(file);
        process.stdout.write(`${cols.join(',')}\n`);
      }
      if (failed > 0) process.exitCode = EXIT.failed;
    });
}
