import { md5 } from '@noble/hashes/legacy.js';
import { DIHEDRAL_NAMES, pdqFromPixels } from '@haven/pdq';
import type { SelfReportRequest } from '@haven/protocol';
import { decodePixels, hex } from './image-hasher';

// A child's own picture, blocked everywhere (issue 11, 6), from the browser: the hashes the server's
// platform list needs are computed here, and only they leave the page. The same pipeline as the SDK's
// `selfReportHashes` in Node: PDQ of all eight rotations and flips (pure PDQ core over canvas pixels),
// its quality, SHA-256 (WebCrypto) and MD5 (@noble/hashes: WebCrypto has no MD5) of the file's bytes.

/** The self-report of an image file, or undefined when this browser cannot decode it as a picture. */
export async function selfReportHashes(bytes: Uint8Array, contentType = ''): Promise<SelfReportRequest | undefined> {
  const px = await decodePixels(bytes, contentType);
  if (!px) return undefined;
  const r = pdqFromPixels({ ...px, channels: 4 }, { dihedral: true });
  if (!r.dihedral) return undefined;
  const dihedral = r.dihedral;
  return {
    pdq: DIHEDRAL_NAMES.map((n) => dihedral[n]!),
    quality: r.quality,
    sha256: hex(await crypto.subtle.digest('SHA-256', bytes as BufferSource)),
    md5: hex(md5(bytes)),
  };
}
