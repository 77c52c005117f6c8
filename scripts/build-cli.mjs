// Builds the `haven` command into plain JavaScript (packages/cli/dist), so a command starts without
// compiling TypeScript: `npm install` runs this (postinstall). Workspace packages (@haven/*) and the
// plain-JavaScript packages the client side uses (zod, commander, ts-mls, the @noble and @hpke
// primitives…) are bundled: loading one file costs far less than resolving and reading hundreds of small
// modules. Packages with native code or WebAssembly (sharp, PGlite, TensorFlow…) and the server's own
// dependencies stay imports of node_modules. Each command module and the server are chunks loaded on
// use, so a command loads only what it needs (`haven --version` loads commander alone).
// `--metafile` also writes dist/meta.json (esbuild's metafile), to see what each chunk holds and imports.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { directImports } from './direct-imports.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'packages/cli/dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const depsOf = (pkg) => Object.keys(JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')).dependencies ?? {});
// Native addons and packages that load WebAssembly or data files beside their own code: never bundled.
const NATIVE = ['sharp', '@node-rs/argon2', '@electric-sql/pglite', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'nsfwjs', 'tsx'];
const clientSide = new Set(['protocol', 'pdq', 'safety', 'crypto', 'client', 'cli'].flatMap(depsOf));
// The server's own dependencies (Fastify, Kysely, NATS, pg, pino, Vega…) load only with the server chunk.
const serverOnly = depsOf('server').filter((d) => !clientSide.has(d));
const external = new Set([...NATIVE, ...serverOnly]);
const packageName = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

const packagesDir = join(root, 'packages') + sep;

// Leaves the external packages as imports of node_modules, and declares the workspace sources free of
// side effects at import (as they are: no module does work at its top level beyond declarations), so
// esbuild leaves out every module whose exports a chunk does not use instead of following each
// package's index through all of it. Only this build sees the declaration; the web app's is unchanged.
const havenPackages = {
  name: 'haven-packages',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolved' || args.kind === 'entry-point') return undefined;
      const bare = !/^[./]/.test(args.path);
      if (bare && external.has(packageName(args.path))) return { path: args.path, external: true };
      if (bare ? !args.path.startsWith('@haven/') : !args.importer.startsWith(packagesDir)) return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolved' });
      if (r.errors.length > 0) return { errors: r.errors };
      const workspace = r.path.startsWith(packagesDir) && !r.path.includes(`${sep}node_modules${sep}`);
      return { path: r.path, external: r.external, sideEffects: workspace ? false : r.sideEffects };
    });
  },
};

const isWorkspaceFile = (path) => path.startsWith(packagesDir) && path.includes(`${sep}src${sep}`) && !path.includes(`${sep}node_modules${sep}`);

// zod's `z` namespace carries `z.locales`, its error messages in 40-odd languages (half of zod's code);
// Haven uses none of them and zod itself only English, so the bundle gets English alone.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: join(args.resolveDir, '../locales/en-only.js'), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

const started = Date.now();
const result = await build({
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
  // Bundled CommonJS packages (commander, ws) call require() for Node's modules; ESM has none, so give each chunk one.
  banner: { js: "import { createRequire as __havenRequire } from 'node:module'; const require = __havenRequire(import.meta.url);" },
  plugins: [havenPackages, zodEnglishOnly, directImports({ isWorkspaceFile })],
  metafile: true,
  logLevel: 'warning',
});
if (process.argv.includes('--metafile')) writeFileSync(join(out, 'meta.json'), JSON.stringify(result.metafile));
// When this build was made, and from which workspace sources: bin/haven.js runs the sources instead when
// one of them is newer or gone (a new file counts through the changed file that imports it).
const sources = Object.keys(result.metafile.inputs).filter((f) => isWorkspaceFile(join(root, f)));
writeFileSync(join(out, 'stamp.json'), `${JSON.stringify({ builtAt: Date.now(), sources })}\n`);
process.stdout.write(`built packages/cli/dist in ${Date.now() - started} ms\n`);
