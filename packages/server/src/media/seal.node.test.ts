import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { MEDIA_RECORD_PLAINTEXT, openMediaStream, sealMediaStream, sealedSize } from './seal.node.ts';

// Issue 13 (7): media at rest, sealed in 64 KiB records under the server key, bound to id, conversation,
// position and end.

const key = new Uint8Array(32).fill(9);
const R = MEDIA_RECORD_PLAINTEXT;

/** Feeds `bytes` in uneven pieces, as a network would. */
const pieces = (bytes: Buffer) => Readable.from(Array.from({ length: Math.ceil(bytes.length / 7001) }, (_, i) => bytes.subarray(i * 7001, (i + 1) * 7001)));
const seal = (bytes: Buffer, id = 'm1', conv = 'c1') => buffer(pieces(bytes).pipe(sealMediaStream(key, id, conv)));
const open = (sealed: Buffer, id = 'm1', conv = 'c1') => buffer(Readable.from([sealed]).pipe(openMediaStream(key, id, conv)));

describe('sealed media', () => {
  it.each([0, 1, R - 1, R, R + 1, 3 * R, 3 * R + 17])('round-trips %i bytes, and the stored size is plaintext + 28 per record', async (n) => {
    const plain = randomBytes(n);
    const sealed = await seal(plain);
    expect(sealed.length).toBe(sealedSize(n));
    expect(sealed.length).toBe(n + 28 * Math.max(1, Math.ceil(n / R)));
    expect((await open(sealed)).equals(plain)).toBe(true);
  });

  it('the stored bytes do not contain the plaintext (an image\'s magic or any 32-byte slice of it)', async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(3 * R)]);
    const sealed = await seal(png);
    expect(sealed.includes(Buffer.from('89504e47', 'hex'))).toBe(false);
    for (let at = 0; at < png.length; at += 4096) expect(sealed.includes(png.subarray(at, at + 32))).toBe(false);
  });

  it('fails on any change: a flipped bit, another id or conversation, records cut off, swapped or dropped', async () => {
    const plain = randomBytes(3 * R + 5);
    const sealed = await seal(plain);
    const rec = R + 28;
    const flipped = Buffer.from(sealed);
    flipped[rec + 100]! ^= 1;
    await expect(open(flipped)).rejects.toThrow();
    await expect(open(sealed, 'm2')).rejects.toThrow();
    await expect(open(sealed, 'm1', 'c2')).rejects.toThrow();
    await expect(open(sealed.subarray(0, 2 * rec))).rejects.toThrow(); // cut at a record boundary
    await expect(open(sealed.subarray(0, sealed.length - 1))).rejects.toThrow();
    const swapped = Buffer.concat([sealed.subarray(rec, 2 * rec), sealed.subarray(0, rec), sealed.subarray(2 * rec)]);
    await expect(open(swapped)).rejects.toThrow();
    await expect(open(Buffer.concat([sealed.subarray(0, rec), sealed.subarray(2 * rec)]))).rejects.toThrow();
    await expect(open(Buffer.alloc(0))).rejects.toThrow();
  });
});
