import { base64ToBytes } from '@haven/client';

// Files the console hands to the person: Blob URLs (the CSP allows `blob:` images and downloads), never
// markup written into the page.

/** A Blob from the server's base64 (evidence, referral files). */
export function blobOf(base64: string, contentType: string): Blob {
  return new Blob([base64ToBytes(base64) as Uint8Array<ArrayBuffer>], { type: contentType });
}

/** Saves a Blob under a file name through a temporary link; the URL is revoked after the click. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Saves text (CSV, Markdown, XML) as a file. */
export function saveText(text: string, fileName: string, contentType: string): void {
  saveBlob(new Blob([text], { type: contentType }), fileName);
}

/** SHA-256 of a Blob as hex (WebCrypto), to check a referral file against its manifest digest. */
export async function sha256Hex(blob: Blob): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A name safe to offer as a download: the last path segment, no odd characters. */
export function fileNameOf(path: string): string {
  return (path.split('/').pop() ?? 'file').replace(/[^A-Za-z0-9._-]+/g, '_') || 'file';
}
