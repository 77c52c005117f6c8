import { describe, expect, it } from 'vitest';
import { pdqHexFromWords, pdqWordsFromHex, type PdqHex } from './hash256';
import { queryPdq } from './match';
import { PdqIndex } from './pdq-index';
import { pdqFromPixels } from './pixels';

function photo(w: number, h: number): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = Math.floor(i / w);
    d[i * 3] = 128 + 100 * Math.sin(x / 9) * Math.cos(y / 13);
    d[i * 3 + 1] = (x * y) & 255;
    d[i * 3 + 2] = (x + 2 * y) & 255;
  }
  return d;
}

describe('queryPdq', () => {
  const img = pdqFromPixels({ data: photo(120, 90), width: 120, height: 90, channels: 3 }, { dihedral: true });

  it('Q1 queries at distance 31 by default and reports the variant', () => {
    const near = pdqWordsFromHex(img.dihedral!.rot90);
    near[3]! ^= 0x00ff; // 8 bits away from the rot90 variant
    const index = PdqIndex.fromHex([img.dihedral!.flipx, pdqHexFromWords(near), '0'.repeat(64) as PdqHex]);
    expect(img.quality).toBeGreaterThanOrEqual(50);
    const all = queryPdq(index, img, { dihedral: true });
    expect(all).toEqual({
      queried: true,
      matches: [
        { index: 0, distance: 0, variant: 'flipx' },
        { index: 1, distance: 8, variant: 'rot90' },
      ],
    });
    const origOnly = queryPdq(index, img);
    expect(origOnly.queried && origOnly.matches.every((m) => m.variant === 'orig')).toBe(true);
    expect(queryPdq(index, img, { dihedral: true, maxDistance: 7 })).toMatchObject({ matches: [{ index: 0 }] });
  });

  it('Q2 does not query hashes under quality 50 (or the given minimum)', () => {
    const flat = pdqFromPixels({ data: new Uint8Array(64 * 64).fill(9), width: 64, height: 64, channels: 1 });
    const index = PdqIndex.fromHex([flat.hash]);
    expect(queryPdq(index, flat)).toEqual({ queried: false, reason: 'low_quality', quality: 0 });
    expect(queryPdq(index, flat, { minQuality: 0 })).toMatchObject({ queried: true, matches: [{ index: 0, distance: 0 }] });
  });
});
