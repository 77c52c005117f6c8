// Exact Hamming-radius search over PDQ hashes by multi-index hashing (Norouzi et al.): the 256 bits are
// cut into m segments (16 of 16 bits as Meta's C++ index does for small lists, down to 12 of ~21 bits for
// ten million, chosen to stay under 100 bytes per hash), one bucket table per segment. Any hash within d
// of the query is close to it on some segment (pigeonhole, see mih-layout.ts), so probing the keys near
// each query segment finds every match. Entries are first filtered by the pair bound (mih-layout.ts)
// on a fingerprint of the next segment packed beside the id in the posting entry, so most are dropped
// without reading their hash; survivors are checked with a full popcount. A match is
// reported only from the first segment where it passes both tests, so no dedup set is
// needed. Hashes are read through a little-endian Uint32Array view (every Node platform is little-endian).
import { PDQ_WORDS, pdqWordsFromHex, popcount32, type PdqHex } from './hash256';
import { chooseSegmentCount, pairBounds, probeMasks, ringNext, segmentLayout, segmentRadii, type Segment } from './mih-layout';

/** Below this many hashes a linear scan is as fast as probing, and needs no tables. */
const SCAN_BELOW = 16_384;
/** Candidates are verified in chunks: first touched (so cache and TLB misses overlap), then checked. */
const CHUNK = 64;
const MAGIC = 0x31514450; // 'PDQ1' little-endian: hashes only
// 'PDQ2': hashes and bucket tables. The tables' meaning (segment layout, ring, fingerprint placement)
// is derived from m, n and the fingerprint width on load: changing any of those rules needs a new magic.
const MAGIC_TABLES = 0x32514450;

export interface PdqIndexOptions {
  /** Force the number of segments (11-16), or 0 for a linear scan; default: chosen by size. */
  segments?: number;
  /**
   * At most this many bits (0-16, default 16) of the next segment are packed into each posting entry
   * beside the id, as a filter (see query). The width used is what the ids leave free of 32 bits:
   * 8 bits at 10M hashes, 12 at 1M. Lower it only to test the narrow filters on small indexes.
   */
  fingerprintBits?: number;
}

/** One match: the entry's position in insertion order and its Hamming distance. */
export interface PdqMatch {
  index: number;
  distance: number;
}

/** A dihedral match also says which variant of the query matched best. */
export interface PdqDihedralMatch extends PdqMatch {
  variant: number;
}

/** Bits [start, start + width) of the hash at u32 offset o (width <= 24). */
function segmentKey(w32: Uint32Array, o: number, start: number, width: number): number {
  const wi = start >>> 5;
  const sh = start & 31;
  let v = w32[o + wi]! >>> sh;
  if (sh + width > 32) v |= w32[o + wi + 1]! << (32 - sh);
  return (v & ((1 << width) - 1)) >>> 0;
}

/**
 * An in-memory index of PDQ hashes: 32 bytes per hash plus the bucket tables (under 100 B/hash at 10M).
 * @example
 * const index = PdqIndex.fromHex(listOfHexHashes);
 * index.query(hash, 31); // [{ index: 12, distance: 4 }]
 */
export class PdqIndex {
  #words: Uint16Array;
  #w32: Uint32Array;
  #size = 0;
  #segments: Segment[] = [];
  #offsets: Uint32Array[] = [];
  #postings: Uint32Array[] = [];
  /** Posting entries pack the id in the low `#idBits` bits and a fingerprint above it (see build). */
  #idBits = 32;
  #fpBits: number[] = [];
  /** The segment whose bits form each segment's fingerprint (the pair bound's ring). */
  #next: Int32Array = new Int32Array(0);
  #built = false;
  #cand = new Uint32Array(1024);
  #candSeg = new Uint8Array(1024);

  #forcedSegments: number | undefined;
  #maxFingerprint: number;

  /** `segments` forces the layout (11-16 segments, or 0 for a linear scan); by default it follows the size. */
  constructor(capacity = 1024, options: PdqIndexOptions = {}) {
    this.#words = new Uint16Array(Math.max(1, capacity) * PDQ_WORDS);
    this.#w32 = new Uint32Array(this.#words.buffer);
    const m = options.segments;
    if (m !== undefined && m !== 0 && !(Number.isInteger(m) && m >= 11 && m <= 16)) throw new RangeError('segments must be 0 or 11..16');
    this.#forcedSegments = m;
    const f = options.fingerprintBits ?? 16;
    if (!(Number.isInteger(f) && f >= 0 && f <= 16)) throw new RangeError('fingerprintBits must be 0..16');
    this.#maxFingerprint = f;
  }

