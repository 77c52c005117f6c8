// How the 256 bits are cut into segments for multi-index hashing, and which radius each segment is
// probed at. With m segments and d = r*m + a (0 <= a < m), a hash within d of the query is within r on
// one of the first a+1 segments or within r-1 on one of the others (else the total would exceed d).
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
