// Builds the `haven` command into plain JavaScript (packages/cli/dist), so a command starts without
// compiling TypeScript: `npm install` runs this (postinstall). Workspace packages (@haven/*) are bundled;
// every other package stays an import of node_modules. The server is a lazily loaded chunk, so commands
// that do not serve or open storage never load it.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'packages/cli/dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const keepNodeModulesExternal = {
  name: 'external-node-modules',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@haven/') ? undefined : { path: args.path, external: true }));
  },
};

const started = Date.now();
await build({
  entryPoints: { haven: join(root, 'packages/cli/src/main.ts') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [keepNodeModulesExternal],
  logLevel: 'warning',
});
// When this build was made: bin/haven.js runs the sources instead when any of them is newer.
writeFileSync(join(out, 'stamp.json'), `${JSON.stringify({ builtAt: Date.now() })}\n`);
process.stdout.write(`built packages/cli/dist in ${Date.now() - started} ms\n`);
