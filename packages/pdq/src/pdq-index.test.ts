// M1-M4: the multi-index matcher gives exactly the brute-force answers.
import { describe, expect, it } from 'vitest';
import { PDQ_WORDS, pdqHexFromWords, type PdqHex } from './hash256';
import { PdqIndex, type PdqMatch } from './pdq-index';
import { ExactHashSet } from './exact-set';
import { bytesPerHash, chooseSegmentCount, pairBounds, ringNext, segmentLayout, segmentRadii } from './mih-layout';
import { nearby, randomWords, xorshift32 as rng } from './synthetic';

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

describe('PdqIndex posting fingerprints (pair-bound filter)', () => {
  it('M11 narrow, wide and no fingerprints, 12 and 16 segments: same answers as the scan', () => {
    const next = rng(777);
    const base = randomWords(20_000, next);
    const words = new Uint16Array(20_600 * PDQ_WORDS);
    words.set(base);
    // Planted neighbours at every distance around the bound, including exact duplicates.
    for (let i = 0; i < 600; i++) words.set(nearby(base, i % 150, i % 40, next), (20_000 + i) * PDQ_WORDS);
    const queries = Array.from({ length: 60 }, (_, k) => nearby(base, (k * 5) % 150, next() % 40, next));
    for (const segments of [12, 16]) {
      for (const fingerprintBits of [0, 1, 3, 8, 16]) {
        const index = PdqIndex.fromWords(words, 20_600, { segments, fingerprintBits });
        let hits = 0;
        for (const q of queries) {
          for (const d of [0, 5, 16, 30, 31, 32, 47]) {
            const got = sorted(index.query(q, d));
            expect(got).toEqual(sorted(index.scan(q, d)));
            hits += got.length;
          }
        }
        expect(hits).toBeGreaterThan(300);
      }
    }
    expect(() => new PdqIndex(1, { fingerprintBits: 17 })).toThrow(RangeError);
  });
});

describe('PdqIndex saved with its tables', () => {
  it('M12 round-trip with tables answers as the original and the scan; damaged tables are refused', () => {
    const next = rng(4321);
    const base = randomWords(20_000, next);
    for (const segments of [undefined, 12]) {
      const index = PdqIndex.fromWords(base, 20_000, segments === undefined ? {} : { segments });
      const bytes = index.toBytes({ tables: true });
      expect(bytes.length).toBe(8 + 8 + index.byteLength); // header, segment header, what is in memory
      const back = PdqIndex.fromBytes(bytes)!;
      expect(back.segmentCount).toBe(index.segmentCount);
      expect(back.byteLength).toBe(index.byteLength);
      for (let k = 0; k < 40; k++) {
        const q = nearby(base, k * 7, next() % 40, next);
        expect(sorted(back.query(q, 31))).toEqual(sorted(index.scan(q, 31)));
        expect(sorted(back.query(q, 16))).toEqual(sorted(index.query(q, 16)));
      }
      // Unaligned input is copied, not refused.
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      expect(PdqIndex.fromBytes(shifted.subarray(1))!.query(base.subarray(0, 16), 0)).toEqual([{ index: 0, distance: 0 }]);
      // Truncated, trailing bytes, a decreasing offset, an id out of range, a bad segment count.
      expect(PdqIndex.fromBytes(bytes.subarray(0, bytes.length - 4))).toBeUndefined();
      const longer = new Uint8Array(bytes.length + 4);
      longer.set(bytes);
      expect(PdqIndex.fromBytes(longer)).toBeUndefined();
      const tablesAt = 8 + 20_000 * 32 + 8;
      const badOffset = bytes.slice();
      new DataView(badOffset.buffer).setUint32(tablesAt + 4 * 100, 0xffffff, true);
      expect(PdqIndex.fromBytes(badOffset)).toBeUndefined();
      const badId = bytes.slice();
      const firstPostings = tablesAt + 4 * (2 ** segmentLayout(index.segmentCount)[0]!.width + 1);
      new DataView(badId.buffer).setUint32(firstPostings + 4 * 5, 30_000, true);
      expect(PdqIndex.fromBytes(badId)).toBeUndefined();
      const badM = bytes.slice();
      new DataView(badM.buffer).setUint32(8 + 20_000 * 32, 7, true);
      expect(PdqIndex.fromBytes(badM)).toBeUndefined();
    }
    // A list small enough to scan has no tables: the hashes-only format is written either way.
    const small = PdqIndex.fromWords(base.subarray(0, 100 * 16), 100);
    expect(small.toBytes({ tables: true }).length).toBe(8 + 100 * 32);
  });
});

describe('segment layout', () => {
  it('M10 the pair bound holds: any split of at most d bits has a segment within its radius whose pair is within bound', () => {
    const next = rng(31);
    for (let m = 11; m <= 16; m++) {
      const ring = ringNext(m);
      // The ring visits every segment once.
      const seen = new Set<number>();
      for (let s = 0, k = 0; k < m; k++, s = ring[s]!) seen.add(s);
      expect(seen.size).toBe(m);
      const widths = segmentLayout(m).map((g) => g.width);
      for (let d = 0; d <= 63; d++) {
        const radii = segmentRadii(m, d);
        const pair = pairBounds(radii, ring);
        for (let trial = 0; trial < 300; trial++) {
          // Spread exactly d (or fewer) differing bits over the segments, at random.
          const b = new Array<number>(m).fill(0);
          const total = trial % 3 === 0 ? next() % (d + 1) : d;
          for (let k = 0; k < total; k++) {
            let s = next() % m;
            while (b[s]! >= widths[s]!) s = (s + 1) % m;
            b[s]!++;
          }
          const ok = b.some((bs, i) => bs <= radii[i]! && bs + b[ring[i]!]! <= pair[i]!);
          expect(ok, `m=${m} d=${d} b=${b.join(',')}`).toBe(true);
        }
      }
    }
  });

  it('M10b the pair bound is exhaustively true on a small ring', () => {
    // All splits of up to d bits over m = 4 boxes, radii as segmentRadii gives them.
    for (let d = 0; d <= 9; d++) {
      const radii = segmentRadii(4, d);
      const ring = Int32Array.from([2, 0, 3, 1]); // 0 -> 2 -> 3 -> 1 -> 0, any order is valid
      const pair = pairBounds(radii, ring);
      for (let code = 0; code < (d + 1) ** 4; code++) {
        const b = [0, 1, 2, 3].map((k) => Math.floor(code / (d + 1) ** k) % (d + 1));
        if (b.reduce((x, y) => x + y, 0) > d) continue;
        expect(b.some((bs, i) => bs <= radii[i]! && bs + b[ring[i]!]! <= pair[i]!), `d=${d} b=${b}`).toBe(true);
      }
      // And it needs d: a split of d + 1 bits (one past each radius, the rest on box 0) escapes it.
      const b = Array.from(radii, (r) => r + 1);
      b[0]! += d + 1 - b.reduce((x, y) => x + y, 0);
      expect(b.some((bs, i) => bs <= radii[i]! && bs + b[ring[i]!]! <= pair[i]!)).toBe(false);
    }
  });

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
