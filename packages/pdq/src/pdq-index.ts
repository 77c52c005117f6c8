// Exact Hamming-radius search over PDQ hashes by multi-index hashing (Norouzi et al.): the 256 bits are
// cut into 16 segments of 16 bits, one bucket table per segment. Two hashes within distance d agree to
// within r = floor(d / 16) bits on at least one segment (pigeonhole), so probing every value within r of
// each query segment finds every match; each candidate is then checked with a full popcount. A match is
// reported only from the first segment where it is within r, so no result set is needed for dedup.
import { PDQ_WORDS, pdqWordsFromHex, popcount32, type PdqHex } from './hash256';

const SEGMENTS = 16;
const BUCKETS = 1 << 16;
/** Beyond this per-segment radius probing costs more than scanning. */
const MAX_RADIUS = 3;
const MAGIC = 0x31514450; // 'PDQ1' little-endian

/** One match: the entry's position in insertion order and its Hamming distance. */
export interface PdqMatch {
  index: number;
  distance: number;
}

/** A dihedral match also says which variant of the query matched best. */
export interface PdqDihedralMatch extends PdqMatch {
  variant: number;
}

/** All 16-bit masks of popcount <= r, grouped by popcount. */
const MASKS: Uint16Array[] = (() => {
  const byCount: number[][] = [[], [], [], []];
  for (let m = 0; m < BUCKETS; m++) {
    const c = popcount32(m);
    if (c <= MAX_RADIUS) byCount[c]!.push(m);
  }
  const out: Uint16Array[] = [];
  for (let r = 0; r <= MAX_RADIUS; r++) out.push(Uint16Array.from(byCount.slice(0, r + 1).flat()));
  return out;
})();

/**
 * An in-memory index of PDQ hashes: 32 bytes per hash plus 64 bytes of bucket postings (~96 B/hash).
 * @example
 * const index = PdqIndex.fromHex(listOfHexHashes);
 * index.query(hash, 31); // [{ index: 12, distance: 4 }]
 */
export class PdqIndex {
  #words: Uint16Array;
  #w32: Uint32Array;
  #size = 0;
  #offsets: Uint32Array[] = [];
  #postings: Uint32Array[] = [];
  #built = false;

  constructor(capacity = 1024) {
    this.#words = new Uint16Array(Math.max(1, capacity) * PDQ_WORDS);
    this.#w32 = new Uint32Array(this.#words.buffer);
  }

  /** Wraps 16-words-per-hash storage (shared, not copied) and builds the index. */
  static fromWords(words: Uint16Array, count = words.length / PDQ_WORDS): PdqIndex {
    const index = new PdqIndex(0);
    const own = words.byteOffset % 4 === 0 ? words : words.slice();
    index.#words = own;
    index.#w32 = new Uint32Array(own.buffer, own.byteOffset, (count * PDQ_WORDS) / 2);
    index.#size = count;
    index.build();
    return index;
  }

  static fromHex(hashes: readonly PdqHex[]): PdqIndex {
    const words = new Uint16Array(hashes.length * PDQ_WORDS);
    hashes.forEach((h, i) => pdqWordsFromHex(h, words, i * PDQ_WORDS));
    return PdqIndex.fromWords(words);
  }

  get size(): number {
    return this.#size;
  }

  /** The stored hashes, 16 words each, in insertion order (a view; do not modify). */
  get words(): Uint16Array {
    return this.#words.subarray(0, this.#size * PDQ_WORDS);
  }

