// `haven match FILE... --list NAME`: match images against hash lists in the data directory.
import { HashListStore, pdqHexFromWords, queryPdq, type LoadedHashList } from '@haven/pdq/node';
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
    .option('--max-distance <bits>', 'PDQ Hamming distance threshold', intIn(0, 256), 31)
    .option('--min-quality <q>', 'skip PDQ matching below this quality', intIn(0, 100), 50)
    .option('--dihedral', 'also match rotated and mirrored variants')
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
      for await (const { file, result, error } of hashFiles(files, { mode: opts.mode, dihedral: opts.dihedral === true, md5: needMd5, sha256: needSha })) {
        if (!result) {
          failed++;
          process.stderr.write(`haven: ${file}: ${error}\n`);
          continue;
        }
        const hits: Hit[] = [];
        const lowQuality = result.quality < opts.minQuality;
        for (const l of lists) {
          if (l.kind === 'pdq') {
            const r = queryPdq(l.index, result, { maxDistance: opts.maxDistance, minQuality: opts.minQuality, dihedral: opts.dihedral === true });
            if (!r.queried) continue;
            for (const m of r.matches) {
              const hit: Hit = { list: l.manifest.name, kind: 'pdq', index: m.index, distance: m.distance, hash: pdqHexFromWords(l.index.words, m.index * 16) };
              const label = l.labelOf(m.index);
              if (label !== undefined) hit.label = label;
              if (opts.dihedral) hit.variant = m.variant;
              hits.push(hit);
            }
          } else {
            const digest = l.kind === 'md5' ? result.md5! : result.sha256!;
            const i = l.set.indexOf(digest);
            if (i >= 0) {
              const hit: Hit = { list: l.manifest.name, kind: l.kind, index: i, distance: 0, hash: digest };
              const label = l.labelOf(i);
              if (label !== undefined) hit.label = label;
              hits.push(hit);
            }
          }
        }
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
