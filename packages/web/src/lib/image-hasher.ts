import { pdqFromPixels } from '@haven/pdq';
import type { AttachmentHashes } from '@haven/client';

// The browser's attachment hasher for the device-side known-image check (loaded lazily with the guard):
// SHA-256 of the bytes through WebCrypto, and PDQ of the decoded pixels through the pure PDQ core, the
// same pipeline (and so the same hashes, up to decoder rounding) as the server's and the CLI's.

/** Larger images are hashed from a 512x512 nearest-neighbour sample anyway; this only bounds decoding. */
const MAX_PIXELS = 64 * 1024 * 1024;

/** Lower-case hex of bytes (digests). */
export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return [...(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Decoded RGBA pixels of an image, or undefined when the browser cannot decode it. */
export async function decodePixels(bytes: Uint8Array, contentType = ''): Promise<{ data: Uint8Array; width: number; height: number } | undefined> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: contentType }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    return undefined;
  }
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_PIXELS || width === 0 || height === 0) return undefined;
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return undefined;
    ctx.drawImage(bitmap, 0, 0);
    const img = ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' });
    return { data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), width, height };
  } finally {
    bitmap.close();
  }
}

/**
 * SHA-256 of any attachment, and PDQ with quality (and its eight rotations and flips) for images.
 * @example const guard = new HashListGuard(client, browserAttachmentHasher);
 */
export async function browserAttachmentHasher(bytes: Uint8Array): Promise<AttachmentHashes & { dihedral?: Record<string, string> }> {
  const sha256 = hex(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  const px = await decodePixels(bytes);
  if (!px) return { sha256 };
  const r = pdqFromPixels({ ...px, channels: 4 }, { dihedral: true });
  return { sha256, pdq: r.hash, quality: r.quality, ...(r.dihedral ? { dihedral: r.dihedral } : {}) };
}
