// The PDQ core in IEEE float32, in the reference hasher's operation order: Jarosz box filters, 64x64
// decimation, quality metric, 16x64 then 16x16 DCT (no DC term), median threshold. Every float32
// operation is rounded with Math.fround (double then float rounding is exact for + - * /).
import { PDQ_WORDS } from './hash256';

const f = Math.fround;

/** Images smaller than this in either dimension hash to zero with quality zero. */
export const MIN_HASHABLE_DIM = 5;

/** 16x64 DCT-II basis rows 1..16 (row 0, the DC term, is skipped), rounded to float32. */
const DCT = ((): Float32Array => {
  const d = new Float32Array(16 * 64);
  const scale = f(Math.sqrt(2 / 64));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) d[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
  }
  return d;
})();

/** The reference's box-filter window: ceil(old / (2 * new)). */
export function jaroszWindowSize(oldDim: number, newDim: number): number {
  return Math.trunc((oldDim + 2 * newDim - 1) / (2 * newDim));
}

/** One running-sum box filter along a strided vector, with the reference's shrinking windows at the edges. */
function box1d(input: Float32Array, out: Float32Array, start: number, length: number, stride: number, window: number): void {
  const half = Math.trunc((window + 2) / 2);
  const p1 = half - 1;
  const p2 = window - half + 1;
  const p3 = length - window;
  const p4 = half - 1;
  let li = start;
  let ri = start;
  let oi = start;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < p1; i++) {
    sum = f(sum + input[ri]!);
    n++;
    ri += stride;
  }
  for (let i = 0; i < p2; i++) {
    sum = f(sum + input[ri]!);
    n++;
    out[oi] = sum / n;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < p3; i++) {
    sum = f(sum + input[ri]!);
    sum = f(sum - input[li]!);
    out[oi] = sum / n;
    li += stride;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < p4; i++) {
    sum = f(sum - input[li]!);
    n--;
    out[oi] = sum / n;
    li += stride;
    oi += stride;
  }
}

/*
 * The fast passes below multiply by 1/n (a double) where `box1d` divides by n; the float32 results are
 * the same. Proof: s is a float32 and s/n lies in [2^E, 2^(E+1)); float32 rounding midpoints there are
 * odd multiples of 2^(E-24), and s (|s| >= 2^E) is a multiple of 2^(E-23), so s/n is either a midpoint
 * exactly (impossible: n*M would need a 25-bit odd factor) or at least 2^(E-24)/n away from every one.
 * s * fl(1/n) is within 2 double roundings, under 2^(E-51), of s/n: less than that gap for n < 2^27
 * (windows here are at most a few hundred), so both round to the same float32. Tests P6-P8 check it.
 */

/**
 * The column pass of `box1d` for every column at once, sweeping rows in memory order (cache-friendly).
 * Per column the operations and their order are exactly those of `box1d`; the running sums live in a
 * Float32Array, so each store rounds to float32 as the reference does.
 */
function boxColumns(input: Float32Array, out: Float32Array, rows: number, cols: number, window: number, sums: Float32Array): void {
  const half = Math.trunc((window + 2) / 2);
  const p1 = half - 1;
  const p2 = window - half + 1;
  const p3 = rows - window;
  const p4 = half - 1;
  sums.fill(0);
  let ri = 0;
  let li = 0;
  let oi = 0;
  let n = 0;
  let inv = 0;
  for (let i = 0; i < p1; i++, ri++) {
    const r = ri * cols;
    for (let j = 0; j < cols; j++) sums[j] = sums[j]! + input[r + j]!;
    n++;
    inv = 1 / n;
  }
  for (let i = 0; i < p2; i++, ri++, oi++) {
    const r = ri * cols;
    const o = oi * cols;
    n++;
    inv = 1 / n;
    for (let j = 0; j < cols; j++) {
      sums[j] = sums[j]! + input[r + j]!;
      out[o + j] = sums[j]! * inv;
    }
  }
  for (let i = 0; i < p3; i++, ri++, li++, oi++) {
    const r = ri * cols;
    const l = li * cols;
    const o = oi * cols;
    for (let j = 0; j < cols; j++) {
      const s = f(f(sums[j]! + input[r + j]!) - input[l + j]!);
      sums[j] = s;
      out[o + j] = s * inv;
    }
  }
  for (let i = 0; i < p4; i++, li++, oi++) {
    const l = li * cols;
    const o = oi * cols;
    n--;
    inv = 1 / n;
    for (let j = 0; j < cols; j++) {
      sums[j] = sums[j]! - input[l + j]!;
      out[o + j] = sums[j]! * inv;
    }
  }
}

