// `npm run bench -- NAME [args]`: runs bench/NAME.ts, which writes bench/results/NAME.json.
// With no name, runs every benchmark in turn.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
const names = name ? [name] : available;
for (const n of names) {
  if (!available.includes(n)) {
    process.stderr.write(`no benchmark '${n}'; available: ${available.join(', ')}\n`);
    process.exit(2);
  }
  const mod = (await import(pathToFileURL(join(here, `${n}.ts`)).href)) as { main(args: string[]): Promise<void> };
  await mod.main(rest);
}
