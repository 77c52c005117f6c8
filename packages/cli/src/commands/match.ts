// `haven match FILE... --list NAME`: match images against hash lists in the data directory.
import { HashListStore, KNOWN_IMAGE_RULE, matchKnownImage, matchableOf, pdqHexFromWords, type LoadedHashList } from '@haven/pdq/node';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { EXIT } from '../output';
import { hashFiles } from './hash';
import { dataDirOption, failList } from './hashlist';

function intIn(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

interface MatchOptions {
  list?: string[];
  maxDistance: number;
  minQuality: number;
  dihedral?: boolean;
  mode: 'reference' | 'fast';
  json?: boolean;
  dataDir: string;
}

interface Hit {
  list: string;
  kind: string;
  index: number;
  distance: number;
  label?: string;
  hash: string;
  variant?: string;
}

export function register(program: Command): void {
  program
    .command('match')
    .description(
      'Match images against hash lists: PDQ lists within --max-distance bits (images under --min-quality are not queried), MD5/SHA-256 lists exactly. ' +
        'Prints `filename,list,distance,label,matched_hash` per match (or JSON lines with --json).',
    )
    .argument('<files...>', 'image files')
    .option('--list <name...>', 'lists to match against (default: every enabled list)')
    .option('--max-distance <bits>', 'PDQ Hamming distance threshold', intIn(0, 256), KNOWN_IMAGE_RULE.maxDistance)
    .option('--min-quality <q>', 'skip PDQ matching below this quality', intIn(0, 100), KNOWN_IMAGE_RULE.minQuality)
    .option('--dihedral', 'match rotated and mirrored variants too (the default, as the server and devices do)')
    .option('--no-dihedral', 'match only the image as it is')
    .addOption(new Option('--mode <mode>', 'hashing mode').choices(['reference', 'fast']).default('reference'))
    .option('--json', 'print one JSON object per file')
    .addOption(dataDirOption())
    .action(async (files: string[], opts: MatchOptions) => {
      const store = await HashListStore.open(opts.dataDir);
      const lists: LoadedHashList[] = opts.list ? await Promise.all(opts.list.map((n) => store.load(n))).catch(failList) : await store.loadEnabled();
      if (lists.length === 0) {
        process.stderr.write(`haven: no hash lists to match against (import one with \`haven hashlist import\`)\n`);
        process.exit(EXIT.usage);
      }
      const needMd5 = lists.some((l) => l.kind === 'md5');
      const needSha = lists.some((l) => l.kind === 'sha256');
      let failed = 0;
      const dihedral = opts.dihedral !== false;
      for await (const { file, result, error } of hashFiles(files, { mode: opts.mode, dihedral, md5: needMd5, sha256: needSha })) {
        if (!result) {
          failed++;
          process.stderr.write(`haven: ${file}: ${error}\n`);
          continue;
        }
        const lowQuality = result.quality < opts.minQuality;
        // The one matching rule (server, CLI and devices): @haven/pdq matchKnownImage.
        const rule = { maxDistance: opts.maxDistance, minQuality: opts.minQuality, dihedral };
        const byName = new Map(lists.map((l) => [l.manifest.name, l]));
        const hits: Hit[] = matchKnownImage(lists.map(matchableOf), { ...result, pdq: result.hash }, rule).map((m) => {
          const l = byName.get(m.list)!;
          const hash = l.kind === 'pdq' ? pdqHexFromWords(l.index.words, m.entryIndex * 16) : m.kind === 'md5' ? result.md5! : result.sha256!;
          const hit: Hit = { list: m.list, kind: m.kind, index: m.entryIndex, distance: m.distance, hash };
          const label = l.labelOf(m.entryIndex);
          if (label !== undefined) hit.label = label;
          if (dihedral && m.variant) hit.variant = m.variant;
          return hit;
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ file, hash: result.hash, quality: result.quality, queried: !lowQuality, matches: hits })}\n`);
        } else {
          if (lowQuality && lists.some((l) => l.kind === 'pdq')) process.stderr.write(`haven: ${file}: quality ${result.quality} is under ${opts.minQuality}; PDQ lists not queried\n`);
          for (const h of hits) process.stdout.write(`${[file, h.list, h.distance, h.label ?? '', h.hash].join(',')}\n`);
        }
      }
      if (failed > 0) process.exitCode = EXIT.failed;
    });
}