/** Rows filtered together in `boxRows`: independent running sums, so the float adds overlap. */
const ROW_BLOCK = 8;

/**
 * The row pass of `box1d` for ROW_BLOCK rows at a time, interleaved. Per row the operations and their
 * order are exactly those of `box1d`; the sums live in a Float32Array so each store rounds to float32.
 */
function boxRows(input: Float32Array, out: Float32Array, rows: number, cols: number, window: number, sums: Float32Array): void {
  const half = Math.trunc((window + 2) / 2);
  const p1 = half - 1;
  const p2 = window - half + 1;
  const p3 = cols - window;
  const p4 = half - 1;
  for (let i0 = 0; i0 < rows; i0 += ROW_BLOCK) {
    const nb = Math.min(ROW_BLOCK, rows - i0);
    const base0 = i0 * cols;
    sums.fill(0);
    let ri = 0;
    let li = 0;
    let oi = 0;
    let n = 0;
    let inv = 0;
    for (let i = 0; i < p1; i++, ri++) {
      for (let l = 0, b = base0; l < nb; l++, b += cols) sums[l] = sums[l]! + input[b + ri]!;
      n++;
      inv = 1 / n;
    }
    for (let i = 0; i < p2; i++, ri++, oi++) {
      n++;
      inv = 1 / n;
      for (let l = 0, b = base0; l < nb; l++, b += cols) {
        sums[l] = sums[l]! + input[b + ri]!;
        out[b + oi] = sums[l]! * inv;
      }
    }
    for (let i = 0; i < p3; i++, ri++, li++, oi++) {
      for (let l = 0, b = base0; l < nb; l++, b += cols) {
        const s = f(f(sums[l]! + input[b + ri]!) - input[b + li]!);
        sums[l] = s;
        out[b + oi] = s * inv;
      }
    }
    for (let i = 0; i < p4; i++, li++, oi++) {
      n--;
      inv = 1 / n;
      for (let l = 0, b = base0; l < nb; l++, b += cols) {
        sums[l] = sums[l]! - input[b + li]!;
        out[b + oi] = sums[l]! * inv;
      }
    }
  }
}

/**
 * `boxRows`, but only writing the columns listed in `keep` (ascending, distinct) into a `rows` x
 * keep.length buffer. The running sums still visit every column, so the kept values are identical.
 */
function boxRowsKeeping(input: Float32Array, out: Float32Array, rows: number, cols: number, window: number, keep: Int32Array, sums: Float32Array): void {
  const half = Math.trunc((window + 2) / 2);
  const p1 = half - 1;
  const p2 = window - half + 1;
  const p3 = cols - window;
  const p4 = half - 1;
  const k = keep.length;
  const slot = new Int32Array(cols).fill(-1);
  keep.forEach((c, i) => (slot[c] = i));
  for (let i0 = 0; i0 < rows; i0 += ROW_BLOCK) {
    const nb = Math.min(ROW_BLOCK, rows - i0);
    const base0 = i0 * cols;
    const obase0 = i0 * k;
    sums.fill(0);
    let ri = 0;
    let li = 0;
    let oi = 0;
    let n = 0;
    let inv = 0;
    for (let i = 0; i < p1; i++, ri++) {
      for (let l = 0, b = base0; l < nb; l++, b += cols) sums[l] = sums[l]! + input[b + ri]!;
      n++;
      inv = 1 / n;
    }
    for (let i = 0; i < p2; i++, ri++, oi++) {
      n++;
      inv = 1 / n;
      for (let l = 0, b = base0; l < nb; l++, b += cols) sums[l] = sums[l]! + input[b + ri]!;
      const sl = slot[oi]!;
      if (sl >= 0) for (let l = 0, o = obase0 + sl; l < nb; l++, o += k) out[o] = sums[l]! * inv;
    }
    for (let i = 0; i < p3; i++, ri++, li++, oi++) {
      for (let l = 0, b = base0; l < nb; l++, b += cols) sums[l] = f(f(sums[l]! + input[b + ri]!) - input[b + li]!);
      const sl = slot[oi]!;
      if (sl >= 0) for (let l = 0, o = obase0 + sl; l < nb; l++, o += k) out[o] = sums[l]! * inv;
    }
    for (let i = 0; i < p4; i++, li++, oi++) {
      n--;
      inv = 1 / n;
      for (let l = 0, b = base0; l < nb; l++, b += cols) sums[l] = sums[l]! - input[b + li]!;
      const sl = slot[oi]!;
      if (sl >= 0) for (let l = 0, o = obase0 + sl; l < nb; l++, o += k) out[o] = sums[l]! * inv;
    }
  }
}

