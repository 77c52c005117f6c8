// The matcher reproduces the brute-force needles-vs-haystack results in ../shared/pdq-reference/hashlists.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePdqHex, PdqIndex, type PdqHex } from '../src/index';
import { hashlistPath, readHashLines, reference } from './reference';

describe.skipIf(!reference.available)(`needles vs haystack (${reference.reason || 'reference data present'})`, () => {
  // 0: linear scan (what a list this small uses by default); 16: Meta's 16x16-bit layout; 12: the 10M layout.
  it.each([0, 16, 12])('M5 every pair within 63 bits, exactly as the brute-force file lists them (segments %i)', (segments) => {
    const haystack = readHashLines('haystack.txt').map((h) => parsePdqHex(h)!);
    const needles = readHashLines('needles.txt').map((h) => parsePdqHex(h)!);
    expect([haystack.length, needles.length]).toEqual([1350, 100]);
    const expected = readFileSync(hashlistPath('expected-needles-vs-haystack.csv'), 'utf8').trim().split('\n').slice(1)
      .map((l) => l.split(',').map(Number) as [number, number, number]);
    const index = PdqIndex.fromHex(haystack, { segments });
    expect(index.segmentCount).toBe(segments);
    for (const [d, pairs] of [[0, 50], [15, 151], [31, 250], [32, 250], [47, 287], [63, 352]] as const) {
      const got: string[] = [];
      needles.forEach((n, i) => {
        for (const m of index.query(n as PdqHex, d)) got.push(`${i + 1},${m.index + 1},${m.distance}`);
      });
      const want = expected.filter((e) => e[2] <= d).map((e) => e.join(','));
      expect(got.length, `pairs at d<=${d}`).toBe(pairs);
      expect(got.sort()).toEqual(want.sort());
    }
  });

  it('M6 within the haystack there are 857 pairs at distance <= 31', () => {
    const index = PdqIndex.fromHex(readHashLines('haystack.txt').map((h) => parsePdqHex(h)!), { segments: 16 });
    let pairs = 0;
    for (let i = 0; i < index.size; i++) pairs += index.query(index.words.subarray(i * 16, i * 16 + 16), 31).filter((m) => m.index > i).length;
    expect(pairs).toBe(857);
  });

  it('M7 the other upstream lists parse as PDQ hashes', () => {
    for (const f of ['short256.dat', 'long256.dat', 'order256.dat']) {
      const lines = readHashLines(f);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((l) => parsePdqHex(l) !== undefined), f).toBe(true);
    }
  });
});
