// `npm run bench -- nudity`: the on-device nudity classifier (nsfwjs 4, MobileNetV2, TensorFlow.js WASM
// backend, through @haven/client's nsfwjsLoader) on the project's ordinary images
// (../shared/pdq-reference/images): latency per image and how many ordinary photos it would blur.
// nsfwjs and TensorFlow.js are dependencies of @haven/client; if the classifier cannot load, this writes
// `skipped` with the reason instead of numbers. Writes bench/results/nudity.json.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nsfwjsLoader } from '../packages/client/src/safety/nudity-nsfwjs.node';

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
  const scores: [string, number][] = [];
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    const s = performance.now();
    const { nudity } = await classifier.classify(bytes);
    times.push(performance.now() - s);
    scores.push([f, Math.round(nudity * 1000) / 1000]);
  }
  times.sort((a, b) => a - b);
  const result = {
    classifier: classifier.name,
    images: files.length,
    threshold: THRESHOLD,
    loadMs: Math.round(loadMs),
    medianMs: Math.round(times[times.length >> 1] ?? 0),
    p90Ms: Math.round(times[Math.floor(times.length * 0.9)] ?? 0),
    blurredOrdinary: scores.filter(([, s]) => s >= THRESHOLD).length,
    maxScore: Math.max(...scores.map(([, s]) => s)),
    scores,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`nudity: ${result.images} images, median ${result.medianMs} ms, ${result.blurredOrdinary} blurred at ${THRESHOLD}\n`);
}