/** The rows or columns the 64x64 decimation samples: trunc((i + 0.5) * n / 64). */
function sampledIndices(n: number): Int32Array {
  return Int32Array.from({ length: 64 }, (_, i) => Math.trunc(((i + 0.5) * n) / 64));
}

/**
 * Jarosz filter then 64x64 decimation, computing in the last pass only what the decimation reads: the
 * final row pass writes just the 64 sampled columns and the final column pass runs on those columns.
 * Bit-identical to `jaroszFilter` + `decimate64` (each kept value has the same operation history).
 */
export function jaroszDecimate64(a: Float32Array, b: Float32Array, rows: number, cols: number, out: Float32Array): void {
  if (rows < 64 || cols < 64) {
    jaroszFilter(a, b, rows, cols);
    decimate64(a, rows, cols, out);
    return;
  }
  const wRows = jaroszWindowSize(cols, 64);
  const wCols = jaroszWindowSize(rows, 64);
  const sums = new Float32Array(Math.max(cols, ROW_BLOCK));
  boxRows(a, b, rows, cols, wRows, sums);
  boxColumns(b, a, rows, cols, wCols, sums);
  const keepCols = sampledIndices(cols);
  const narrow = b.subarray(0, rows * 64);
  boxRowsKeeping(a, narrow, rows, cols, wRows, keepCols, sums);
  const narrowOut = a.subarray(0, rows * 64);
  boxColumns(narrow, narrowOut, rows, 64, wCols, sums);
  const keepRows = sampledIndices(rows);
  for (let i = 0; i < 64; i++) out.set(narrowOut.subarray(keepRows[i]! * 64, keepRows[i]! * 64 + 64), i * 64);
}

/** Two passes of rows-then-columns box filtering; the result ends in `a`, `b` is scratch. */
export function jaroszFilter(a: Float32Array, b: Float32Array, rows: number, cols: number, passes = 2): void {
  const wRows = jaroszWindowSize(cols, 64);
  const wCols = jaroszWindowSize(rows, 64);
  const sums = new Float32Array(Math.max(cols, ROW_BLOCK));
  for (let p = 0; p < passes; p++) {
    boxRows(a, b, rows, cols, wRows, sums);
    boxColumns(b, a, rows, cols, wCols, sums);
  }
}

/** The reference's column pass, one strided column at a time (kept to test `boxColumns` against). */
export function jaroszFilterStrided(a: Float32Array, b: Float32Array, rows: number, cols: number, passes = 2): void {
  const wRows = jaroszWindowSize(cols, 64);
  const wCols = jaroszWindowSize(rows, 64);
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < rows; i++) box1d(a, b, i * cols, cols, 1, wRows);
    for (let j = 0; j < cols; j++) box1d(b, a, j, rows, cols, wCols);
  }
}

/** Samples the centre of each of 64x64 cells (upsamples inputs under 64 px). */
export function decimate64(input: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let oi = 0; oi < 64; oi++) {
    const ii = Math.trunc(((oi + 0.5) * rows) / 64);
    for (let oj = 0; oj < 64; oj++) {
      const ij = Math.trunc(((oj + 0.5) * cols) / 64);
      out[oi * 64 + oj] = input[ii * cols + ij]!;
    }
  }
}

