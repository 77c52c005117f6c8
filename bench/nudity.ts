// `npm run bench -- nudity`: the on-device nudity classifier (nsfwjs 4, MobileNetV2, TensorFlow.js WASM
// backend, through @haven/client's nsfwjsLoader) on the project's ordinary images
// (../shared/pdq-reference/images): latency per image and how many ordinary photos it would blur.
// nsfwjs and TensorFlow.js are dependencies of @haven/client; if the classifier cannot load, this writes
// `skipped` with the reason instead of numbers. Writes bench/results/nudity.json.
// Reference, side by side: the known-image check every device already runs on the same image before
// showing it (PDQ with its eight variants, SHA-256 and MD5 through @haven/client's node hasher),
// alternating with the classifier image by image, so both see the same load; the ratio is the figure.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { nsfwjsLoader } from '../packages/client/src/safety/nudity-nsfwjs.node.ts';
import { nodeAttachmentHasher } from '../packages/client/src/safety/hasher.node.ts';

const here = dirname(fileURLToPath(import.meta.url));
const THRESHOLD = 0.6;

export async function main(): Promise<void> {
  const dir = join(here, '..', '..', 'shared', 'pdq-reference', 'images');
  const out = join(here, 'results', 'nudity.json');
  mkdirSync(join(here, 'results'), { recursive: true });
  let classifier;
  const t0 = performance.now();
  try {
    classifier = await nsfwjsLoader()();
  } catch (e) {
    const reason = `classifier did not load: ${e instanceof Error ? e.message : String(e)} (run npm ci: nsfwjs, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm come with @haven/client)`;
    writeFileSync(out, `${JSON.stringify({ skipped: reason }, null, 2)}\n`);
    process.stdout.write(`nudity: skipped: ${reason}\n`);
    return;
  }
  const loadMs = performance.now() - t0;
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f));
  const times: number[] = [];
  const hashTimes: number[] = [];
  const scores: [string, number][] = [];
  const loadBefore = loadavg()[0]!;
  // One warm-up of each (first calls compile and allocate), then every image through both.
  await classifier.classify(readFileSync(join(dir, files[0]!)));
  await nodeAttachmentHasher(readFileSync(join(dir, files[0]!)));
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    const s = performance.now();
    const { nudity } = await classifier.classify(bytes);
    times.push(performance.now() - s);
    const h = performance.now();
    await nodeAttachmentHasher(bytes);
    hashTimes.push(performance.now() - h);
    scores.push([f, Math.round(nudity * 1000) / 1000]);
  }
  times.sort((a, b) => a - b);
  hashTimes.sort((a, b) => a - b);
  const median = (xs: number[]) => xs[xs.length >> 1] ?? 0;
  const result = {
    classifier: classifier.name,
    images: files.length,
    threshold: THRESHOLD,
    loadMs: Math.round(loadMs),
    /** Decode, resize to 224×224 and MobileNetV2 inference, per image (after one warm-up). */
    medianMs: Math.round(median(times)),
    p90Ms: Math.round(times[Math.floor(times.length * 0.9)] ?? 0),
    reference: {
      name: 'known-image check on the device (PDQ ×8 variants + SHA-256 + MD5, sharp decode)',
      medianMs: Math.round(median(hashTimes)),
      p90Ms: Math.round(hashTimes[Math.floor(hashTimes.length * 0.9)] ?? 0),
    },
    ratioToReference: Math.round((median(times) / Math.max(median(hashTimes), 0.001)) * 100) / 100,
    loadAverage: { before: Math.round(loadBefore * 10) / 10, after: Math.round(loadavg()[0]! * 10) / 10, cores: 2 },
    blurredOrdinary: scores.filter(([, s]) => s >= THRESHOLD).length,
    maxScore: Math.max(...scores.map(([, s]) => s)),
    scores,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `nudity: ${result.images} images, median ${result.medianMs} ms (known-image check ${result.reference.medianMs} ms, ×${result.ratioToReference}), ${result.blurredOrdinary} blurred at ${THRESHOLD}, load ${result.loadAverage.before}\n`,
  );
}
