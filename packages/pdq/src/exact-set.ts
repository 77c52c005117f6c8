// A set of fixed-width digests (MD5: 16 bytes, SHA-256: 32 bytes) in one byte array with an
// open-addressing table keyed by the digest's first 4 bytes (digests are uniformly distributed).

export type ExactKind = 'md5' | 'sha256';
export const DIGEST_BYTES = { md5: 16, sha256: 32 } as const satisfies Record<ExactKind, number>;
const HEX = { md5: /^[0-9a-fA-F]{32}$/, sha256: /^[0-9a-fA-F]{64}$/ } as const;

/** Parses a hex digest of the given kind into bytes; `undefined` when malformed. */
export function parseDigestHex(kind: ExactKind, text: string): Uint8Array | undefined {
  if (!HEX[kind].test(text)) return undefined;
  const out = new Uint8Array(DIGEST_BYTES[kind]);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * Exact-match set of MD5 or SHA-256 digests; `indexOf` gives the entry's insertion position (for labels).
 * @example
 * const set = ExactHashSet.fromHex('md5', ['d41d8cd98f00b204e9800998ecf8427e']);
 * set.has('d41d8cd98f00b204e9800998ecf8427e'); // true
 */
export class ExactHashSet {
  readonly kind: ExactKind;
  readonly width: number;
  #bytes: Uint8Array;
  #size: number;
  #table: Uint32Array;
  #mask: number;

  constructor(kind: ExactKind, bytes: Uint8Array, count = bytes.length / DIGEST_BYTES[kind]) {
    this.kind = kind;
    this.width = DIGEST_BYTES[kind];
    this.#bytes = bytes;
    this.#size = count;
    let cap = 16;
    while (cap < count * 2) cap *= 2;
    this.#table = new Uint32Array(cap);
    this.#mask = cap - 1;
    for (let i = 0; i < count; i++) this.#insert(i);
  }

  static fromHex(kind: ExactKind, hashes: readonly string[]): ExactHashSet {
    const w = DIGEST_BYTES[kind];
    const bytes = new Uint8Array(hashes.length * w);
    hashes.forEach((h, i) => {
      const d = parseDigestHex(kind, h);
      if (!d) throw new Error(`not a ${kind} digest: ${h}`);
      bytes.set(d, i * w);
    });
    return new ExactHashSet(kind, bytes);
  }

  get size(): number {
    return this.#size;
  }

  /** The digests, `width` bytes each, in insertion order. */
  get bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#size * this.width);
  }

  #slot(b: Uint8Array, at: number): number {
    return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) & this.#mask;
  }

  #insert(i: number): void {
    let s = this.#slot(this.#bytes, i * this.width);
    while (this.#table[s] !== 0) s = (s + 1) & this.#mask;
    this.#table[s] = i + 1;
  }

  /** Position of the first entry equal to the digest, or -1. Accepts hex or raw bytes. */
  indexOf(digest: string | Uint8Array): number {
    const d = typeof digest === 'string' ? parseDigestHex(this.kind, digest) : digest;
    if (!d || d.length !== this.width) return -1;
    const w = this.width;
    let s = this.#slot(d, 0);
    for (;;) {
      const e = this.#table[s]!;
      if (e === 0) return -1;
      const at = (e - 1) * w;
      let k = 0;
      while (k < w && this.#bytes[at + k] === d[k]) k++;
      if (k === w) return e - 1;
      s = (s + 1) & this.#mask;
    }
  }

  has(digest: string | Uint8Array): boolean {
    return this.indexOf(digest) >= 0;
  }
}
