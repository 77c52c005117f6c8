#!/usr/bin/env node
// Runs the compiled command (packages/cli/dist, built by `npm install`), or the TypeScript sources through
// tsx when there is no build or a source file it was built from changed since (development).
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dist = join(root, 'packages', 'cli', 'dist');

/** Whether dist is missing or older than one of the sources it was built from (stamp.json lists them). */
function stale() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(dist, 'stamp.json'), 'utf8'));
  } catch {
    return true;
  }
  if (typeof stamp.builtAt !== 'number' || !Array.isArray(stamp.sources)) return true;
  // Only the files the build read: a new file matters only through a changed file that imports it.
  // (Joined by hand: path.join's normalising, a few hundred times, is a noticeable part of a start.)
  for (const f of stamp.sources) {
    const s = statSync(`${root}/${f}`, { throwIfNoEntry: false });
    if (!s || s.mtimeMs > stamp.builtAt) return true;
  }
  return false;
}

if (!process.env.HAVEN_FROM_SOURCE && !stale()) {
  await import('../dist/haven.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
