// `npm run bench -- pdq [--quick]`: PDQ hashing speed (reference vs fast mode, decode vs hash) and
// matcher speed (multi-index vs a brute-force scan over the same typed arrays, same run), written to
// bench/results/pdq.json. Meta's published C++ figures are compared as ratios in bench/README.md.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { decodeImage, hashImageBuffer, HashListStore, lumaFromPixels, pdqDistance, pdqFromLuma, pdqHexFromWords, PdqIndex, PDQ_WORDS, type HashMode, type PdqMatch } from '../packages/pdq/src/index.node.ts';
import { nearby, randomWords, xorshift32 as rng } from '../packages/pdq/src/synthetic';
import { SHARED_DIR } from '../testing/env';

const here = dirname(fileURLToPath(import.meta.url));

/** Meta's published figures for the C++ reference tool (pdq/README.md): hash after resize, and photos/s with ImageMagick decode. */
const META_CPP = {
  hashMsAfterResize: 1.8,
  photosPerSecondLow: 27,
  photosPerSecondHigh: 37,
  // pdq/cpp/index/README.md: 105,000 hashes, 5,000 needles, d = 32, i7-14700KF.
  mihMsPerQuery105k: 1.176,
  bruteForceMsPerQuery105k: 2.962,
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const round = (x: number, d = 2): number => Number(x.toFixed(d));

interface HashStats {
  images: number;
  imagesPerSecond: number;
  bestRoundImagesPerSecond: number;
  msPerImage: number;
  decodeMsPerImage: number;
  hashMsPerImage: number;
}

async function hashSet(buffers: Buffer[], mode: HashMode, rounds: number): Promise<{ stats: HashStats; hashes: string[] }> {
  let hashes: string[] = [];
  const totals: number[] = [];
  let decode = 0;
  let hash = 0;
  for (let r = 0; r < rounds; r++) {
    hashes = [];
    const t0 = performance.now();
    for (const b of buffers) {
      const res = await hashImageBuffer(b, { mode });
      hashes.push(res.hash);
      decode += res.timings.decodeMs;
      hash += res.timings.hashMs;
    }
    totals.push(performance.now() - t0);
  }
  const ms = median(totals) / buffers.length;
  const best = Math.min(...totals) / buffers.length;
  const n = buffers.length * rounds;
  return {
    hashes,
    stats: {
      images: buffers.length,
      imagesPerSecond: round(1000 / ms, 1),
      bestRoundImagesPerSecond: round(1000 / best, 1),
      msPerImage: round(ms),
      decodeMsPerImage: round(decode / n),
      hashMsPerImage: round(hash / n),
    },
  };
}

/** Photo-like JPEGs: smooth shapes plus texture and noise, blurred a little. */
async function generatePhotos(count: number, width: number, height: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const next = rng(99);
  for (let k = 0; k < count; k++) {
    const w = 400;
    const h = Math.round((400 * height) / width);
    const px = new Uint8Array(w * h * 3);
    const fx = 3 + (next() % 20);
    const fy = 3 + (next() % 20);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        const base = 128 + 90 * Math.sin((x * fx) / w + k) * Math.cos((y * fy) / h);
        px[o] = base + (next() & 31);
        px[o + 1] = 255 - base + (next() & 15);
        px[o + 2] = ((x ^ y) & 63) + base / 2;
      }
    }
    out.push(await sharp(px, { raw: { width: w, height: h, channels: 3 } }).resize(width, height, { kernel: 'cubic' }).blur(1.2).jpeg({ quality: 88 }).toBuffer());
  }
  return out;
}

