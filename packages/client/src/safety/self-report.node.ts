import { readFile } from 'node:fs/promises';
import { DIHEDRAL_NAMES, hashImageBuffer } from '@haven/pdq/node';
import type { SelfReportAccepted, SelfReportRequest } from '@haven/protocol';
import type { HavenClient } from '../http-client';

/**
 * The hashes of a self-report, computed on this device: PDQ of all eight rotations and flips, its
 * quality, SHA-256 and MD5 of the file's bytes. Nothing else about the image is kept.
 */
export async function selfReportHashes(bytes: Uint8Array): Promise<SelfReportRequest> {
  const r = await hashImageBuffer(bytes, { dihedral: true, sha256: true, md5: true });
  return { pdq: DIHEDRAL_NAMES.map((n) => r.dihedral![n]), quality: r.quality, sha256: r.sha256!, md5: r.md5! };
}

/**
 * Self-reports an image file or bytes: hashes it here and sends only the hashes (the image never
 * leaves the device). The answer says what was done, what was not, and where to go next.
 *
 * @example const r = await selfReportImage(client, 'photo.jpg'); console.log(r.done, r.next);
 */
export async function selfReportImage(client: HavenClient, image: string | Uint8Array): Promise<SelfReportAccepted> {
  const bytes = typeof image === 'string' ? await readFile(image) : image;
  return client.selfReport(await selfReportHashes(bytes));
}
