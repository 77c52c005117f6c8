import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, HavenError, errorBody, isErrorCode } from './errors';
import { REPO_ROOT } from '../../../testing/env';

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.test.ts')) yield p;
  }
}

describe('error registry', () => {
  it('every code is area.reason with a 4xx/5xx status and a sentence', () => {
    for (const [code, { status, message }] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^[a-z]+\.[a-z_]+$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(message).toMatch(/^[A-Z].*[.!?]$/);
    }
  });

  it('every code used in the sources is registered', () => {
    const used = new Set<string>();
    const pattern = /(?:HavenError|errorBody|fail|refuse)\(\s*'([a-z]+\.[a-z_]+)'/g;
    for (const file of sourceFiles(join(REPO_ROOT, 'packages'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(pattern)) used.add(m[1]!);
    }
    const unknown = [...used].filter((c) => !isErrorCode(c));
    expect(unknown).toEqual([]);
  });

  it('builds the wire shape', () => {
    expect(errorBody('account.too_young')).toEqual({
      error: { code: 'account.too_young', message: ERRORS['account.too_young'].message },
    });
    const e = new HavenError('mls.stale_epoch');
    expect(e.status).toBe(409);
    expect(e.toBody().error.code).toBe('mls.stale_epoch');
  });
});
