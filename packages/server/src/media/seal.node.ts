import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

// Media files at rest (issue 13, 7): the server's message key (AES-256-GCM), as for message bodies, in
// records of 64 KiB so that files stream in and out without being held whole. Each record is
// nonce (12) ‖ ciphertext ‖ tag (16); its associated data binds the media id, the conversation, the
// record's index and whether it is the last, so a stored file cannot be moved to another id, reordered,
// spliced or cut short without the download failing.

export const MEDIA_RECORD_PLAINTEXT = 64 * 1024;
const NONCE = 12;
const TAG = 16;
const RECORD = NONCE + MEDIA_RECORD_PLAINTEXT + TAG;

const aad = (mediaId: string, conversationId: string, index: number, last: boolean): Buffer =>
  Buffer.from(`haven-media-v1|${mediaId}|${conversationId}|${index}|${last ? 1 : 0}`, 'utf8');

/** The size on disk of `plain` bytes once sealed. */
export function sealedSize(plain: number): number {
  const records = Math.max(1, Math.ceil(plain / MEDIA_RECORD_PLAINTEXT));
  return plain + records * (NONCE + TAG);
}

/**
 * A stream that seals what passes through it. The last record (1..64 KiB, or empty for an empty file)
 * is written on end, so a record is only known to be last when the input has ended.
 */
export function sealMediaStream(key: Uint8Array, mediaId: string, conversationId: string): Transform {
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  const record = (plain: Buffer, last: boolean): Buffer => {
    const nonce = randomBytes(NONCE);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    c.setAAD(aad(mediaId, conversationId, index++, last));
    return Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // Keep at least one byte back: the last record must be written by flush, flagged as last.
      while (pending.length > MEDIA_RECORD_PLAINTEXT) {
        this.push(record(pending.subarray(0, MEDIA_RECORD_PLAINTEXT), false));
        pending = pending.subarray(MEDIA_RECORD_PLAINTEXT);
      }
      done();
    },
    flush(done: TransformCallback) {
      this.push(record(pending, true));
      done();
    },
  });
}

/** A stream that opens what `sealMediaStream` wrote, record by record; it fails on any change. */
export function openMediaStream(key: Uint8Array, mediaId: string, conversationId: string): Transform {
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  const open = (rec: Buffer, last: boolean): Buffer => {
    if (rec.length < NONCE + TAG) throw new Error('stored media is truncated');
    const d = createDecipheriv('aes-256-gcm', key, rec.subarray(0, NONCE));
    d.setAAD(aad(mediaId, conversationId, index++, last));
    d.setAuthTag(rec.subarray(rec.length - TAG));
    // final() checks the tag before anything of this record is passed on.
    return Buffer.concat([d.update(rec.subarray(NONCE, rec.length - TAG)), d.final()]);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      try {
        // A full record followed by more bytes is not the last one.
        while (pending.length > RECORD) {
          this.push(open(pending.subarray(0, RECORD), false));
          pending = pending.subarray(RECORD);
        }
        done();
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        this.push(open(pending, true));
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
}
