// The matching policy around the index: Meta's defaults (distance 31, quality at least 50), optionally
// over all eight dihedral variants. Pure: a server and the CLI apply the same rule.
import type { PdqHex } from './hash256';
import { DIHEDRAL_NAMES, type DihedralName } from './pdq-core';
import type { PdqIndex } from './pdq-index';
import type { PdqHashResult } from './pixels';

export const DEFAULT_MAX_DISTANCE = 31;
export const DEFAULT_MIN_QUALITY = 50;

export interface PdqQueryOptions {
  maxDistance?: number;
  minQuality?: number;
  /** Match every dihedral variant (needs a result hashed with `dihedral: true`). */
  dihedral?: boolean;
}

export interface PdqHit {
  index: number;
  distance: number;
  variant: DihedralName;
}

export type PdqQueryResult = { queried: true; matches: PdqHit[] } | { queried: false; reason: 'low_quality'; quality: number };

/**
 * Queries an index with a hash result unless its quality is too low to trust.
 * @example
 * const r = queryPdq(list.index, await hashImageFile(path, { dihedral: true }), { dihedral: true });
 * if (r.queried && r.matches.length) report(r.matches[0]);
 */
export function queryPdq(index: PdqIndex, result: PdqHashResult, options: PdqQueryOptions = {}): PdqQueryResult {
  const minQuality = options.minQuality ?? DEFAULT_MIN_QUALITY;
  if (result.quality < minQuality) return { queried: false, reason: 'low_quality', quality: result.quality };
  const maxDistance = options.maxDistance ?? DEFAULT_MAX_DISTANCE;
  const names: readonly DihedralName[] = options.dihedral && result.dihedral ? DIHEDRAL_NAMES : ['orig'];
  const hashes: PdqHex[] = names.map((n) => (n === 'orig' ? result.hash : result.dihedral![n]));
  const matches = index.queryAny(hashes, maxDistance).map((m) => ({ index: m.index, distance: m.distance, variant: names[m.variant]! }));
  return { queried: true, matches };
}
