// M1-M4: the multi-index matcher gives exactly the brute-force answers.
import { describe, expect, it } from 'vitest';
import { PDQ_WORDS, pdqHexFromWords, type PdqHex } from './hash256';
import { PdqIndex, type PdqMatch } from './pdq-index';
import { ExactHashSet } from './exact-set';
import { bytesPerHash, chooseSegmentCount, segmentLayout, segmentRadii } from './mih-layout';

/** Deterministic PRNG (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function randomWords(n: number, next: () => number): Uint16Array {
  const w = new Uint16Array(n * PDQ_WORDS);
  for (let i = 0; i < w.length; i++) w[i] = next() & 0xffff;
  return w;
}

/** A copy of hash `i` with `flips` distinct random bits flipped. */
function nearby(words: Uint16Array, i: number, flips: number, next: () => number): Uint16Array {
  const out = words.slice(i * PDQ_WORDS, (i + 1) * PDQ_WORDS);
  const done = new Set<number>();
  while (done.size < flips) {
    const b = next() & 255;
    if (done.has(b)) continue;
    done.add(b);
    out[b >> 4]! ^= 1 << (b & 15);
  }
  return out;
}

const sorted = (m: PdqMatch[]): PdqMatch[] => [...m].sort((a, b) => a.index - b.index);

describe('PdqIndex', () => {
  it('M1 random hashes with planted near-duplicates: same answers as a linear scan at every radius', () => {
    const next = rng(42);
    const base = randomWords(3000, next);
    const index = new PdqIndex(16);
    for (let i = 0; i < 3000; i++) index.add(base.subarray(i * 16, i * 16 + 16));
    // Plant clusters: copies of the first 200 at 0..40 flipped bits.
    for (let i = 0; i < 200; i++) index.add(nearby(base, i, next() % 41, next));
    let hits = 0;
    for (let k = 0; k < 300; k++) {
      const q = k < 200 ? nearby(base, k, next() % 48, next) : randomWords(1, next);
      for (const d of [0, 8, 15, 16, 31, 32, 47, 63, 64, 80]) {
        const got = sorted(index.query(q, d));
        expect(got).toEqual(sorted(index.scan(q, d)));
        hits += got.length;
      }
    }
    expect(hits).toBeGreaterThan(500);
  });

  it('M2 edge hashes: all zero, all one, single bits, negative radius, empty index', () => {
    const zero = '0'.repeat(64) as PdqHex;
    const ones = 'f'.repeat(64) as PdqHex;
    const bit = ('0'.repeat(63) + '1') as PdqHex;
    const index = PdqIndex.fromHex([zero, ones, bit]);
    expect(sorted(index.query(zero, 0))).toEqual([{ index: 0, distance: 0 }]);
    expect(sorted(index.query(zero, 1))).toEqual([{ index: 0, distance: 0 }, { index: 2, distance: 1 }]);
    expect(sorted(index.query(zero, 256)).map((m) => m.index)).toEqual([0, 1, 2]);
    expect(index.query(ones, 254)).toEqual([{ index: 1, distance: 0 }]);
    expect(index.query(zero, -1)).toEqual([]);
    expect(new PdqIndex().query(zero, 31)).toEqual([]);
    expect(() => new PdqIndex(1, { segments: 5 })).toThrow(RangeError);
    expect(PdqIndex.fromHex([zero, bit], { segments: 16 }).query(zero, 1).length).toBe(2);
  });

  it('M3 queryAny reports each entry once with its best variant', () => {
    const next = rng(7);
    const w = randomWords(50, next);
    const index = PdqIndex.fromWords(w);
    const far = randomWords(1, next);
    const near = nearby(w, 5, 3, next);
    const got = index.queryAny([far, near, w.subarray(5 * 16, 6 * 16)], 31);
    expect(got).toEqual([{ index: 5, distance: 0, variant: 2 }]);
  });

  it('M4 save and load round-trip; foreign bytes are refused', () => {
    const next = rng(9);
    const w = randomWords(500, next);
    const index = PdqIndex.fromWords(w);
    const back = PdqIndex.fromBytes(index.toBytes())!;
    expect(back.size).toBe(500);
    expect(pdqHexFromWords(back.words, 16 * 77)).toBe(pdqHexFromWords(w, 16 * 77));
    const q = nearby(w, 77, 10, next);
    expect(back.query(q, 31)).toEqual(index.query(q, 31));
    expect(PdqIndex.fromBytes(new Uint8Array(10))).toBeUndefined();
    expect(PdqIndex.fromBytes(index.toBytes().subarray(0, 100))).toBeUndefined();
    expect(index.byteLength / 500).toBe(32); // small lists scan: no tables
  });
});

describe('ExactHashSet', () => {
  it('X1 finds members, rejects others and malformed input', () => {
    const next = rng(3);
    const hex = Array.from({ length: 1000 }, () => Array.from({ length: 8 }, () => next().toString(16).padStart(8, '0')).join(''));
    const set = ExactHashSet.fromHex('sha256', hex);
    expect(hex.every((h, i) => set.indexOf(h) === i)).toBe(true);
    expect(set.has('0'.repeat(64))).toBe(false);
    expect(set.has('xyz')).toBe(false);
    const md5 = ExactHashSet.fromHex('md5', ['d41d8cd98f00b204e9800998ecf8427e']);
    expect(md5.has('D41D8CD98F00B204E9800998ECF8427E')).toBe(true);
    expect(md5.has('d41d8cd98f00b204e9800998ecf8427f')).toBe(false);
    expect(() => ExactHashSet.fromHex('md5', ['abc'])).toThrow(/not a md5/);
  });
});

describe('PdqIndex at a size that uses the bucket tables', () => {
  it('M8 20k random hashes plus planted neighbours: probing agrees with the scan at d = 0..63', () => {
    const next = rng(1234);
    const base = randomWords(20_000, next);
    const index = new PdqIndex(20_500);
    for (let i = 0; i < 20_000; i++) index.add(base.subarray(i * 16, i * 16 + 16));
    for (let i = 0; i < 400; i++) index.add(nearby(base, i, next() % 40, next));
    expect(index.segmentCount).toBeGreaterThan(0);
    let hits = 0;
    for (let k = 0; k < 120; k++) {
      const q = nearby(base, k * 3, next() % 45, next);
      for (const d of [0, 1, 15, 31, 32, 40, 63]) {
        const got = sorted(index.query(q, d));
        expect(got).toEqual(sorted(index.scan(q, d)));
        hits += got.length;
      }
    }
    expect(hits).toBeGreaterThan(300);
  });
});

describe('segment layout', () => {
  it('M9 radii satisfy the pigeonhole bound: sum of (radius + 1) exceeds d', () => {
    for (let m = 11; m <= 16; m++) {
      const widths = segmentLayout(m).map((g) => g.width);
      expect(widths.reduce((a, b) => a + b, 0)).toBe(256);
      for (let d = 0; d <= 63; d++) expect(Array.from(segmentRadii(m, d)).reduce((a, r) => a + r + 1, 0)).toBe(d + 1);
    }
    expect(chooseSegmentCount(10_000_000)).toBeLessThan(16);
    expect(bytesPerHash(chooseSegmentCount(10_000_000), 10_000_000)).toBeLessThanOrEqual(100);
  });
});
