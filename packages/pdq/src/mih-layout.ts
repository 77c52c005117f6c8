// How the 256 bits are cut into segments for multi-index hashing, and which radius each segment is
// probed at. With m segments and d = r*m + a (0 <= a < m), a hash within d of the query is within r on
// one of the first a+1 segments or within r-1 on the others (else the total would exceed d): the
// radii t_i (r or r-1, -1 meaning "not probed") sum to d - m + 1.
//
// The pair bound (pigeonring, Qin et al. 2018), which the index uses as a filter: if the segment
// distances b_0..b_{m-1} sum to at most d, some segment i (indices taken around the ring) has
//   b_i <= t_i   and   b_i + b_{i+1} <= t_i + t_{i+1} + 1.
// Proof: let c_j = t_j + 1 - b_j, so sum(c) >= 1. Let P_k = c_0 + ... + c_{k-1} and i the last index
// in [0, m) where P is smallest. Every run c_i + ... + c_{i+l-1} (l = 1..m, around the ring) is then
// >= 1: without wrapping it is P_{i+l} - P_i > 0 (i is the last minimum, and P_m - P_i >= P_m >= 1);
// wrapping to k < i it is (P_m - P_i) + P_k >= 1 + (P_k - P_i) >= 1. Runs of length 1 and 2 give the
// two inequalities. So when probing segment i, an entry can be dropped unless its distance on the
// next segment keeps the pair within bound; a lower bound of that distance (a few of its bits, kept
// beside the id in the posting list) is enough, and the hash itself is never read for those entries.
import { popcount32 } from './hash256';

export interface Segment {
  start: number;
  width: number;
}

/** m segments covering 256 bits, the first 256 % m one bit wider. */
export function segmentLayout(m: number): Segment[] {
  const base = Math.floor(256 / m);
  const extra = 256 % m;
  const out: Segment[] = [];
  let start = 0;
  for (let i = 0; i < m; i++) {
    const width = base + (i < extra ? 1 : 0);
    out.push({ start, width });
    start += width;
  }
  return out;
}

/** Per-segment probe radius for a query distance (-1: not probed). */
export function segmentRadii(m: number, maxDistance: number): Int32Array {
  const r = Math.floor(maxDistance / m);
  const a = maxDistance % m;
  return Int32Array.from({ length: m }, (_, i) => (i <= a ? r : r - 1));
}

/**
 * The ring the pair bound walks (`next[i]` follows segment i); any cyclic order is valid. The bound is
 * tightest after a segment probed at the smaller radius, so at d = 31 each of those follows one of the
 * narrowest (most crowded) segments probed at the larger radius.
 */
export function ringNext(m: number): Int32Array {
  const radii = segmentRadii(m, 31);
  const widths = segmentLayout(m).map((g) => g.width);
  const r = radii[0]!;
  const big = [...radii.keys()].filter((i) => radii[i] === r).sort((a, b) => widths[a]! - widths[b]! || a - b);
  const small = [...radii.keys()].filter((i) => radii[i] !== r);
  const ring: number[] = [];
  while (big.length > 0 || small.length > 0) {
    if (big.length > 0) ring.push(big.shift()!);
    if (small.length > 0) ring.push(small.shift()!);
  }
  const next = new Int32Array(m);
  ring.forEach((s, k) => (next[s] = ring[(k + 1) % m]!));
  return next;
}

/** Per-segment bound on b_i + b_next(i) for the segments probed at `radii` (see the pair bound above). */
export function pairBounds(radii: Int32Array, next: Int32Array): Int32Array {
  return Int32Array.from({ length: radii.length }, (_, i) => radii[i]! + radii[next[i]!]! + 1);
}

function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c;
}

/** Number of keys within `radius` of a `width`-bit key. */
export function probeCount(width: number, radius: number): number {
  let c = 0;
  for (let k = 0; k <= radius; k++) c += choose(width, k);
  return c;
}

const maskCache = new Map<string, Uint32Array>();

/** All `width`-bit masks with at most `radius` bits set. */
export function probeMasks(width: number, radius: number): Uint32Array {
  const key = `${width}/${radius}`;
  let masks = maskCache.get(key);
  if (!masks) {
    const out: number[] = [];
    const rec = (from: number, mask: number, left: number): void => {
      out.push(mask >>> 0);
      if (left === 0) return;
      for (let b = from; b < width; b++) rec(b + 1, mask | (1 << b), left - 1);
    };
    rec(0, 0, radius);
    masks = Uint32Array.from(out);
    maskCache.set(key, masks);
  }
  return masks;
}

/** Bytes per hash of an index with m segments over n hashes. */
export function bytesPerHash(m: number, n: number): number {
  const tables = segmentLayout(m).reduce((s, g) => s + 4 * (2 ** g.width + 1), 0);
  return 32 + 4 * m + tables / Math.max(1, n);
}

/**
 * The segment count with the cheapest expected query at d = 31 (lookups plus candidates) among those
 * within 100 bytes per hash; the smallest footprint when none is.
 */
export function chooseSegmentCount(n: number): number {
  let best = 16;
  let bestCost = Infinity;
  let fallback = 16;
  for (let m = 16; m >= 11; m--) {
    if (bytesPerHash(m, n) < bytesPerHash(fallback, n)) fallback = m;
    if (bytesPerHash(m, n) > 100) continue;
    const radii = segmentRadii(m, 31);
    let cost = 0;
    segmentLayout(m).forEach((g, i) => {
      const p = probeCount(g.width, radii[i]!);
      cost += p + 2 * p * (n / 2 ** g.width);
    });
    if (cost < bestCost) {
      bestCost = cost;
      best = m;
    }
  }
  return bestCost === Infinity ? fallback : best;
}

/** Segment distance helper for tests. */
export const segmentDistance = (a: number, b: number): number => popcount32(a ^ b);
