import { createHash } from 'node:crypto';
import { hashImageBuffer } from '@haven/pdq/node';
import type { AttachmentHasher } from './hash-guard';

/** SHA-256 of any attachment, and PDQ with quality when it is an image sharp can decode. */
export const nodeAttachmentHasher: AttachmentHasher = async (bytes) => {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    const r = await hashImageBuffer(bytes);
    return { sha256, pdq: r.hash, quality: r.quality };
  } catch {
    return { sha256 };
  }
};