/** The reference's heuristic quality: quantised gradient sum of the 64x64 image, 0..100. */
export function qualityMetric(b64: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const d = Math.trunc(f(f(f(b64[i * 64 + j]! - b64[(i + 1) * 64 + j]!) * 100) / 255));
      sum += Math.abs(d);
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const d = Math.trunc(f(f(f(b64[i * 64 + j]! - b64[i * 64 + j + 1]!) * 100) / 255));
      sum += Math.abs(d);
    }
  }
  return Math.min(100, Math.trunc(sum / 90));
}

/** B = D A Dᵀ for the 16 lowest non-DC frequencies, float32 sums in the reference's order. */
export function dct64To16(a: Float32Array, out: Float32Array = new Float32Array(256)): Float32Array {
  const t = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    const di = i * 64;
    for (let j = 0; j < 64; j++) {
      let s = 0;
      for (let k = 0; k < 64; k++) s = f(s + f(DCT[di + k]! * a[k * 64 + j]!));
      t[di + j] = s;
    }
  }
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let s = 0;
      const ti = i * 64;
      const dj = j * 64;
      for (let k = 0; k < 64; k++) s = f(s + f(t[ti + k]! * DCT[dj + k]!));
      out[i * 16 + j] = s;
    }
  }
  return out;
}

/** The lower median (the 128th smallest of 256), which is what the reference's Torben selection returns. */
function median256(v: Float32Array): number {
  const s = Float32Array.from(v).sort();
  return s[127]!;
}

/** Sign-versus-median bits of a 16x16 DCT block into 16 words. */
export function bitsFromDct(dct: Float32Array, out: Uint16Array = new Uint16Array(PDQ_WORDS), offset = 0): Uint16Array {
  const m = median256(dct);
  for (let w = 0; w < PDQ_WORDS; w++) {
    let word = 0;
    for (let b = 0; b < 16; b++) if (dct[w * 16 + b]! > m) word |= 1 << b;
    out[offset + w] = word;
  }
  return out;
}

/** The eight dihedral variants in the reference's column order. */
export const DIHEDRAL_NAMES = ['orig', 'rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flipplus1', 'flipminus1'] as const;
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

/**
 * The DCT of a rotated or mirrored image, by permuting and negating the original's coefficients
 * (cosine basis parity): transpose for the diagonal symmetries, sign flips on odd frequencies.
 */
export function dihedralDct(a: Float32Array, which: DihedralName): Float32Array {
  const b = new Float32Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      const v = a[i * 16 + j]!;
      switch (which) {
        case 'orig': b[i * 16 + j] = v; break;
        case 'rot90': b[j * 16 + i] = j & 1 ? v : -v; break;
        case 'rot180': b[i * 16 + j] = (i + j) & 1 ? -v : v; break;
        case 'rot270': b[j * 16 + i] = i & 1 ? v : -v; break;
        case 'flipx': b[i * 16 + j] = i & 1 ? v : -v; break;
        case 'flipy': b[i * 16 + j] = j & 1 ? v : -v; break;
        case 'flipplus1': b[j * 16 + i] = v; break;
        case 'flipminus1': b[j * 16 + i] = (i + j) & 1 ? -v : v; break;
        default: return assertNever(which);
      }
    }
  }
  return b;
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${String(x)}`);
}

export interface PdqCoreResult {
  /** The 16x16 DCT block (row-major), from which every dihedral hash follows. */
  dct: Float32Array;
  quality: number;
}

/**
 * Blur, decimate, quality and DCT of a float32 luma plane (row-major, `rows` x `cols`).
 * `luma` is overwritten (it is the blur's working buffer). `undefined` when the image is under 5 px.
 */
export function pdqCoreFromLuma(luma: Float32Array, rows: number, cols: number): PdqCoreResult | undefined {
  if (rows < MIN_HASHABLE_DIM || cols < MIN_HASHABLE_DIM) return undefined;
  const b64 = new Float32Array(64 * 64);
  if (rows === 64 && cols === 64) {
    // The reference skips the blur for inputs that are already 64x64.
    b64.set(luma.subarray(0, 4096));
  } else {
    jaroszDecimate64(luma, new Float32Array(rows * cols), rows, cols, b64);
  }
  return { dct: dct64To16(b64), quality: qualityMetric(b64) };
}
