import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashImageBuffer } from '@haven/pdq/node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashLists } from '../src/detection/hashlists.node.ts';
import { scanMedia } from '../src/detection/scan.node.ts';
import { jpeg, patternImage } from './images';

// The detection pipeline on its own (D1): hashes, matching against a snapshot of the enabled lists,
// refusals for what cannot be checked, and reloads when lists change.

let dir: string;
let lists: HashLists;
let known: Buffer;
let other: Buffer;
const MAX = 1024 * 1024;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'haven-detect-'));
  known = await patternImage(7);
  other = await patternImage(99);
  const pdq = (await hashImageBuffer(known)).hash;
  const sha = (await hashImageBuffer(other, { sha256: true })).sha256!;
  writeFileSync(join(dir, 'pdq.csv'), `hash,label\n${'0'.repeat(63)}1,decoy\n${pdq},case-17\n`);
  writeFileSync(join(dir, 'sha.txt'), `${sha}\n`);
  lists = await HashLists.open(dir, pino({ level: 'silent' }), 0);
  expect((await lists.store.import(join(dir, 'pdq.csv'), { name: 'known-pdq', source: 'test' })).ok).toBe(true);
  expect((await lists.store.import(join(dir, 'sha.txt'), { name: 'known-sha', kind: 'sha256', source: 'test' })).ok).toBe(true);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scanMedia', () => {
  it('D1: a known image re-encoded at another JPEG quality matches its PDQ entry within distance 31', async () => {
    const snapshot = await lists.current();
    const sent = await jpeg(known, 55);
    const r = await scanMedia(sent, 'image/jpeg', snapshot, { maxBytes: MAX });
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(r.quality).toBeGreaterThanOrEqual(50);
    expect(r.matches[0]).toMatchObject({ list: 'known-pdq', kind: 'pdq', entryIndex: 1, label: 'case-17' });
    expect(r.matches[0]!.distance).toBeLessThanOrEqual(31);
  });

  it('D1: an exact SHA-256 entry matches with distance 0; an unknown image matches nothing', async () => {
    const snapshot = await lists.current();
    const exact = await scanMedia(other, 'image/png', snapshot, { maxBytes: MAX });
    expect(exact.matches).toContainEqual({ list: 'known-sha', kind: 'sha256', entryIndex: 0, label: null, distance: 0 });
    const clean = await scanMedia(await jpeg(await patternImage(1234), 80), undefined, snapshot, { maxBytes: MAX });
    expect(clean.matches).toEqual([]);
  });

  it('refuses what it cannot check: non-image bytes, a non-image type, an empty file, an oversized file', async () => {
    const snapshot = await lists.current();
    await expect(scanMedia(Buffer.from('%PDF-1.4 not an image'), undefined, snapshot, { maxBytes: MAX })).rejects.toMatchObject({ code: 'media.not_image' });
    await expect(scanMedia(known, 'application/pdf', snapshot, { maxBytes: MAX })).rejects.toMatchObject({ code: 'media.not_image' });
    await expect(scanMedia(Buffer.alloc(0), 'image/png', snapshot, { maxBytes: MAX })).rejects.toMatchObject({ code: 'media.not_image' });
    await expect(scanMedia(known, 'image/png', snapshot, { maxBytes: 100 })).rejects.toMatchObject({ code: 'media.too_large' });
    // Truncated image data: a clear refusal, not a crash.
    await expect(scanMedia(known.subarray(0, 200), 'image/png', snapshot, { maxBytes: MAX })).rejects.toMatchObject({ code: 'media.not_image' });
  });

  it('a list disabled while a check runs: that check uses the lists as they were when it started; later checks do not', async () => {
    const before = await lists.current();
    const pending = scanMedia(await jpeg(known, 70), 'image/jpeg', before, { maxBytes: MAX });
    await lists.setEnabled('known-pdq', false);
    expect((await pending).matches.map((m) => m.list)).toContain('known-pdq');
    const after = await lists.current();
    expect(after.version).not.toBe(before.version);
    expect((await scanMedia(await jpeg(known, 70), 'image/jpeg', after, { maxBytes: MAX })).matches).toEqual([]);
    await lists.setEnabled('known-pdq', true);
    expect((await lists.current()).lists.map((l) => l.manifest.name).sort()).toEqual(['known-pdq', 'known-sha']);
  });

  it('reloads when the store changes behind it (a CLI import or toggle), without a restart', async () => {
    const v1 = (await lists.current()).version;
    await lists.store.setEnabled('known-sha', false); // as `haven hashlist disable` would, not through HashLists
    const v2 = await lists.current();
    expect(v2.version).not.toBe(v1);
    expect(v2.lists.map((l) => l.manifest.name)).toEqual(['known-pdq']);
    await lists.store.setEnabled('known-sha', true);
  });
});
