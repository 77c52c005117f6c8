// Haven's one rule for "is this a known image?": thresholds, the quality floor, all eight dihedral
// variants, exact MD5/SHA-256 entries, and the order of results. Pure: the server's upload scan, the
// CLI's `haven match` and every client's device-side guard call this function, so they cannot drift
// (issue 13, 9: a device that ignored rotations let a known image turned 90° through).
import type { ExactHashSet } from './exact-set';
import type { PdqHex } from './hash256';
import { DEFAULT_MAX_DISTANCE, DEFAULT_MIN_QUALITY } from './match';
import { DIHEDRAL_NAMES, type DihedralName } from './pdq-core';
import type { PdqIndex } from './pdq-index';

export interface KnownImageRule {
  /** A PDQ entry matches within this many differing bits (inclusive). */
  readonly maxDistance: number;
  /** Images whose PDQ quality is under this are too flat to match on: PDQ lists are not queried. */
  readonly minQuality: number;
  /** Match every dihedral variant (rotations by 90°, 180°, 270° and the four mirrorings). */
  readonly dihedral: boolean;
}

/** Meta's thresholds (distance 31, quality 50) over all eight variants: what Haven uses everywhere. */
export const KNOWN_IMAGE_RULE: KnownImageRule = Object.freeze({ maxDistance: DEFAULT_MAX_DISTANCE, minQuality: DEFAULT_MIN_QUALITY, dihedral: true });

/** What was computed from an image's bytes. Hashers give `dihedral` (all eight variants) with `pdq`. */
export interface ImageHashes {
  sha256?: string;
  md5?: string;
  pdq?: PdqHex;
  quality?: number;
  dihedral?: Readonly<Partial<Record<DihedralName, PdqHex>>>;
}

/** A hash list as a matcher holds it. */
export type MatchableList = { name: string; kind: 'pdq'; index: PdqIndex } | { name: string; kind: 'md5' | 'sha256'; set: ExactHashSet };

export interface KnownImageMatch {
  list: string;
  kind: 'pdq' | 'md5' | 'sha256';
  entryIndex: number;
  /** Hamming distance for PDQ (of the closest variant); 0 for exact entries. */
  distance: number;
  /** PDQ only: the variant of the image that matched. */
  variant?: DihedralName;
}

/**
 * Every entry of `lists` that `hashes` match under `rule`, best first: exact entries, then PDQ by
 * distance. PDQ lists are skipped when the quality is under the floor (or unknown).
 *
 * @example
 * const [best] = matchKnownImage(lists, { sha256, pdq: r.hash, quality: r.quality, dihedral: r.dihedral });
 */
export function matchKnownImage(lists: readonly MatchableList[], hashes: ImageHashes, rule: KnownImageRule = KNOWN_IMAGE_RULE): KnownImageMatch[] {
  const exact: KnownImageMatch[] = [];
  const near: KnownImageMatch[] = [];
  const pdqOk = hashes.pdq !== undefined && (hashes.quality ?? -1) >= rule.minQuality;
  const variants: { name: DihedralName; hash: PdqHex }[] = [];
  if (pdqOk) {
    variants.push({ name: 'orig', hash: hashes.pdq! });
    if (rule.dihedral && hashes.dihedral) {
      for (const name of DIHEDRAL_NAMES) {
        const h = hashes.dihedral[name];
        if (name !== 'orig' && h !== undefined) variants.push({ name, hash: h });
      }
    }
  }
  for (const l of lists) {
    if (l.kind === 'pdq') {
      if (variants.length === 0) continue;
      for (const m of l.index.queryAny(variants.map((v) => v.hash), rule.maxDistance)) {
        near.push({ list: l.name, kind: 'pdq', entryIndex: m.index, distance: m.distance, variant: variants[m.variant]!.name });
      }
    } else {
      const digest = l.kind === 'md5' ? hashes.md5 : hashes.sha256;
      if (digest === undefined) continue;
      const i = l.set.indexOf(digest);
      if (i >= 0) exact.push({ list: l.name, kind: l.kind, entryIndex: i, distance: 0 });
    }
  }
  near.sort((a, b) => a.distance - b.distance);
  return [...exact, ...near];
}