async function benchHashing(quick: boolean): Promise<Record<string, unknown>> {
  const imageDir = join(SHARED_DIR, 'pdq-reference', 'images');
  const sets: Record<string, Buffer[]> = {};
  try {
    const files = readdirSync(imageDir).sort();
    sets.reference = await Promise.all(files.map((f) => readFile(join(imageDir, f))));
    sets.referencePhotos = await Promise.all(files.filter((f) => /^bridge-(original|dih|mod-(blur|high|sharpen))/.test(f)).map((f) => readFile(join(imageDir, f))));
  } catch {
    process.stderr.write(`pdq bench: ${imageDir} missing; reference images skipped\n`);
  }
  sets.photos12MP = await generatePhotos(quick ? 3 : 8, 4000, 3000);
  sets.photos3MP = await generatePhotos(quick ? 3 : 8, 2048, 1536);
  const rounds = quick ? 1 : 5;
  const out: Record<string, unknown> = {};
  // The PDQ core alone on a 512x512 luma plane (what Meta's "hash after resize" figure measures),
  // and the resize + luma step from a full decode.
  const photo = sets.referencePhotos?.[0] ?? sets.photos3MP![0]!;
  const raw = await decodeImage(photo);
  const core: number[] = [];
  const prep: number[] = [];
  for (let i = 0; i < (quick ? 20 : 100); i++) {
    const t0 = performance.now();
    const plane = lumaFromPixels(raw);
    const t1 = performance.now();
    pdqFromLuma(plane.luma, plane.rows, plane.cols, { dihedral: true });
    const t2 = performance.now();
    prep.push(t1 - t0);
    core.push(t2 - t1);
  }
  out.core512 = {
    source: `${raw.width}x${raw.height}`,
    hashAfterResizeMs: { median: round(median(core)), min: round(Math.min(...core)) },
    resizeAndLumaMs: { median: round(median(prep)), min: round(Math.min(...prep)) },
    metaCppHashAfterResizeMs: META_CPP.hashMsAfterResize,
  };
  process.stderr.write(`pdq bench: core ${JSON.stringify(out.core512)}\n`);
  for (const [name, buffers] of Object.entries(sets)) {
    const ref = await hashSet(buffers, 'reference', rounds);
    const fast = await hashSet(buffers, 'fast', rounds);
    const d = ref.hashes.map((h, i) => pdqDistance(h as never, fast.hashes[i] as never));
    out[name] = {
      reference: ref.stats,
      fast: fast.stats,
      fastVsReferenceBits: { mean: round(d.reduce((a, b) => a + b, 0) / d.length, 1), median: median(d), max: Math.max(...d) },
    };
    process.stderr.write(`pdq bench: hashing ${name}: ${JSON.stringify(out[name])}\n`);
  }
  return out;
}

