import { createHash } from 'node:crypto';
import { HavenError } from '@haven/protocol';
import { hashImageBuffer, ImageHashError, KNOWN_IMAGE_RULE, matchKnownImage, matchableOf, type ImageHashResult } from '@haven/pdq/node';
import type { ListSnapshot } from './hashlists.node.ts';

// The known-image check of an upload (D1): SHA-256, MD5 and PDQ (with quality and all eight dihedral
// variants) of the bytes, matched against every list of one snapshot by the one rule
// (`matchKnownImage` in @haven/pdq, which the CLI and the device-side guard use too).

/** Image types the server can decode and hash; anything else in a `visible` conversation is refused. */
export const CHECKABLE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff', 'image/avif', 'image/heif'] as const;

export interface ListMatch {
  list: string;
  kind: 'pdq' | 'md5' | 'sha256';
  entryIndex: number;
  label: string | null;
  /** Hamming distance for PDQ; 0 for exact matches. */
  distance: number;
}

export interface ScanResult {
  sha256: string;
  md5: string;
  pdq: string;
  quality: number;
  width: number;
  height: number;
  /** Every match, best first (exact before PDQ, then by distance). */
  matches: ListMatch[];
  /** The version of the lists checked against. */
  listsVersion: string;
}

export interface ScanOptions {
  maxBytes: number;
  maxPixels?: number;
  /** Images with more pixels are shrunk on load (bounded memory) instead of decoded whole. */
  referencePixels?: number;
  maxDistance?: number;
  minQuality?: number;
}

/**
 * Hashes `bytes` and matches them against `snapshot`. Refuses what it cannot check: empty or oversized
 * files (`media.too_large`), a declared type that is not an image, or bytes that are not a decodable
 * image (`media.not_image`), so nothing unchecked reaches a `visible` conversation.
 *
 * @example
 * const r = await scanMedia(bytes, 'image/jpeg', await lists.current(), { maxBytes: 10 << 20 });
 * if (r.matches.length) quarantine(r.matches[0]);
 */
export async function scanMedia(bytes: Uint8Array, contentType: string | undefined, snapshot: ListSnapshot, opts: ScanOptions): Promise<ScanResult> {
  if (bytes.length > opts.maxBytes) throw new HavenError('media.too_large', `The file is larger than this server accepts (${opts.maxBytes} bytes).`);
  if (bytes.length === 0) throw new HavenError('media.not_image', 'The file is empty.');
  // A declared type must be an image's; without one (raw uploads) the decoder decides.
  const type = contentType?.split(';')[0]!.trim().toLowerCase();
  if (type !== undefined && !(CHECKABLE_TYPES as readonly string[]).includes(type)) {
    throw new HavenError('media.not_image', `Only images can be sent in conversations visible to safety checks (got ${type || 'no type'}).`);
  }
  let hashed: ImageHashResult;
  try {
    hashed = await hashImageBuffer(bytes, { md5: true, sha256: true, dihedral: true, maxBytes: opts.maxBytes, ...(opts.maxPixels ? { maxPixels: opts.maxPixels } : {}), ...(opts.referencePixels !== undefined ? { referenceMaxPixels: opts.referencePixels } : {}) });
  } catch (e) {
    if (e instanceof ImageHashError) {
      if (e.code === 'image.too_large' || e.code === 'image.too_many_pixels') throw new HavenError('media.too_large', e.message);
      throw new HavenError('media.not_image', `The file is not an image this server can check: ${e.message}`);
    }
    throw e;
  }
  const sha256 = hashed.sha256 ?? createHash('sha256').update(bytes).digest('hex');
  const md5 = hashed.md5 ?? createHash('md5').update(bytes).digest('hex');
  const rule = { ...KNOWN_IMAGE_RULE, ...(opts.maxDistance !== undefined ? { maxDistance: opts.maxDistance } : {}), ...(opts.minQuality !== undefined ? { minQuality: opts.minQuality } : {}) };
  const byName = new Map(snapshot.lists.map((l) => [l.manifest.name, l]));
  const found = matchKnownImage(snapshot.lists.map(matchableOf), { sha256, md5, pdq: hashed.hash, quality: hashed.quality, ...(hashed.dihedral ? { dihedral: hashed.dihedral } : {}) }, rule);
  const matches: ListMatch[] = found.map((m) => ({ list: m.list, kind: m.kind, entryIndex: m.entryIndex, label: byName.get(m.list)?.labelOf(m.entryIndex) ?? null, distance: m.distance }));
  return { sha256, md5, pdq: hashed.hash, quality: hashed.quality, width: hashed.width, height: hashed.height, matches, listsVersion: snapshot.version };
}
