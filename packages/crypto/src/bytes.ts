// Small byte helpers shared by the encoders in this package. Comparisons of secrets use
// @noble/ciphers' constant-time `equalBytes`; nothing here is a cryptographic primitive.
import { equalBytes } from '@noble/ciphers/utils.js';

export { concatBytes } from '@noble/ciphers/utils.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Constant-time equality for MACs, tags and commitments (length leaks, contents do not). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}

export const utf8 = (s: string): Uint8Array => utf8Encoder.encode(s);

/** Strict UTF-8 decode; `undefined` for invalid bytes. */
export function fromUtf8(b: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(b);
  } catch {
    return undefined;
  }
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function u8(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff);
}

export function u16(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`u16 out of range: ${n}`);
  return Uint8Array.of(n >>> 8, n & 0xff);
}

export function u32(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`u32 out of range: ${n}`);
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

export function u64(n: number | bigint): Uint8Array {
  const v = BigInt(n);
  if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`u64 out of range: ${n}`);
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v);
  return b;
}

/** `u16 length || bytes`: the length-prefixed field used by every Haven encoding here. */
export function vec16(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + b.length);
  out.set(u16(b.length));
  out.set(b, 2);
  return out;
}

/** `u32 length || bytes`. */
export function vec32(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + b.length);
  out.set(u32(b.length));
  out.set(b, 4);
  return out;
}

/** A bounds-checked reader over untrusted bytes: every read returns `undefined` past the end. */
export class Reader {
  private pos = 0;
  constructor(private readonly b: Uint8Array) {}
  get done(): boolean {
    return this.pos === this.b.length;
  }
  bytes(n: number): Uint8Array | undefined {
    if (n < 0 || this.pos + n > this.b.length) return undefined;
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(): number | undefined {
    const b = this.bytes(1);
    return b?.[0];
  }
  u16(): number | undefined {
    const b = this.bytes(2);
    return b && new DataView(b.buffer, b.byteOffset, 2).getUint16(0);
  }
  u32(): number | undefined {
    const b = this.bytes(4);
    return b && new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }
  vec16(): Uint8Array | undefined {
    const n = this.u16();
    return n === undefined ? undefined : this.bytes(n);
  }
  vec32(): Uint8Array | undefined {
    const n = this.u32();
    return n === undefined ? undefined : this.bytes(n);
  }
}
