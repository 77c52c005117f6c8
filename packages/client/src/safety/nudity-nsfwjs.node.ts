import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { NudityClassifier, NudityLoader } from './nudity';

// The nsfwjs 4 classifier (MobileNetV2; weights ship inside the npm package) on TensorFlow.js's
// WebAssembly backend, for Node. nsfwjs, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are
// optional: they are imported by name at load time, and when they are missing (or anything fails)
// the loader rejects, so NudityGuard shows images blurred with an explanation, never unblurred.
// Verified offline on the 2-core machine (decision 0010); not yet in package.json (about 250 MB).

interface Tf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tensor3d(data: Uint8Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void };
}
interface NsfwModel {
  classify(img: unknown): Promise<{ className: string; probability: number }[]>;
}

/** Classes nsfwjs returns that count as nudity or sexual content. */
const SEXUAL = new Set(['Porn', 'Hentai', 'Sexy']);

/** A loader for nsfwjs on the WASM backend; `model` defaults to MobileNetV2. */
export function nsfwjsLoader(model = 'MobileNetV2'): NudityLoader {
  return async (): Promise<NudityClassifier> => {
    const names = { tf: '@tensorflow/tfjs', wasm: '@tensorflow/tfjs-backend-wasm', nsfw: 'nsfwjs' };
    const tf = (await import(names.tf)) as Tf;
    const wasm = (await import(names.wasm)) as { setWasmPaths(p: string): void };
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(`${dirname(require.resolve(`${names.wasm}/dist/tfjs-backend-wasm.wasm`))}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js WASM backend did not start');
    await tf.ready();
    const nsfw = (await import(names.nsfw)) as { load(name: string): Promise<NsfwModel> };
    const m = await nsfw.load(model);
    // sharp decodes (it is already installed with @haven/pdq); the browser would decode with a canvas.
    const sharp = (await import('sharp')).default;
    return {
      name: `nsfwjs/${model}/wasm`,
      async classify(image) {
        const { data, info } = await sharp(image).resize(224, 224, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        const t = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
        try {
          const p = await m.classify(t);
          return { nudity: p.filter((x) => SEXUAL.has(x.className)).reduce((n, x) => n + x.probability, 0) };
        } finally {
          t.dispose();
        }
      },
    };
  };
}
