#!/usr/bin/env node
// Runs the compiled command (packages/cli/dist, built by `npm install`), or the TypeScript sources through
// tsx when there is no build or a source file changed since it was made (development).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(packages, 'cli', 'dist');

function builtAt() {
  try {
    return JSON.parse(readFileSync(join(dist, 'stamp.json'), 'utf8')).builtAt;
  } catch {
    return undefined;
  }
}

/** Whether any .ts file under packages/<name>/src is newer than `t`. */
function sourcesNewerThan(t) {
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (walk(p)) return true;
      } else if (e.name.endsWith('.ts') && statSync(p).mtimeMs > t) return true;
    }
    return false;
  };
  for (const name of readdirSync(packages)) {
    if (name === 'web') continue; // the browser app: not part of the CLI
    const src = join(packages, name, 'src');
    if (existsSync(src) && walk(src)) return true;
  }
  return false;
}

const t = process.env.HAVEN_FROM_SOURCE ? undefined : builtAt();
if (t !== undefined && !sourcesNewerThan(t)) {
  await import('../dist/haven.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
