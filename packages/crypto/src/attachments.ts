// Attachment encryption: a fresh AES-256-GCM key per attachment, the plaintext split into fixed-size
// chunks each sealed on its own, so neither server nor client ever needs the whole file in memory.
// Format (ATTACHMENTS in README.md):
//   header   = "HVAT" | u8 version=1 | u32 chunk size (plaintext bytes per chunk)
//   chunk i  = AES-256-GCM(key, nonce_i, plaintext_i, aad = header)        (plaintext_i + 16-byte tag)
//   nonce_i  = u64 i | u8 final (1 on the last chunk, else 0) | 0x000000
// Every chunk but the last holds exactly `chunk size` bytes; the last holds 0..chunk size and is the
// only one sealed with final=1, so truncation, reordering and appending are detected. The key and the
// SHA-256 of the plaintext travel inside the MLS message; decryption checks both.
import { gcm } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, constantTimeEqual, fromHex, toHex, u32, u64, u8, utf8 } from './bytes';
import { fail, succeed, type CryptoResult } from './errors';
import { defaultRng, type Rng } from './rng';

export const ATTACHMENT_CHUNK_SIZE = 64 * 1024;
const MIN_CHUNK = 1024;
const MAX_CHUNK = 4 * 1024 * 1024;
const TAG = 16;
const MAGIC = utf8('HVAT');
const HEADER_BYTES = 9;

function header(chunkSize: number): Uint8Array {
  return concatBytes(MAGIC, u8(1), u32(chunkSize));
}

function nonce(index: number, final: boolean): Uint8Array {
  return concatBytes(u64(index), Uint8Array.of(final ? 1 : 0, 0, 0, 0));
}

/** Ciphertext length for a plaintext of `size` bytes (for server-side size limits and checks). */
export function attachmentCiphertextSize(size: number, chunkSize = ATTACHMENT_CHUNK_SIZE): number {
  const chunks = size === 0 ? 1 : Math.ceil(size / chunkSize);
  return HEADER_BYTES + size + chunks * TAG;
}

/** What goes into the MLS message (`AttachmentRef.key` as base64, `sha256` as hex, `size`). */
export interface AttachmentSecrets {
  key: Uint8Array;
  sha256: string;
  size: number;
}

/**
 * Streaming encryptor: `push` plaintext pieces of any size, send what it returns, then `finish`.
 * @example const enc = new AttachmentEncryptor(); for await (const p of file) send(enc.push(p)); send(enc.finish().chunks);
 */
export class AttachmentEncryptor {
  readonly key: Uint8Array;
  readonly #chunkSize: number;
  readonly #header: Uint8Array;
  readonly #hash = sha256.create();
  #buf: Uint8Array[] = [];
  #buffered = 0;
  #index = 0;
  #size = 0;
  #started = false;
  #done = false;