  /** Wraps 16-words-per-hash storage (shared, not copied) and builds the index. */
  static fromWords(words: Uint16Array, count = words.length / PDQ_WORDS, options: PdqIndexOptions = {}): PdqIndex {
    const index = new PdqIndex(0, options);
    const own = words.byteOffset % 4 === 0 ? words : words.slice();
    index.#words = own;
    index.#w32 = new Uint32Array(own.buffer, own.byteOffset, count * 8);
    index.#size = count;
    index.build();
    return index;
  }

  static fromHex(hashes: readonly PdqHex[], options: PdqIndexOptions = {}): PdqIndex {
    const words = new Uint16Array(hashes.length * PDQ_WORDS);
    hashes.forEach((h, i) => pdqWordsFromHex(h, words, i * PDQ_WORDS));
    return PdqIndex.fromWords(words, hashes.length, options);
  }

  get size(): number {
    return this.#size;
  }

  /** Number of segments (0 while the index scans linearly). */
  get segmentCount(): number {
    if (!this.#built) this.build();
    return this.#segments.length;
  }

  /** The stored hashes, 16 words each, in insertion order (a view; do not modify). */
  get words(): Uint16Array {
    return this.#words.subarray(0, this.#size * PDQ_WORDS);
  }

  /** Appends a hash; the bucket tables are rebuilt on the next query. Returns its index. */
  add(hash: PdqHex | Uint16Array): number {
    if ((this.#size + 1) * PDQ_WORDS > this.#words.length) {
      const bigger = new Uint16Array(Math.max(PDQ_WORDS * 1024, this.#words.length * 2));
      bigger.set(this.#words.subarray(0, this.#size * PDQ_WORDS));
      this.#words = bigger;
      this.#w32 = new Uint32Array(bigger.buffer);
    }
    if (typeof hash === 'string') pdqWordsFromHex(hash, this.#words, this.#size * PDQ_WORDS);
    else this.#words.set(hash.subarray(0, PDQ_WORDS), this.#size * PDQ_WORDS);
    this.#built = false;
    return this.#size++;
  }

  /** Segments, ring, id and fingerprint widths for m segments over the current size (no tables). */
  #layout(m: number): void {
    this.#segments = m === 0 ? [] : segmentLayout(m);
    this.#offsets = [];
    this.#postings = [];
    this.#plans.clear();
    // Ids take the low bits of a posting entry; the bits they leave free carry a filter fingerprint.
    this.#idBits = Math.max(1, Math.ceil(Math.log2(Math.max(2, this.#size))));
    const free = 32 - this.#idBits;
    this.#next = ringNext(this.#segments.length);
    this.#fpBits = this.#segments.map((_, s) => Math.min(free, this.#maxFingerprint, this.#segments[this.#next[s]!]!.width));
  }

  /**
   * Builds the bucket tables (called lazily by `query`). Per segment: a radix pass on the key's top 8
   * bits, then a counting sort inside each partition, so every table access stays in cache (a plain
   * counting sort over a 2^21-bucket table misses cache on every hash).
   */
  build(): void {
    const n = this.#size;
    const w32 = this.#w32;
    this.#layout(this.#forcedSegments ?? (n < SCAN_BELOW ? 0 : chooseSegmentCount(n)));
    if (this.#segments.length === 0) {
      this.#built = true;
      return;
    }
    const keys = new Uint32Array(n);
    const packed = new Uint32Array(n);
    const partIds = new Uint32Array(n);
    const partKeys = new Uint32Array(n);
    const hist = new Uint32Array(257);
    for (let s = 0; s < this.#segments.length; s++) {
      const { start, width } = this.#segments[s]!;
      const buckets = 2 ** width;
      const shift = width - 8;
      // Each posting entry: id | fingerprint << idBits, the fingerprint being the low bits of the
      // next segment (computed here, in one sequential pass over the hashes).
      const next = this.#segments[this.#next[s]!]!;
      const fpBits = this.#fpBits[s]!;
      const idBits = this.#idBits;
      hist.fill(0);
      for (let i = 0, o = 0; i < n; i++, o += 8) {
        const k = segmentKey(w32, o, start, width);
        keys[i] = k;
        packed[i] = fpBits === 0 ? i : (i | (segmentKey(w32, o, next.start, fpBits) << idBits)) >>> 0;
        hist[(k >>> shift) + 1]!++;
      }
      for (let h = 0; h < 256; h++) hist[h + 1]! += hist[h]!;
      const pos = hist.slice(0, 256);
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        const p = pos[k >>> shift]!++;
        partIds[p] = packed[i]!;
        partKeys[p] = k;
      }
      const offsets = new Uint32Array(buckets + 1);
      for (let p = 0; p < n; p++) offsets[partKeys[p]! + 1]!++;
      for (let b = 0; b < buckets; b++) offsets[b + 1]! += offsets[b]!;
      const fill = offsets.slice(0, buckets);
      const postings = new Uint32Array(n + 1); // one spare entry: the query touches postings[from] even for an empty last bucket
      for (let p = 0; p < n; p++) postings[fill[partKeys[p]!]!++] = partIds[p]!;
      this.#offsets.push(offsets);
      this.#postings.push(postings);
    }
    this.#built = true;
  }

  /** Bytes held by the index (hashes and bucket tables). */
  get byteLength(): number {
    if (!this.#built) this.build();
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
    if (!this.#built) this.build();
    const segments = this.#segments;
    const m = segments.length;
    const plan = m === 0 ? undefined : this.#plan(maxDistance);
    // Probe cost grows fast with the radius; past 3 bits per segment a scan is cheaper.
    if (plan === undefined || plan.radii[0]! > 3) {
      scanInto(this.#w32, this.#size, q, maxDistance, out);
      return out;
    }
    const { radii, pair, masks: maskSets, levels: levelSets } = plan;
    const q32 = this.#q32;
    for (let i = 0; i < 8; i++) q32[i] = (q[2 * i]! | (q[2 * i + 1]! << 16)) >>> 0;
    const qk = this.#qk;
    const qfp = this.#qfp;
    const fpBits = this.#fpBits;
    const ring = this.#next;
    for (let s = 0; s < m; s++) {
      qk[s] = segmentKey(q32, 0, segments[s]!.start, segments[s]!.width);
      qfp[s] = fpBits[s] === 0 ? 0 : segmentKey(q32, 0, segments[ring[s]!]!.start, fpBits[s]!);
    }
    const idBits = this.#idBits;
    const idMask = idBits >= 31 ? 0x7fffffff : (1 << idBits) - 1;
    // 1. Gather candidate ids from every probed bucket. The bucket tables are large, so each segment's
    //    probes are first touched in one pass (overlapping the misses), then read. An entry found at
    //    segment distance b is kept only if b plus its fingerprint distance is within the pair bound
    //    (pigeonring, see mih-layout.ts): most random entries are dropped without touching their hash.
    let nc = 0;
    let sink = 0;
    for (let s = 0; s < m; s++) {
      if (radii[s]! < 0) continue;
      const offsets = this.#offsets[s]!;
      const postings = this.#postings[s]!;
      const masks = maskSets[s]!;
      const levels = levelSets[s]!;
      const key = qk[s]!;
      const fq = qfp[s]!;
      const fb = fpBits[s]!;
      const bound = pair[s]!;
      const nm = masks.length;
      if (this.#from.length < nm) {
        this.#from = new Uint32Array(nm);
        this.#to = new Uint32Array(nm);
      }
      const froms = this.#from;
      const tos = this.#to;
      // Three passes so the cache misses of each pass overlap: touch the offsets, read them and touch
      // the posting runs, then read the runs.
      for (let i = 0; i < nm; i++) sink ^= offsets[key ^ masks[i]!]!;
      for (let i = 0; i < nm; i++) {
        const v = key ^ masks[i]!;
        const from = offsets[v]!;
        froms[i] = from;
        tos[i] = offsets[v + 1]!;
        sink ^= postings[from]!;
      }
      for (let i = 0; i < nm; i++) {
        const from = froms[i]!;
        const to = tos[i]!;
        if (to === from) continue;
        if (nc + (to - from) > this.#cand.length) this.#grow(nc + (to - from));
        const cand = this.#cand;
        const cseg = this.#candSeg;
        const allow = bound - levels[i]!;
        if (allow >= fb) {
          for (let p = from; p < to; p++, nc++) {
            cand[nc] = postings[p]! & idMask;
            cseg[nc] = s;
          }
        } else {
          for (let p = from; p < to; p++) {
            const e = postings[p]!;
            if (POP16[(e >>> idBits) ^ fq]! <= allow) {
              cand[nc] = e & idMask;
              cseg[nc++] = s;
            }
          }
        }
      }
    }
    // 2. Verify in chunks: a first pass touches each candidate's line so the misses overlap.
    const w32 = this.#w32;
    const cand = this.#cand;
    const q0 = q32[0]!, q1 = q32[1]!, q2 = q32[2]!, q3 = q32[3]!, q4 = q32[4]!, q5 = q32[5]!, q6 = q32[6]!, q7 = q32[7]!;
    for (let c0 = 0; c0 < nc; c0 += CHUNK) {
      const c1 = Math.min(nc, c0 + CHUNK);
      for (let c = c0; c < c1; c++) sink ^= w32[cand[c]! * 8]!;
      for (let c = c0; c < c1; c++) {
        const o = cand[c]! * 8;
        // Half the bits first: a random candidate is ~64 bits away on them and is dropped here.
        const h = byteSum(byteCounts(w32[o]! ^ q0) + byteCounts(w32[o + 1]! ^ q1) + byteCounts(w32[o + 2]! ^ q2) + byteCounts(w32[o + 3]! ^ q3));
        if (h > maxDistance) continue;
        const d = h + byteSum(byteCounts(w32[o + 4]! ^ q4) + byteCounts(w32[o + 5]! ^ q5) + byteCounts(w32[o + 6]! ^ q6) + byteCounts(w32[o + 7]! ^ q7));
        if (d > maxDistance) continue;
        // Report from the first segment where the entry passes the same tests as in step 1 only.
        const s = this.#candSeg[c]!;
        let first = true;
        for (let t = 0; t < s; t++) {
          if (radii[t]! < 0) continue;
          const g = segments[t]!;
          const b = popcount32(segmentKey(w32, o, g.start, g.width) ^ qk[t]!);
          if (b > radii[t]!) continue;
          const f = fpBits[t] === 0 ? 0 : popcount32(segmentKey(w32, o, segments[ring[t]!]!.start, fpBits[t]!) ^ qfp[t]!);
          if (b + f <= pair[t]!) {
            first = false;
            break;
          }
        }
        if (first) out.push({ index: cand[c]!, distance: d });
      }
    }
    this.#sink = sink;
    return out;
  }

  /** Per-distance probe plan (radii, pair bounds, masks by segment), cached until the next build. */
  #plan(maxDistance: number): ProbePlan {
    let plan = this.#plans.get(maxDistance);
    if (!plan) {
      const m = this.#segments.length;
      const radii = segmentRadii(m, maxDistance);
      const pair = pairBounds(radii, this.#next);
      const masks = this.#segments.map((g, s) => probeMasks(g.width, Math.max(0, Math.min(radii[s]!, 3))));
      const levels = masks.map((ms) => Uint8Array.from(ms, (x) => popcount32(x)));
      plan = { radii, pair, masks, levels };
      this.#plans.set(maxDistance, plan);
    }
    return plan;
  }

  #plans = new Map<number, ProbePlan>();
  #q32 = new Uint32Array(8);
  #qk = new Uint32Array(16);
  #qfp = new Uint32Array(16);
  #from = new Uint32Array(0);
  #to = new Uint32Array(0);

  #sink = 0;

  #grow(need: number): void {
    let len = this.#cand.length;
    while (len < need) len *= 2;
    const c = new Uint32Array(len);
    c.set(this.#cand);
    const s = new Uint8Array(len);
    s.set(this.#candSeg);
    this.#cand = c;
    this.#candSeg = s;
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

  /**
   * Serialises the index. By default only the hashes (32 bytes each; the tables are rebuilt on load, 2.6 s
   * of CPU at 10M). With `{ tables: true }` the bucket tables are written too (the in-memory size,
   * ~93 bytes a hash at 10M), so loading is a file read plus a bounds check.
   */
  toBytes(options: { tables?: boolean } = {}): Uint8Array {
    if (options.tables && !this.#built) this.build();
    const tables = options.tables === true && this.#segments.length > 0;
    const body = this.#size * PDQ_WORDS * 2;
    let total = 8 + body;
    if (tables) {
      total += 8;
      for (let s = 0; s < this.#offsets.length; s++) total += this.#offsets[s]!.byteLength + this.#postings[s]!.byteLength;
    }
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, tables ? MAGIC_TABLES : MAGIC, true);
    dv.setUint32(4, this.#size, true);
    out.set(new Uint8Array(this.#words.buffer, this.#words.byteOffset, body), 8);
    if (tables) {
      let at = 8 + body;
      dv.setUint32(at, this.#segments.length, true);
      dv.setUint32(at + 4, this.#maxFingerprint, true);
      at += 8;
      for (let s = 0; s < this.#offsets.length; s++) {
        for (const t of [this.#offsets[s]!, this.#postings[s]!]) {
          out.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), at);
          at += t.byteLength;
        }
      }
    }
    return out;
  }

  /**
   * Inverse of `toBytes`; `undefined` when the bytes are not a PDQ index. Saved tables are used in place
   * (no copy when the bytes are 4-byte aligned, as a file read into its own buffer is) after a check that
   * every offset and id is in range; they are trusted to be the ones `toBytes` wrote.
   */
  static fromBytes(bytes: Uint8Array): PdqIndex | undefined {
    if (bytes.length < 8) return undefined;
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    const dv = new DataView(aligned.buffer, aligned.byteOffset, aligned.length);
    const magic = dv.getUint32(0, true);
    if (magic !== MAGIC && magic !== MAGIC_TABLES) return undefined;
    const n = dv.getUint32(4, true);
    const body = n * PDQ_WORDS * 2;
    if (magic === MAGIC && aligned.length !== 8 + body) return undefined;
    if (magic === MAGIC_TABLES && aligned.length < 16 + body) return undefined;
    const words = new Uint16Array(aligned.buffer, aligned.byteOffset + 8, n * PDQ_WORDS);
    if (magic === MAGIC) return PdqIndex.fromWords(words, n);
    const m = dv.getUint32(8 + body, true);
    const fp = dv.getUint32(12 + body, true);
    if (!(m >= 11 && m <= 16) || fp > 16) return undefined;
    const index = new PdqIndex(0, { segments: m, fingerprintBits: fp });
    index.#words = words;
    index.#w32 = new Uint32Array(aligned.buffer, aligned.byteOffset + 8, n * 8);
    index.#size = n;
    index.#layout(m);
    let at = aligned.byteOffset + 16 + body;
    const end = aligned.byteOffset + aligned.length;
    const idMask = index.#idBits >= 31 ? 0x7fffffff : (1 << index.#idBits) - 1;
    for (const { width } of index.#segments) {
      const nb = 2 ** width + 1;
      if (at + 4 * (nb + n + 1) > end) return undefined;
      const offsets = new Uint32Array(aligned.buffer, at, nb);
      const postings = new Uint32Array(aligned.buffer, at + 4 * nb, n + 1);
      at += 4 * (nb + n + 1);
      if (offsets[0] !== 0 || offsets[nb - 1] !== n) return undefined;
      for (let b = 1; b < nb; b++) if (offsets[b]! < offsets[b - 1]!) return undefined;
      for (let p = 0; p < n; p++) if ((postings[p]! & idMask) >= n) return undefined;
      index.#offsets.push(offsets);
      index.#postings.push(postings);
    }
    if (at !== end) return undefined;
    index.#built = true;
    return index;
  }
}

interface ProbePlan {
  radii: Int32Array;
  pair: Int32Array;
  masks: Uint32Array[];
  levels: Uint8Array[];
}

/** Bit counts of every 16-bit value (fingerprints are at most 16 bits). */
const POP16 = (() => {
  const t = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) t[i] = (i & 1) + t[i >>> 1]!;
  return t;
})();

/** Per-byte bit counts of x (each byte 0..8); up to 31 of these can be added without overflow. */
function byteCounts(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (x + (x >>> 4)) & 0x0f0f0f0f;
}

/** Sum of the four bytes of a byteCounts total (each byte at most 255). */
function byteSum(x: number): number {
  x = (x & 0x00ff00ff) + ((x >>> 8) & 0x00ff00ff);
  return (x & 0xffff) + (x >>> 16);
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
      byteSum(byteCounts(w32[o]! ^ q0) + byteCounts(w32[o + 1]! ^ q1) + byteCounts(w32[o + 2]! ^ q2) + byteCounts(w32[o + 3]! ^ q3)) +
      byteSum(byteCounts(w32[o + 4]! ^ q4) + byteCounts(w32[o + 5]! ^ q5) + byteCounts(w32[o + 6]! ^ q6) + byteCounts(w32[o + 7]! ^ q7));
    if (d <= maxDistance) out.push({ index: id, distance: d });
  }
}
