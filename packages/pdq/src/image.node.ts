// Decoding with sharp and hashing files. Reference mode decodes at full size and applies the reference
// tool's 512x512 nearest-neighbour step in JavaScript (bit-exact); fast mode lets libvips shrink on load.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type SharpModule from 'sharp';
import { pdqFromPixels, REFERENCE_RESIZE, type PdqHashResult, type RawImage } from './pixels';

// sharp (libvips) loads on the first decode, not at import: commands that never decode start faster.
let sharpLoaded: Promise<typeof SharpModule> | undefined;
const loadSharp = () => (sharpLoaded ??= import('sharp').then((m) => m.default));

/** `reference`: the reference tool's pipeline, bit-exact. `fast`: decoder shrink-on-load, a few bits away. */
export type HashMode = 'reference' | 'fast';

/** Images with more pixels than this are refused before decoding (decompression bombs). */
export const DEFAULT_MAX_PIXELS = 100_000_000;
/** Files larger than this are refused before reading. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export interface HashImageOptions {
  mode?: HashMode;
  /** Also return the seven other dihedral hashes (computed from the same DCT). */
  dihedral?: boolean;
  md5?: boolean;
  sha256?: boolean;
  maxPixels?: number;
  maxBytes?: number;
  /**
   * In reference mode, images with more pixels than this are decoded as in fast mode instead: shrunk on
   * load and streamed to 512x512, so memory stays bounded whatever the image's size (a few bits from
   * the reference hash). Unset: always the reference pipeline, which holds every decoded pixel.
   */
  referenceMaxPixels?: number;
}

export interface ImageHashResult extends PdqHashResult {
  md5?: string;
  sha256?: string;
  /** Decoded size before any resize. */
  width: number;
  height: number;
  /** Milliseconds spent decoding and hashing (for benchmarks). */
  timings: { decodeMs: number; hashMs: number };
}

/** Every reason an image can be refused; the sentence says what the code means (the error's message adds detail). */
export const IMAGE_ERRORS = {
  'image.empty': 'The file is empty.',
  'image.too_large': 'The file is larger than the byte limit.',
  'image.too_many_pixels': 'The image has more pixels than the limit (a possible decompression bomb).',
  'image.unsupported': 'The file is not an image in a supported format.',
  'image.corrupt': 'The image is corrupt or truncated.',
  'image.unreadable': 'The file cannot be read.',
} as const;
export type ImageErrorCode = keyof typeof IMAGE_ERRORS;

/** Why an image could not be hashed: a code for programs and a sentence for people. */
export class ImageHashError extends Error {
  constructor(
    readonly code: ImageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImageHashError';
  }
}

function classify(e: unknown, maxPixels: number): ImageHashError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/pixel limit/i.test(msg)) return new ImageHashError('image.too_many_pixels', `image has more than ${maxPixels} pixels (refused as a possible decompression bomb)`);
  if (/unsupported image format|bad seek|not a known/i.test(msg)) return new ImageHashError('image.unsupported', 'not an image in a supported format (JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIF)');
  return new ImageHashError('image.corrupt', `image is corrupt or truncated: ${msg.split('\n')[0]}`);
}

/** Decodes the first frame to 8-bit pixels (alpha kept for the pipeline to drop). 16-bit samples are scaled to 8 bits. */
export async function decodeImage(input: Uint8Array, options: { mode?: HashMode; maxPixels?: number; referenceMaxPixels?: number } = {}): Promise<RawImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (input.length === 0) throw new ImageHashError('image.empty', 'file is empty (0 bytes)');
  try {
    // failOn 'error': a truncated file is an error, not a silently grey bottom half. pages 1: first frame only.
    const sharp = await loadSharp();
    let img = sharp(input, { limitInputPixels: maxPixels, failOn: 'error', pages: 1, sequentialRead: true, ignoreIcc: true });
    const bounded = options.referenceMaxPixels !== undefined;
    if (options.mode === 'fast' || bounded) {
      const meta = await img.metadata();
      const w = meta.width ?? 0;
      const h = meta.pageHeight ?? meta.height ?? 0;
      if (w * h > maxPixels) throw new ImageHashError('image.too_many_pixels', `image has more than ${maxPixels} pixels (refused as a possible decompression bomb)`);
      const shrink = options.mode === 'fast' || w * h > (options.referenceMaxPixels ?? Infinity);
      if (shrink && (w > REFERENCE_RESIZE || h > REFERENCE_RESIZE)) {
        img = img.resize(REFERENCE_RESIZE, REFERENCE_RESIZE, { fit: 'fill', kernel: 'nearest', fastShrinkOnLoad: true });
      }
    }
    const { data, info } = await img.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const channels = info.channels;
    if (channels < 1 || channels > 4) throw new ImageHashError('image.unsupported', `unsupported channel count ${channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels };
  } catch (e) {
    if (e instanceof ImageHashError) throw e;
    throw classify(e, maxPixels);
  }
}

/**
 * PDQ (and optionally MD5/SHA-256) of an encoded image in memory.
 * @example const { hash, quality } = await hashImageBuffer(await readFile('a.jpg'));
 */
export async function hashImageBuffer(input: Uint8Array, options: HashImageOptions = {}): Promise<ImageHashResult> {
  const t0 = performance.now();
  const raw = await decodeImage(input, options);
  const t1 = performance.now();
  const pdq = pdqFromPixels(raw, { dihedral: options.dihedral ?? false, resize: true });
  const t2 = performance.now();
  const result: ImageHashResult = { ...pdq, width: raw.width, height: raw.height, timings: { decodeMs: t1 - t0, hashMs: t2 - t1 } };
  if (options.md5) result.md5 = createHash('md5').update(input).digest('hex');
  if (options.sha256) result.sha256 = createHash('sha256').update(input).digest('hex');
  return result;
}

/** Reads a file as a stream, feeding MD5/SHA-256 as it goes; refuses files over `maxBytes`. */
async function readFileDigesting(path: string, options: HashImageOptions): Promise<{ bytes: Buffer; md5?: string; sha256?: string }> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const md5 = options.md5 ? createHash('md5') : undefined;
  const sha = options.sha256 ? createHash('sha256') : undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      const b = chunk as Buffer;
      total += b.length;
      if (total > maxBytes) throw new ImageHashError('image.too_large', `file is larger than ${maxBytes} bytes`);
      md5?.update(b);
      sha?.update(b);
      chunks.push(b);
    }
  } catch (e) {
    if (e instanceof ImageHashError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new ImageHashError('image.unreadable', err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : `cannot read file: ${err.message}`);
  }
  const out: { bytes: Buffer; md5?: string; sha256?: string } = { bytes: Buffer.concat(chunks, total) };
  if (md5) out.md5 = md5.digest('hex');
  if (sha) out.sha256 = sha.digest('hex');
  return out;
}

/**
 * PDQ (and optionally MD5/SHA-256, streamed) of an image file. Throws `ImageHashError` for bad input.
 * @example const { hash, quality, dihedral } = await hashImageFile('photo.jpg', { dihedral: true });
 */
export async function hashImageFile(path: string, options: HashImageOptions = {}): Promise<ImageHashResult> {
  const { bytes, md5, sha256 } = await readFileDigesting(path, options);
  const result = await hashImageBuffer(bytes, { ...options, md5: false, sha256: false });
  if (md5) result.md5 = md5;
  if (sha256) result.sha256 = sha256;
  return result;
}

/**
 * MD5 or SHA-256 of a file's bytes, streamed (constant memory).
 * @example await digestFile('a.bin', 'sha256')
 */
export async function digestFile(path: string, algorithm: 'md5' | 'sha256'): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}
