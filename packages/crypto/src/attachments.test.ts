import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ATTACHMENT_CHUNK_SIZE,
  AttachmentCorruptError,
  decryptAttachmentStream,
  encryptAttachmentStream,
  AttachmentDecryptor,
  AttachmentEncryptor,
  attachmentCiphertextSize,
  decryptAttachment,
  encryptAttachment,
} from './attachments';
import { concatBytes } from './bytes';

const bytes = (n: number, seed = 1) => {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) b[i] = x = (x * 1103515245 + 12345) & 0xff;
  return b;
};
const CHUNK = 1024;

describe('attachment encryption', () => {
  it('round trips sizes around chunk boundaries, with the documented ciphertext size and SHA-256', () => {
    for (const n of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 7]) {
      const plain = bytes(n);
      const { ciphertext, secrets } = encryptAttachment(plain, { chunkSize: CHUNK });
      expect(ciphertext.length).toBe(attachmentCiphertextSize(n, CHUNK));
      expect(secrets.size).toBe(n);
      expect(secrets.sha256).toBe(createHash('sha256').update(plain).digest('hex'));
      expect(secrets.key).toHaveLength(32);
      expect(decryptAttachment(ciphertext, secrets)).toEqual({ ok: true, value: plain });
    }
  });

  it('uses a fresh key per attachment', () => {
    const a = encryptAttachment(bytes(10));
    const b = encryptAttachment(bytes(10));
    expect(a.secrets.key).not.toEqual(b.secrets.key);
    expect(a.ciphertext).not.toEqual(b.ciphertext);
  });

  it('streams: any piece sizes in, the same bytes out, never holding more than about a chunk', () => {
    const plain = bytes(5 * CHUNK + 123, 7);
    const enc = new AttachmentEncryptor({ chunkSize: CHUNK });
    const out: Uint8Array[] = [];
    for (let i = 0; i < plain.length; i += 333) out.push(...enc.push(plain.subarray(i, i + 333)));
    const fin = enc.finish();
    out.push(...fin.chunks);
    const ct = concatBytes(...out);
    expect(ct.length).toBe(attachmentCiphertextSize(plain.length, CHUNK));
    const dec = new AttachmentDecryptor(fin.secrets.key, { sha256: fin.secrets.sha256, size: plain.length });
    const got: Uint8Array[] = [];
    for (let i = 0; i < ct.length; i += 517) {
      const r = dec.push(ct.subarray(i, i + 517));
      if (!r.ok) throw new Error(r.error.message);
      for (const c of r.value) expect(c.length).toBe(CHUNK);
      got.push(...r.value);
    }
    const last = dec.finish();
    if (!last.ok) throw new Error(last.error.message);
    expect(concatBytes(...got, ...last.value)).toEqual(plain);
  });

  it('the default chunk size is 64 KiB', () => {
    expect(ATTACHMENT_CHUNK_SIZE).toBe(65536);
    const { ciphertext } = encryptAttachment(bytes(ATTACHMENT_CHUNK_SIZE + 1));
    expect(ciphertext.length).toBe(9 + ATTACHMENT_CHUNK_SIZE + 1 + 32);
  });

  it('refuses tampering, truncation, reordering, extension, a wrong key and a wrong hash with media.corrupt', () => {
    const plain = bytes(3 * CHUNK + 5);
    const { ciphertext: ct, secrets } = encryptAttachment(plain, { chunkSize: CHUNK });
    const S = CHUNK + 16;
    const H = 9;
    const chunk = (i: number) => ct.subarray(H + i * S, Math.min(ct.length, H + (i + 1) * S));
    const flipped = ct.slice();
    flipped[H + S + 10]! ^= 1;
    const cases: [string, Uint8Array, typeof secrets][] = [
      ['flipped bit', flipped, secrets],
      ['header changed', concatBytes(Uint8Array.of(...ct.subarray(0, 8), 0x08), ct.subarray(H)), secrets],
      ['truncated at a chunk boundary', ct.subarray(0, H + 3 * S), secrets],
      ['truncated mid chunk', ct.subarray(0, ct.length - 3), secrets],
      ['chunks swapped', concatBytes(ct.subarray(0, H), chunk(1), chunk(0), chunk(2), chunk(3)), secrets],
      ['chunk appended', concatBytes(ct, chunk(3)), secrets],
      ['header only', ct.subarray(0, H), secrets],
      ['empty', new Uint8Array(), secrets],
      ['wrong key', ct, { ...secrets, key: new Uint8Array(32) }],
      ['short key', ct, { ...secrets, key: new Uint8Array(16) }],
      ['wrong sha256', ct, { ...secrets, sha256: '00'.repeat(32) }],
      ['malformed sha256', ct, { ...secrets, sha256: 'xyz' }],
      ['wrong size', ct, { ...secrets, size: secrets.size + 1 }],
    ];
    for (const [why, c, s] of cases) {
      expect(decryptAttachment(c, s), why).toMatchObject({ ok: false, error: { code: 'media.corrupt' } });
    }
  });

  it('a decryptor that failed stays failed', () => {
    const { ciphertext, secrets } = encryptAttachment(bytes(3 * CHUNK), { chunkSize: CHUNK });
    const dec = new AttachmentDecryptor(new Uint8Array(32), { sha256: secrets.sha256 });
    expect(dec.push(ciphertext).ok).toBe(false);
    expect(dec.finish().ok).toBe(false);
  });

  it('refuses out-of-range chunk sizes', () => {
    expect(() => new AttachmentEncryptor({ chunkSize: 10 })).toThrow(RangeError);
  });
});

describe('attachment web streams', () => {
  const collect = async (s: ReadableStream<Uint8Array>) => {
    const parts: Uint8Array[] = [];
    const reader = s.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
    return concatBytes(...parts);
  };
  const source = (b: Uint8Array, piece: number) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < b.length; i += piece) c.enqueue(b.slice(i, i + piece));
        c.close();
      },
    });

  it('encrypts and decrypts through TransformStreams', async () => {
    const plain = bytes(4 * CHUNK + 99, 3);
    const { stream, secrets } = encryptAttachmentStream({ chunkSize: CHUNK });
    const ct = await collect(source(plain, 700).pipeThrough(stream));
    const s = await secrets;
    expect(decryptAttachment(ct, s)).toEqual({ ok: true, value: plain });
    expect(await collect(source(ct, 900).pipeThrough(decryptAttachmentStream(s)))).toEqual(plain);
  });

  it('a decrypting stream errors on a truncated blob', async () => {
    const { ciphertext, secrets } = encryptAttachment(bytes(3 * CHUNK), { chunkSize: CHUNK });
    await expect(collect(source(ciphertext.subarray(0, ciphertext.length - 1), 500).pipeThrough(decryptAttachmentStream(secrets)))).rejects.toThrow(
      AttachmentCorruptError,
    );
  });
});
