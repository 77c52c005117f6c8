// The package's boundaries, as rules a reader can check: only packages/crypto imports ts-mls; the
// shared (browser) sources import no node:* module and read no clock or Math.random.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../testing/env';

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'results') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.tsx?$/.test(name)) yield p;
  }
}

describe('package boundaries', () => {
  it('nothing outside packages/crypto imports ts-mls', () => {
    const offenders: string[] = [];
    for (const root of ['packages', 'bench', 'testing']) {
      for (const f of files(join(REPO_ROOT, root))) {
        const rel = relative(REPO_ROOT, f);
        if (rel.startsWith('packages/crypto/')) continue;
        if (/from\s+['"]ts-mls|import\(\s*['"]ts-mls|require\(\s*['"]ts-mls/.test(readFileSync(f, 'utf8'))) offenders.push(rel);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('shared sources use no node:* module, clock or Math.random (only *.node.ts, tests and the bench may)', () => {
    const src = join(REPO_ROOT, 'packages/crypto/src');
    const offenders: string[] = [];
    for (const f of files(src)) {
      const rel = relative(src, f);
      if (/\.node\.ts$|\.test\.ts$|^test-helpers\.ts$|^bench\//.test(rel)) continue;
      // Comments (the @example lines show callers passing Date.now()) do not count.
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      if (/from\s+['"]node:|Date\.now\(|new Date\(|Math\.random\(|process\./.test(code)) offenders.push(rel);
    }
    expect(offenders).toEqual([]);
  });
});