async function benchMatching(n: number, queries: number, scanQueries: number, distance = 31): Promise<Record<string, unknown>> {
  const next = rng(n);
  const words = new Uint16Array(n * PDQ_WORDS);
  const w32 = new Uint32Array(words.buffer);
  for (let i = 0; i < w32.length; i++) w32[i] = next();
  // Plant near-duplicate clusters: 1% of entries are copies of others with 1..31 bits flipped.
  const planted = Math.floor(n / 100);
  for (let k = 0; k < planted; k++) {
    const src = next() % n;
    const dst = next() % n;
    words.set(nearby(words, src, 1 + (next() % 31), next), dst * PDQ_WORDS);
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const index = PdqIndex.fromWords(words);
  const buildMs = performance.now() - t0;
  const buildCpu = process.cpuUsage(c0);
  // Queries: half near-duplicates of entries (0..40 bits away), half random.
  const qs: Uint16Array[] = [];
  for (let k = 0; k < queries; k++) {
    if (k % 2 === 0) qs.push(nearby(words, next() % n, next() % 41, next));
    else qs.push(randomWords(1, next));
  }
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  let found: PdqMatch[][] = [];
  for (let r = 0; r < 3; r++) {
    const c = process.cpuUsage();
    const t = performance.now();
    found = qs.map((q) => index.query(q, distance));
    runs.push(performance.now() - t);
    const u = process.cpuUsage(c);
    cpuRuns.push((u.user + u.system) / 1000);
  }
  const qps = (queries * 1000) / median(runs);
  const qpsCpu = (queries * 1000) / median(cpuRuns);
  // Brute force over the same typed arrays, on a sample; recall against it.
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  let want = 0;
  let got = 0;
  for (let k = 0; k < scanQueries; k++) {
    const truth = index.scan(qs[k]!, distance);
    const have = new Set(found[k]!.map((m) => `${m.index}:${m.distance}`));
    want += truth.length;
    got += truth.filter((m) => have.has(`${m.index}:${m.distance}`)).length;
    if (found[k]!.length !== truth.length) throw new Error(`matcher disagrees with scan on query ${k}`);
  }
  const scanQps = (scanQueries * 1000) / (performance.now() - t1);
  const scanCpu = process.cpuUsage(c1);
  const scanQpsCpu = (scanQueries * 1e6) / (scanCpu.user + scanCpu.system);
  // Dihedral-style query: eight hashes per image.
  const t2 = performance.now();
  const dq = Math.min(200, queries / 8);
  for (let k = 0; k < dq; k++) index.queryAny(qs.slice(k * 8, k * 8 + 8), distance);
  const dihedralImagesPerSecond = (dq * 1000) / (performance.now() - t2);
  // Save and load through a file.
  const dir = await mkdtemp(join(tmpdir(), 'haven-pdq-bench-'));
  const t3 = performance.now();
  await writeFile(join(dir, 'index.bin'), index.toBytes());
  const saveMs = performance.now() - t3;
  const t4 = performance.now();
  const fileBytes = await readFile(join(dir, 'index.bin'));
  const readMs = performance.now() - t4;
  const loaded = PdqIndex.fromBytes(fileBytes)!;
  const loadMs = performance.now() - t4;
  // The same with the bucket tables saved: a bigger file, but loading is a read plus a bounds check.
  const t5 = performance.now();
  await writeFile(join(dir, 'index-tables.bin'), index.toBytes({ tables: true }));
  const saveTablesMs = performance.now() - t5;
  const c6 = process.cpuUsage();
  const t6 = performance.now();
  const tableBytes = await readFile(join(dir, 'index-tables.bin'));
  const loadedTables = PdqIndex.fromBytes(tableBytes)!;
  const loadTablesMs = performance.now() - t6;
  const loadTablesCpu = process.cpuUsage(c6);
  await rm(dir, { recursive: true, force: true });
  if (loaded.size !== n || loadedTables?.size !== n) throw new Error('load lost hashes');
  for (let k = 0; k < 20; k++) {
    if (JSON.stringify(loadedTables.query(qs[k]!, distance)) !== JSON.stringify(found[k])) throw new Error('index loaded with tables disagrees');
  }
  const result = {
    hashes: n,
    distance,
    segments: index.segmentCount,
    buildMs: Math.round(buildMs),
    buildCpuMs: Math.round((buildCpu.user + buildCpu.system) / 1000),
    bytesPerHash: round(index.byteLength / n, 1),
    queries,
    matchesFound: found.reduce((s, f) => s + f.length, 0),
    queriesPerSecond: Math.round(qps),
    queriesPerCpuSecond: Math.round(qpsCpu),
    bestRunQueriesPerSecond: Math.round((queries * 1000) / Math.min(...runs)),
    bruteForceQueries: scanQueries,
    bruteForceQueriesPerSecond: round(scanQps, 1),
    bruteForceQueriesPerCpuSecond: round(scanQpsCpu, 1),
    speedupVsBruteForce: round(qpsCpu / scanQpsCpu, 1),
    recallVsBruteForce: want === 0 ? 1 : got / want,
    bruteForceMatchesChecked: want,
    dihedralImagesPerSecond: Math.round(dihedralImagesPerSecond),
    saveMs: Math.round(saveMs),
    loadMs: Math.round(loadMs),
    loadReadFileMs: Math.round(readMs),
    fileBytesPerHash: round(fileBytes.length / n, 1),
    saveWithTablesMs: Math.round(saveTablesMs),
    loadWithTablesMs: Math.round(loadTablesMs),
    loadWithTablesCpuMs: Math.round((loadTablesCpu.user + loadTablesCpu.system) / 1000),
    fileWithTablesBytesPerHash: round(tableBytes.length / n, 1),
    loadAverage: round(loadavg()[0]!, 2),
  };
  process.stderr.write(`pdq bench: matching ${JSON.stringify(result)}\n`);
  return result;
}

/** Importing a plain PDQ list file into a HashListStore (parse + validate + write), then loading it. */
async function benchListImport(lines: number): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'haven-pdq-list-'));
  try {
    const next = rng(5);
    const words = new Uint16Array(PDQ_WORDS);
    const text: string[] = [];
    for (let i = 0; i < lines; i++) {
      for (let w = 0; w < PDQ_WORDS; w++) words[w] = next() & 0xffff;
      text.push(pdqHexFromWords(words));
    }
    await writeFile(join(dir, 'list.txt'), `${text.join('\n')}\n`);
    const store = await HashListStore.open(join(dir, 'data'));
    const t0 = performance.now();
    const r = await store.import(join(dir, 'list.txt'), { name: 'bench' });
    const importMs = performance.now() - t0;
    if (!r.ok) throw new Error(r.message);
    const t1 = performance.now();
    await store.load('bench');
    const loadMs = performance.now() - t1;
    const result = { lines, importMs: Math.round(importMs), linesPerSecond: Math.round((lines * 1000) / importMs), loadMs: Math.round(loadMs) };
    process.stderr.write(`pdq bench: list import ${JSON.stringify(result)}\n`);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const started = Date.now();
  const loadAtStart = loadavg()[0];
  const hashing = await benchHashing(quick);
  const matching = [
    // Meta's C++ MIH README configuration: 105,000 hashes, 5,000 needles, d = 32.
    await benchMatching(105_000, 5000, 500, 32),
    await benchMatching(1_000_000, 4000, 200),
    await benchMatching(quick ? 2_000_000 : 10_000_000, 4000, quick ? 20 : 30),
  ];
  const listImport = await benchListImport(quick ? 100_000 : 1_000_000);
  const result = {
    benchmark: 'pdq',
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version, sharp: sharp.versions.sharp, libvips: sharp.versions.vips },
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg()[0],
    note: 'one process, sequential: hashing uses sharp defaults (libvips may use both cores for decode); matching is single-threaded JavaScript. The machine is shared: per-CPU-second rates (process.cpuUsage) are less sensitive to other load than wall-clock rates.',
    metaCpp: META_CPP,
    hashing,
    matching,
    listImport,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'pdq.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
