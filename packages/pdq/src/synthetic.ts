import { PDQ_WORDS } from './hash256';

// Reproducible synthetic PDQ hashes for tests and the benchmark (not part of the public API).

/** Deterministic PRNG (xorshift32) so failures and benchmark sets reproduce. */
export function xorshift32(seed: number): () => number {
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

/** `n` random hashes as packed 16-bit words. */
export function randomWords(n: number, next: () => number): Uint16Array {
  const w = new Uint16Array(n * PDQ_WORDS);
  for (let i = 0; i < w.length; i++) w[i] = next() & 0xffff;
  return w;
}

/** A copy of hash `i` of `words` with `flips` distinct random bits flipped. */
export function nearby(words: Uint16Array, i: number, flips: number, next: () => number): Uint16Array {
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