  /** Appends a hash; the bucket tables are rebuilt on the next query. Returns its index. */
  add(hash: PdqHex | Uint16Array): number {
    if ((this.#size + 1) * PDQ_WORDS > this.#words.length) {
      const bigger = new Uint16Array(Math.max(PDQ_WORDS * 1024, this.#words.length * 2));
      bigger.set(this.#words);
      this.#words = bigger;
      this.#w32 = new Uint32Array(bigger.buffer);
    }
    if (typeof hash === 'string') pdqWordsFromHex(hash, this.#words, this.#size * PDQ_WORDS);
    else this.#words.set(hash.subarray(0, PDQ_WORDS), this.#size * PDQ_WORDS);
    this.#built = false;
    return this.#size++;
  }

  /** Builds the 16 bucket tables by counting sort (O(16 n)). Called lazily by `query`. */
  build(): void {
    const n = this.#size;
    const words = this.#words;
    this.#offsets = [];
    this.#postings = [];
    for (let s = 0; s < SEGMENTS; s++) {
      const offsets = new Uint32Array(BUCKETS + 1);
      for (let i = 0, p = s; i < n; i++, p += PDQ_WORDS) offsets[words[p]! + 1]!++;
      for (let b = 0; b < BUCKETS; b++) offsets[b + 1]! += offsets[b]!;
      const fill = offsets.slice(0, BUCKETS);
      const postings = new Uint32Array(n);
      for (let i = 0, p = s; i < n; i++, p += PDQ_WORDS) postings[fill[words[p]!]!++] = i;
      this.#offsets.push(offsets);
      this.#postings.push(postings);
    }
    this.#built = true;
  }

  /** Bytes held by the index (hashes and bucket tables). */
  get byteLength(): number {
    let total = this.#size * PDQ_WORDS * 2;
    for (let s = 0; s < this.#offsets.length; s++) total += this.#offsets[s]!.byteLength + this.#postings[s]!.byteLength;
    return total;
  }

  /**
   * Every entry within `maxDistance` of the query (exact: the same answers as a linear scan).
   * @example index.query('f8f8…' as PdqHex, 31)
   */
  query(hash: PdqHex | Uint16Array, maxDistance = 31): PdqMatch[] {
    const q = typeof hash === 'string' ? pdqWordsFromHex(hash) : hash.subarray(0, PDQ_WORDS);
    const out: PdqMatch[] = [];
    if (maxDistance < 0 || this.#size === 0) return out;
    const radius = Math.floor(maxDistance / SEGMENTS);
    if (radius > MAX_RADIUS) {
      scanInto(this.#w32, this.#size, q, maxDistance, out);
      return out;
    }
    if (!this.#built) this.build();
    const q32 = toU32(q);
    const q0 = q32[0]!, q1 = q32[1]!, q2 = q32[2]!, q3 = q32[3]!, q4 = q32[4]!, q5 = q32[5]!, q6 = q32[6]!, q7 = q32[7]!;
    const w32 = this.#w32;
    const words = this.#words;
    const masks = MASKS[radius]!;
    for (let s = 0; s < SEGMENTS; s++) {
      const offsets = this.#offsets[s]!;
      const postings = this.#postings[s]!;
      const qs = q[s]!;
      for (let m = 0; m < masks.length; m++) {
        const v = qs ^ masks[m]!;
        const end = offsets[v + 1]!;
        for (let p = offsets[v]!; p < end; p++) {
          const id = postings[p]!;
          const o = id * 8;
          const d =
            popcount32(w32[o]! ^ q0) + popcount32(w32[o + 1]! ^ q1) + popcount32(w32[o + 2]! ^ q2) + popcount32(w32[o + 3]! ^ q3) +
            popcount32(w32[o + 4]! ^ q4) + popcount32(w32[o + 5]! ^ q5) + popcount32(w32[o + 6]! ^ q6) + popcount32(w32[o + 7]! ^ q7);
          if (d > maxDistance) continue;
          // Report from the first segment within the radius only.
          let first = true;
          for (let t = 0; t < s; t++) {
            if (popcount32(words[id * 16 + t]! ^ q[t]!) <= radius) {
              first = false;
              break;
            }
          }
          if (first) out.push({ index: id, distance: d });
        }
      }
    }
    return out;
  }

  /**
   * Query with several hashes (e.g. the eight dihedral variants of one image); each entry is reported
   * once, with the smallest distance and the position of the variant that gave it.
   */
  queryAny(hashes: readonly (PdqHex | Uint16Array)[], maxDistance = 31): PdqDihedralMatch[] {
    const best = new Map<number, PdqDihedralMatch>();
    hashes.forEach((h, variant) => {
      for (const m of this.query(h, maxDistance)) {
        const prev = best.get(m.index);
        if (!prev || m.distance < prev.distance) best.set(m.index, { ...m, variant });
      }
    });
    return [...best.values()].sort((a, b) => a.distance - b.distance || a.index - b.index);
  }

  /** The linear scan over the same arrays (for tests and benchmarks). */
  scan(hash: PdqHex | Uint16Array, maxDistance = 31): PdqMatch[] {
    const q = typeof hash === 'string' ? pdqWordsFromHex(hash) : hash.subarray(0, PDQ_WORDS);
    const out: PdqMatch[] = [];
    scanInto(this.#w32, this.#size, q, maxDistance, out);
    return out;
  }

  /** Serialises the hashes (the tables are rebuilt on load, which is faster than reading them). */
  toBytes(): Uint8Array {
    const body = this.#size * PDQ_WORDS * 2;
    const out = new Uint8Array(8 + body);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, MAGIC, true);
    dv.setUint32(4, this.#size, true);
    out.set(new Uint8Array(this.#words.buffer, this.#words.byteOffset, body), 8);
    return out;
  }

  /** Inverse of `toBytes`; `undefined` when the bytes are not a PDQ index. */
  static fromBytes(bytes: Uint8Array): PdqIndex | undefined {
    if (bytes.length < 8) return undefined;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    if (dv.getUint32(0, true) !== MAGIC) return undefined;
    const n = dv.getUint32(4, true);
    if (bytes.length !== 8 + n * PDQ_WORDS * 2) return undefined;
    const words = new Uint16Array(n * PDQ_WORDS);
    new Uint8Array(words.buffer).set(bytes.subarray(8));
    return PdqIndex.fromWords(words, n);
  }
}

function toU32(q: Uint16Array): Uint32Array {
  const out = new Uint32Array(8);
  for (let i = 0; i < 8; i++) out[i] = (q[2 * i]! | (q[2 * i + 1]! << 16)) >>> 0;
  return out;
}

function scanInto(w32: Uint32Array, n: number, q: Uint16Array, maxDistance: number, out: PdqMatch[]): void {
  const q32 = toU32(q);
  const q0 = q32[0]!, q1 = q32[1]!, q2 = q32[2]!, q3 = q32[3]!, q4 = q32[4]!, q5 = q32[5]!, q6 = q32[6]!, q7 = q32[7]!;
  for (let id = 0, o = 0; id < n; id++, o += 8) {
    const d =
      popcount32(w32[o]! ^ q0) + popcount32(w32[o + 1]! ^ q1) + popcount32(w32[o + 2]! ^ q2) + popcount32(w32[o + 3]! ^ q3) +
      popcount32(w32[o + 4]! ^ q4) + popcount32(w32[o + 5]! ^ q5) + popcount32(w32[o + 6]! ^ q6) + popcount32(w32[o + 7]! ^ q7);
    if (d <= maxDistance) out.push({ index: id, distance: d });
  }
}
