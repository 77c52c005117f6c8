import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { nudityFromPredictions, type NudityClassifier, type NudityLoader } from './nudity';

// The nsfwjs 4 classifier (MobileNetV2; its weights ship inside the npm package as a JavaScript module,
// nothing is fetched from the network) on TensorFlow.js's WebAssembly backend, for Node. nsfwjs,
// @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are dependencies of @haven/client, imported only
// when the loader runs (the CLI's startup never loads them). When anything fails the loader rejects,
// and NudityGuard shows images blurred with an explanation, never unblurred. The browser's loader is
// nudity-nsfwjs.browser.ts (decodes with a canvas instead of sharp).

/** A loader for nsfwjs's MobileNetV2 on the WASM backend. */
export function nsfwjsLoader(): NudityLoader {
  return async (): Promise<NudityClassifier> => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js WASM backend did not start');
    await tf.ready();
    const [nsfw, { MobileNetV2Model }] = await Promise.all([import('nsfwjs/core'), import('nsfwjs/models/mobilenet_v2')]);
    const m = await nsfw.load('MobileNetV2', { modelDefinitions: [MobileNetV2Model] });
    // sharp decodes (it is already installed with @haven/pdq).
    const sharp = (await import('sharp')).default;
    return {
      name: 'nsfwjs/MobileNetV2/wasm',
      async classify(image) {
        const { data, info } = await sharp(image).resize(224, 224, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        const t = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
        try {
          return { nudity: nudityFromPredictions(await m.classify(t)) };
        } finally {
          t.dispose();
        }
      },
    };
  };
}
