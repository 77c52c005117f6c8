import { createHash } from 'node:crypto';
import { hashImageBuffer } from '@haven/pdq/node';
import type { AttachmentHasher } from './hash-guard';

/** SHA-256 of any attachment, and PDQ (all eight dihedral variants) with quality when it is an image sharp can decode. */
export const nodeAttachmentHasher: AttachmentHasher = async (bytes) => {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    // All eight variants: the matching rule checks rotations and mirror images too.
    const r = await hashImageBuffer(bytes, { dihedral: true });
    return { sha256, pdq: r.hash, quality: r.quality, ...(r.dihedral ? { dihedral: r.dihedral } : {}) };
  } catch {
    return { sha256 };
  }
};
