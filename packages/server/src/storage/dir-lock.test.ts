import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStorage } from './connect';
import { lockDirectory } from './dir-lock.node.ts';

describe('embedded database lock', () => {
  it('a second opener of the same PGlite directory is refused until the first closes', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'haven-lock-')), 'db');
    const first = await openStorage({ pgliteDir: dir });
    await expect(openStorage({ pgliteDir: dir })).rejects.toThrow(/in use by process \d+/);
    await first.close();
    const second = await openStorage({ pgliteDir: dir });
    await second.close();
  });

  it('a stale lock (its process is gone) is taken over', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'haven-lock-')), 'x.lock');
    writeFileSync(path, '999999999');
    const release = lockDirectory(path, 'x');
    expect(() => lockDirectory(path, 'x')).toThrow(/in use/);
    release();
  });
});
