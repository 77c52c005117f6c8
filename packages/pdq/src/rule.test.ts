import { describe, expect, it } from 'vitest';
import { ExactHashSet } from './exact-set';
import { PdqIndex } from './pdq-index';
import { pdqFromPixels, type RawImage } from './pixels';
import { KNOWN_IMAGE_RULE, matchKnownImage, type MatchableList } from './rule';

// Issue 13 (9): one matching rule for the server, the CLI and every device. A known image turned 90°
// must match under it, whoever applies it.

function photo(w: number, h: number): RawImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = Math.floor(i / w);
    data[i * 3] = 128 + 100 * Math.sin(x / 9) * Math.cos(y / 13);
    data[i * 3 + 1] = (x * y) & 255;
    data[i * 3 + 2] = (x + 2 * y) & 255;
  }
  return { data, width: w, height: h, channels: 3 };
}

/** The image turned 90° clockwise, pixel by pixel (independent of the PDQ code). */
function rotate90(img: RawImage): RawImage {
  const { width: w, height: h } = img;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const from = (y * w + x) * 3;
      const to = (x * h + (h - 1 - y)) * 3;
      data.set(img.data.subarray(from, from + 3), to);
    }
  }
  return { data, width: h, height: w, channels: 3 };
}

describe('matchKnownImage (the one rule)', () => {
  const original = pdqFromPixels(photo(120, 90));
  const turned = pdqFromPixels(rotate90(photo(120, 90)), { dihedral: true });
  const lists: MatchableList[] = [{ name: 'known', kind: 'pdq', index: PdqIndex.fromHex([original.hash]) }];

  it('R1: is Meta\'s rule over all eight variants: distance 31, quality 50, dihedral', () => {
    expect(KNOWN_IMAGE_RULE).toEqual({ maxDistance: 31, minQuality: 50, dihedral: true });
  });

  it('R2: a known image turned 90° matches through its variants; without them it does not', () => {
    expect(turned.quality).toBeGreaterThanOrEqual(50);
    const hashes = { pdq: turned.hash, quality: turned.quality, dihedral: turned.dihedral! };
    const [hit] = matchKnownImage(lists, hashes);
    expect(hit).toMatchObject({ list: 'known', kind: 'pdq', entryIndex: 0 });
    expect(hit!.distance).toBeLessThanOrEqual(31);
    expect(['rot90', 'rot270']).toContain(hit!.variant);
    // The drift the issue found: the same hashes checked without the variants miss it.
    expect(matchKnownImage(lists, hashes, { ...KNOWN_IMAGE_RULE, dihedral: false })).toEqual([]);
    expect(matchKnownImage(lists, { pdq: turned.hash, quality: turned.quality })).toEqual([]);
  });

  it('R3: under the quality floor PDQ lists are not queried; exact entries still match, first', () => {
    const sha = 'ab'.repeat(32);
    const withExact: MatchableList[] = [...lists, { name: 'sha', kind: 'sha256', set: new ExactHashSet('sha256', Buffer.from(sha, 'hex'), 1) }];
    expect(matchKnownImage(withExact, { sha256: sha, pdq: original.hash, quality: 49 })).toEqual([{ list: 'sha', kind: 'sha256', entryIndex: 0, distance: 0 }]);
    expect(matchKnownImage(withExact, { sha256: sha, pdq: original.hash, quality: 50 })).toEqual([
      { list: 'sha', kind: 'sha256', entryIndex: 0, distance: 0 },
      { list: 'known', kind: 'pdq', entryIndex: 0, distance: 0, variant: 'orig' },
    ]);
    expect(matchKnownImage(withExact, { pdq: original.hash })).toEqual([]); // unknown quality: not trusted
  });
});
