import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERRORS, isErrorCode } from '@haven/protocol';
import { REASONS, allow, refuse } from './decision';

const here = dirname(fileURLToPath(import.meta.url));
const read = (files: string[]) => files.map((f) => readFileSync(join(here, f), 'utf8')).join('\n');
const files = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
const sources = read(files);
// Without the table itself, where every code appears once.
const users = read(files.filter((f) => f !== 'decision.ts'));

describe('codes', () => {
  it('every refusal code used in this package is in the protocol error registry', () => {
    const used = [...sources.matchAll(/refuse\(\s*'([a-z]+\.[a-z_]+)'/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((c) => !isErrorCode(c))).toEqual([]);
  });

  it('every reason code is area.reason with a sentence, and none reuses an error code', () => {
    for (const [code, text] of Object.entries(REASONS)) {
      expect(code).toMatch(/^[a-z]+\.[a-z0-9_]+$/);
      expect(text.length).toBeGreaterThan(10);
      expect(Object.hasOwn(ERRORS, code)).toBe(false);
    }
  });

  it('every reason code is used somewhere in this package', () => {
    for (const code of Object.keys(REASONS)) expect(users.includes(`'${code}'`), code).toBe(true);
  });

  it('allow and refuse build the result shapes', () => {
    expect(allow('direct.allowed')).toEqual({ ok: true, value: { code: 'direct.allowed', reason: REASONS['direct.allowed'] } });
    expect(refuse('policy.blocked')).toEqual({ ok: false, error: { code: 'policy.blocked', message: ERRORS['policy.blocked'].message } });
    expect(refuse('policy.blocked', 'Other words.').error.message).toBe('Other words.');
  });
});
