// A PDQ hash is 256 bits held as 16 words of 16 bits, exactly as the reference stores it:
// bit k (k = i*16 + j, DCT row i, column j) is bit (k & 15) of word k >> 4. The hex form prints
// word 15 first, so it is the big-endian form of the integer sum(bit_k << k).

declare const pdqHexBrand: unique symbol;
/** 64 lowercase hex characters: a PDQ hash in the reference's text layout. */
export type PdqHex = string & { readonly [pdqHexBrand]: true };

/** Number of 16-bit words in a PDQ hash. */
export const PDQ_WORDS = 16;
/** Bits in a PDQ hash. */
export const PDQ_BITS = 256;

const HEX_RE = /^[0-9a-fA-F]{64}$/;

/** Parses a 64-hex-digit PDQ hash (either case); `undefined` when it is not one. */
export function parsePdqHex(text: string): PdqHex | undefined {
  return HEX_RE.test(text) ? (text.toLowerCase() as PdqHex) : undefined;
}

/**
 * Hex text → 16 words (word 0 = the last 4 hex digits).
 * @example pdqWordsFromHex(hex)[0] // the lowest 16 bits
 */
export function pdqWordsFromHex(hex: PdqHex, out: Uint16Array = new Uint16Array(PDQ_WORDS), offset = 0): Uint16Array {
  for (let w = 0; w < PDQ_WORDS; w++) {
    const at = (PDQ_WORDS - 1 - w) * 4;
    out[offset + w] = parseInt(hex.slice(at, at + 4), 16);
  }
  return out;
}

/** 16 words → hex text (word 15 first). */
export function pdqHexFromWords(words: Uint16Array, offset = 0): PdqHex {
  let s = '';
  for (let w = PDQ_WORDS - 1; w >= 0; w--) s += (words[offset + w] ?? 0).toString(16).padStart(4, '0');
  return s as PdqHex;
}

/** Population count of a 32-bit integer. */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Hamming distance between two hashes given as hex.
 * @example pdqDistance(a, a) === 0
 */
export function pdqDistance(a: PdqHex, b: PdqHex): number {
  const wa = pdqWordsFromHex(a);
  const wb = pdqWordsFromHex(b);
  let d = 0;
  for (let i = 0; i < PDQ_WORDS; i++) d += popcount32((wa[i] ?? 0) ^ (wb[i] ?? 0));
  return d;
}

/** The all-zero hash the reference returns for images it cannot hash (under 5 px). */
export const PDQ_ZERO = '0'.repeat(64) as PdqHex;