  constructor(opts: { rng?: Rng; chunkSize?: number } = {}) {
    this.#chunkSize = opts.chunkSize ?? ATTACHMENT_CHUNK_SIZE;
    if (!Number.isInteger(this.#chunkSize) || this.#chunkSize < MIN_CHUNK || this.#chunkSize > MAX_CHUNK)
      throw new RangeError(`chunk size must be ${MIN_CHUNK}..${MAX_CHUNK}`);
    this.key = (opts.rng ?? defaultRng)(32);
    this.#header = header(this.#chunkSize);
  }

  #seal(plain: Uint8Array, final: boolean): Uint8Array {
    return gcm(this.key, nonce(this.#index++, final), this.#header).encrypt(plain);
  }

  push(plain: Uint8Array): Uint8Array[] {
    if (this.#done) throw new Error('attachment encryptor already finished');
    const out: Uint8Array[] = [];
    if (!this.#started) {
      out.push(this.#header);
      this.#started = true;
    }
    this.#hash.update(plain);
    this.#size += plain.length;
    this.#buf.push(plain);
    this.#buffered += plain.length;
    // Keep at least one byte back: the last chunk must be sealed as final, and only finish() knows it.
    if (this.#buffered > this.#chunkSize) {
      const all = concatBytes(...this.#buf);
      let at = 0;
      while (all.length - at > this.#chunkSize) {
        out.push(this.#seal(all.subarray(at, at + this.#chunkSize), false));
        at += this.#chunkSize;
      }
      this.#buf = [all.slice(at)];
      this.#buffered = all.length - at;
    }
    return out;
  }

  finish(): { chunks: Uint8Array[]; secrets: AttachmentSecrets } {
    if (this.#done) throw new Error('attachment encryptor already finished');
    const chunks = this.#started ? [] : [this.#header];
    this.#started = true;
    this.#done = true;
    chunks.push(this.#seal(concatBytes(...this.#buf), true));
    this.#buf = [];
    return { chunks, secrets: { key: this.key, sha256: toHex(this.#hash.digest()), size: this.#size } };
  }
}

/**
 * Streaming decryptor: `push` ciphertext pieces as they arrive; each returns the plaintext chunks it
 * could authenticate. Treat output as provisional until `finish` succeeds (it checks the final chunk,
 * the SHA-256 and the size).
 */
export class AttachmentDecryptor {
  readonly #key: Uint8Array;
  readonly #expected: { sha256: Uint8Array; size?: number };
  readonly #hash = sha256.create();
  #header: Uint8Array | undefined;
  #chunkSize = 0;
  #buf: Uint8Array = new Uint8Array();
  #index = 0;
  #size = 0;
  #failed = false;

  constructor(key: Uint8Array, expected: { sha256: string; size?: number }) {
    this.#key = key;
    const h = fromHex(expected.sha256);
    this.#expected = { sha256: h?.length === 32 ? h : new Uint8Array(), ...(expected.size === undefined ? {} : { size: expected.size }) };
  }

  #bad(): { ok: false; error: { code: 'media.corrupt'; message: string } } {
    this.#failed = true;
    return fail('media.corrupt', 'The file is damaged or was altered; it cannot be opened.') as {
      ok: false;
      error: { code: 'media.corrupt'; message: string };
    };
  }

  #open(sealed: Uint8Array, final: boolean): Uint8Array | undefined {
    try {
      return gcm(this.#key, nonce(this.#index++, final), this.#header!).decrypt(sealed);
    } catch {
      return undefined;
    }
  }

  push(piece: Uint8Array): CryptoResult<Uint8Array[]> {
    if (this.#failed) return this.#bad();
    if (this.#key.length !== 32) return this.#bad();
    this.#buf = concatBytes(this.#buf, piece);
    if (!this.#header) {
      if (this.#buf.length < HEADER_BYTES) return succeed([]);
      const h = this.#buf.subarray(0, HEADER_BYTES);
      const size = new DataView(h.buffer, h.byteOffset + 5, 4).getUint32(0);
      if (!constantTimeEqual(h.subarray(0, 5), concatBytes(MAGIC, u8(1))) || size < MIN_CHUNK || size > MAX_CHUNK)
        return this.#bad();
      this.#header = h.slice();
      this.#chunkSize = size;
      this.#buf = this.#buf.slice(HEADER_BYTES);
    }
    const out: Uint8Array[] = [];
    const sealedSize = this.#chunkSize + TAG;
    // A full sealed chunk followed by more bytes cannot be the final one.
    let at = 0;
    while (this.#buf.length - at > sealedSize) {
      const plain = this.#open(this.#buf.subarray(at, at + sealedSize), false);
      if (!plain) return this.#bad();
      this.#hash.update(plain);
      this.#size += plain.length;
      out.push(plain);
      at += sealedSize;
    }
    if (at > 0) this.#buf = this.#buf.slice(at);
    return succeed(out);
  }

  finish(): CryptoResult<Uint8Array[]> {
    if (this.#failed || !this.#header || this.#buf.length < TAG) return this.#bad();
    const plain = this.#open(this.#buf, true);
    if (!plain) return this.#bad();
    this.#hash.update(plain);
    this.#size += plain.length;
    this.#buf = new Uint8Array();
    if (!constantTimeEqual(this.#hash.digest(), this.#expected.sha256)) return this.#bad();
    if (this.#expected.size !== undefined && this.#expected.size !== this.#size) return this.#bad();
    return succeed([plain]);
  }
}

/** Whole-buffer convenience over the streaming format (same bytes). */
export function encryptAttachment(
  plain: Uint8Array,
  opts: { rng?: Rng; chunkSize?: number } = {},
): { ciphertext: Uint8Array; secrets: AttachmentSecrets } {
  const enc = new AttachmentEncryptor(opts);
  const head = enc.push(plain);
  const { chunks, secrets } = enc.finish();
  return { ciphertext: concatBytes(...head, ...chunks), secrets };
}

/** Whole-buffer decryption; checks every chunk tag, the SHA-256 and the size. */
export function decryptAttachment(ciphertext: Uint8Array, secrets: AttachmentSecrets): CryptoResult<Uint8Array> {
  const dec = new AttachmentDecryptor(secrets.key, { sha256: secrets.sha256, size: secrets.size });
  const a = dec.push(ciphertext);
  if (!a.ok) return a;
  const b = dec.finish();
  if (!b.ok) return b;
  return succeed(concatBytes(...a.value, ...b.value));
}

/**
 * Web-streams form of the encryptor (browsers and Node 20): pipe plaintext through `stream`; `secrets`
 * resolves once the input has ended.
 * @example const { stream, secrets } = encryptAttachmentStream(); await upload(file.stream().pipeThrough(stream)); ref.key = (await secrets).key;
 */
export function encryptAttachmentStream(opts: { rng?: Rng; chunkSize?: number } = {}): {
  stream: TransformStream<Uint8Array, Uint8Array>;
  secrets: Promise<AttachmentSecrets>;
} {
  const enc = new AttachmentEncryptor(opts);
  let resolve!: (s: AttachmentSecrets) => void;
  const secrets = new Promise<AttachmentSecrets>((r) => (resolve = r));
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) {
      for (const out of enc.push(chunk)) c.enqueue(out);
    },
    flush(c) {
      const fin = enc.finish();
      for (const out of fin.chunks) c.enqueue(out);
      resolve(fin.secrets);
    },
  });
  return { stream, secrets };
}

/** Web-streams form of the decryptor: the stream errors (with the `media.corrupt` sentence) on any failure. */
export function decryptAttachmentStream(secrets: AttachmentSecrets): TransformStream<Uint8Array, Uint8Array> {
  const dec = new AttachmentDecryptor(secrets.key, { sha256: secrets.sha256, size: secrets.size });
  const pass = (r: CryptoResult<Uint8Array[]>, c: TransformStreamDefaultController<Uint8Array>) => {
    if (!r.ok) throw new AttachmentCorruptError();
    for (const out of r.value) c.enqueue(out);
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform: (chunk, c) => pass(dec.push(chunk), c),
    flush: (c) => pass(dec.finish(), c),
  });
}

/** What a decrypting stream errors with; `code` is the registered error code. */
export class AttachmentCorruptError extends Error {
  readonly code = 'media.corrupt' as const;
  constructor() {
    super('The file is damaged or was altered; it cannot be opened.');
    this.name = 'AttachmentCorruptError';
  }
}
