// From decoded 8-bit pixels to the float32 luma plane the reference command-line tool hashes:
// drop alpha (never composite), nearest-neighbour to exactly 512x512 when a side is over 512,
// grey content used as luma directly, otherwise 0.299 R + 0.587 G + 0.114 B in float32.
import { bitsFromDct, DIHEDRAL_NAMES, dihedralDct, pdqCoreFromLuma, type DihedralName } from './pdq-core';
import { PDQ_ZERO, pdqHexFromWords, type PdqHex } from './hash256';

const f = Math.fround;
const LUMA_R = f(0.299);
const LUMA_G = f(0.587);
const LUMA_B = f(0.114);

/** The side the reference tool resizes large images to. */
export const REFERENCE_RESIZE = 512;

/** Interleaved 8-bit pixels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

export interface LumaPlane {
  luma: Float32Array;
  rows: number;
  cols: number;
}

/** Nearest-neighbour resize to an exact size, source index floor(dst * W / w) as the reference's CImg does. */
export function resizeNearest(img: RawImage, width: number, height: number): RawImage {
  const { data, channels: c } = img;
  const out = new Uint8Array(width * height * c);
  const xs = new Int32Array(width);
  for (let x = 0; x < width; x++) xs[x] = Math.floor((x * img.width) / width) * c;
  let o = 0;
  for (let y = 0; y < height; y++) {
    const row = Math.floor((y * img.height) / height) * img.width * c;
    for (let x = 0; x < width; x++) {
      const s = row + xs[x]!;
      for (let k = 0; k < c; k++) out[o++] = data[s + k]!;
    }
  }
  return { data: out, width, height, channels: c };
}

/** True when every pixel has R = G = B: the reference's decoder then hands over a grey image. */
function isGreyContent(img: RawImage): boolean {
  const { data, channels: c } = img;
  for (let i = 0; i < data.length; i += c) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return false;
  }
  return true;
}

/**
 * The reference pipeline's luma plane. `resize: false` skips the 512x512 step (the pure PDQ core on
 * full-resolution pixels, as library bindings do).
 */
export function lumaFromPixels(img: RawImage, options: { resize?: boolean } = {}): LumaPlane {
  const grey = img.channels <= 2 || isGreyContent(img);
  const big = img.width > REFERENCE_RESIZE || img.height > REFERENCE_RESIZE;
  const resize = options.resize !== false && big;
  const cols = resize ? REFERENCE_RESIZE : img.width;
  const rows = resize ? REFERENCE_RESIZE : img.height;
  const { data, channels: c, width: srcW, height: srcH } = img;
  // Nearest-neighbour sampling fused with the luma conversion: source index floor(dst * W / w).
  const xs = new Int32Array(cols);
  for (let x = 0; x < cols; x++) xs[x] = Math.floor((x * srcW) / cols) * c;
  const luma = new Float32Array(rows * cols);
  let i = 0;
  for (let y = 0; y < rows; y++) {
    const row = Math.floor((y * srcH) / rows) * srcW * c;
    if (grey) {
      for (let x = 0; x < cols; x++) luma[i++] = data[row + xs[x]!]!;
    } else {
      for (let x = 0; x < cols; x++) {
        const p = row + xs[x]!;
        luma[i++] = f(f(f(LUMA_R * data[p]!) + f(LUMA_G * data[p + 1]!)) + f(LUMA_B * data[p + 2]!));
      }
    }
  }
  return { luma, rows, cols };
}

export type DihedralHashes = Record<DihedralName, PdqHex>;

export interface PdqHashResult {
  hash: PdqHex;
  /** 0..100; the reference treats under 50 as too flat to match on. */
  quality: number;
  /** All eight variants (orig included), when asked for. */
  dihedral?: DihedralHashes;
}

/**
 * PDQ of a luma plane (overwritten). Images under 5 px give the zero hash with quality 0.
 * @example pdqFromLuma(new Float32Array(64 * 64), 64, 64).quality // 0 for a flat image
 */
export function pdqFromLuma(luma: Float32Array, rows: number, cols: number, options: { dihedral?: boolean } = {}): PdqHashResult {
  const core = pdqCoreFromLuma(luma, rows, cols);
  if (!core) {
    const zero: PdqHashResult = { hash: PDQ_ZERO, quality: 0 };
    if (options.dihedral) zero.dihedral = Object.fromEntries(DIHEDRAL_NAMES.map((n) => [n, PDQ_ZERO])) as DihedralHashes;
    return zero;
  }
  const hash = pdqHexFromWords(bitsFromDct(core.dct));
  const result: PdqHashResult = { hash, quality: core.quality };
  if (options.dihedral) {
    result.dihedral = Object.fromEntries(
      DIHEDRAL_NAMES.map((n) => [n, n === 'orig' ? hash : pdqHexFromWords(bitsFromDct(dihedralDct(core.dct, n)))]),
    ) as DihedralHashes;
  }
  return result;
}

/**
 * PDQ of decoded 8-bit pixels through the reference command-line pipeline.
 * @example pdqFromPixels({ data, width, height, channels: 3 }, { dihedral: true })
 */
export function pdqFromPixels(img: RawImage, options: { dihedral?: boolean; resize?: boolean } = {}): PdqHashResult {
  const { luma, rows, cols } = lumaFromPixels(img, options);
  return pdqFromLuma(luma, rows, cols, options);
}
