import { describe, expect, it } from 'vitest';
import { parsePdqHex, pdqDistance, pdqHexFromWords, pdqWordsFromHex, popcount32, type PdqHex } from './hash256';
import { decimate64, DIHEDRAL_NAMES, dihedralDct, jaroszDecimate64, jaroszFilter, jaroszFilterStrided, jaroszWindowSize } from './pdq-core';
import { pdqFromPixels, resizeNearest } from './pixels';

const hex = (s: string): PdqHex => parsePdqHex(s)!;

function noise(w: number, h: number, seed: number): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  let s = seed;
  for (let i = 0; i < d.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    d[i] = ((i / 3) % w) + (s >>> 28) * 8;
  }
  return d;
}

describe('hash layout', () => {
  it('H1 hex is the big-endian integer: word 0 is the last 4 digits', () => {
    const h = hex('8000' + '0'.repeat(56) + '0001');
    const w = pdqWordsFromHex(h);
    expect(w[0]).toBe(1);
    expect(w[15]).toBe(0x8000);
    expect(pdqHexFromWords(w)).toBe(h);
    expect(parsePdqHex('A'.repeat(64))).toBe('a'.repeat(64));
    expect(parsePdqHex('a'.repeat(63))).toBeUndefined();
    expect(parsePdqHex('g'.repeat(64))).toBeUndefined();
  });

  it('H2 Hamming distance is the popcount of the xor', () => {
    expect(pdqDistance(hex('f'.repeat(64)), hex('0'.repeat(64)))).toBe(256);
    expect(pdqDistance(hex('1' + '0'.repeat(63)), hex('0'.repeat(64)))).toBe(1);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
  });
});

describe('core', () => {
  it('P1 window size is ceil(old / 128) for a 64-wide target', () => {
    expect(jaroszWindowSize(512, 64)).toBe(4);
    expect(jaroszWindowSize(1600, 64)).toBe(13);
    expect(jaroszWindowSize(26, 64)).toBe(1);
  });

  it('P2 dihedral DCT maps compose like the dihedral group (rot90 four times is the identity)', () => {
    const a = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 1.7));
    let b: Float32Array = a;
    for (let k = 0; k < 4; k++) b = dihedralDct(b, 'rot90');
    expect(b).toEqual(a);
    expect(dihedralDct(dihedralDct(a, 'flipx'), 'flipx')).toEqual(a);
    expect(dihedralDct(dihedralDct(a, 'rot90'), 'rot90')).toEqual(dihedralDct(a, 'rot180'));
    expect(dihedralDct(a, 'orig')).toEqual(a);
  });

  it('P3 the DCT-domain rotation is close to hashing the rotated pixels', () => {
    const w = 96;
    const h = 80;
    const px = noise(w, h, 7);
    const rot = new Uint8Array(px.length); // 90° counter-clockwise: (x, y) -> (y, w-1-x)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rot.set(px.subarray((y * w + x) * 3, (y * w + x) * 3 + 3), ((w - 1 - x) * h + y) * 3);
    const r = pdqFromPixels({ data: px, width: w, height: h, channels: 3 }, { dihedral: true });
    const r90 = pdqFromPixels({ data: rot, width: h, height: w, channels: 3 });
    expect(pdqDistance(r.dihedral!.rot90, r90.hash)).toBeLessThan(32);
    expect(Object.keys(r.dihedral!)).toEqual([...DIHEDRAL_NAMES]);
  });

  it('P4 nearest-neighbour resize picks floor(dst * W / w)', () => {
    const img = { data: Uint8Array.from({ length: 10 }, (_, i) => i), width: 10, height: 1, channels: 1 as const };
    expect(Array.from(resizeNearest(img, 4, 1).data)).toEqual([0, 2, 5, 7]);
  });

  it('P5 a flat image has quality 0', () => {
    const r = pdqFromPixels({ data: new Uint8Array(100 * 100).fill(77), width: 100, height: 100, channels: 1 });
    expect(r.quality).toBe(0);
  });
});

describe('box filter sweeps', () => {
  it('P6 the cache-friendly row and column sweeps equal the reference strided filter bit for bit', () => {
    for (const [rows, cols] of [[512, 512], [251, 400], [28, 26], [5, 9], [130, 700]] as const) {
      const src = Float32Array.from({ length: rows * cols }, (_, i) => Math.fround(((i * 7919) % 255) * 0.299 + (i % 7) * 0.587));
      const a = src.slice();
      const b = src.slice();
      jaroszFilter(a, new Float32Array(a.length), rows, cols);
      jaroszFilterStrided(b, new Float32Array(b.length), rows, cols);
      expect(a).toEqual(b);
    }
  });
});

describe('division by the window as a multiplication', () => {
  it('P8 fround(s / n) equals fround(s * (1 / n)) for float32 s, including values next to rounding midpoints', () => {
    let x = 12345;
    const rand = (): number => {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x / 2 ** 32;
    };
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    let checked = 0;
    const bad: string[] = [];
    for (let n = 1; n <= 600; n++) {
      const inv = 1 / n;
      for (let k = 0; k < 400; k++) {
        // Random float32 over the range box sums take (window * 255 and below), and its neighbours.
        const s0 = Math.fround(rand() * 255 * n * (k % 4 === 0 ? 1e-3 : 1));
        // Also: s built from a float32 midpoint M times n, the hardest case for the rounding.
        f32[0] = Math.fround(rand() * 255);
        u32[0] = (u32[0]! & ~1) >>> 0;
        const lo = f32[0]!;
        u32[0]! += 1;
        const mid = (lo + f32[0]!) / 2;
        for (const base of [s0, Math.fround(mid * n)]) {
          f32[0] = base;
          for (let d = -2; d <= 2; d++) {
            const bits: number = u32[0]!;
            u32[0] = bits + d;
            const s = f32[0]!;
            // Object.is: NaN equals NaN, and -0 differs from 0.
            if (!Object.is(Math.fround(s * inv), Math.fround(s / n))) bad.push(`${s} / ${n}`);
            if (!Object.is(Math.fround(-s * inv), Math.fround(-s / n))) bad.push(`${-s} / ${n}`);
            u32[0] = bits;
            checked++;
          }
        }
      }
    }
    expect(bad).toEqual([]);
    expect(checked).toBe(600 * 400 * 2 * 5);
  });
});

describe('sampled last pass', () => {
  it('P7 jaroszDecimate64 equals the full filter then decimation, bit for bit', () => {
    for (const [rows, cols] of [[512, 512], [251, 400], [64, 64], [65, 300], [28, 26], [130, 700], [512, 100]] as const) {
      const src = Float32Array.from({ length: rows * cols }, (_, i) => Math.fround(((i * 7919) % 255) * 0.299 + (i % 7) * 0.587));
      const a = src.slice();
      const want = new Float32Array(4096);
      jaroszFilterStrided(a, new Float32Array(a.length), rows, cols);
      decimate64(a, rows, cols, want);
      const got = new Float32Array(4096);
      jaroszDecimate64(src.slice(), new Float32Array(src.length), rows, cols, got);
      expect(got).toEqual(want);
    }
  });
});
