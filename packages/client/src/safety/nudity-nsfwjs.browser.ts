import { nudityFromPredictions, type NudityClassifier, type NudityLoader } from './nudity';

// The nsfwjs 4 classifier (MobileNetV2) in the browser, on TensorFlow.js's WebAssembly backend. Every
// part is imported here, when the loader first runs, so a bundler puts nsfwjs, TensorFlow.js and the
// model (its weights are a JavaScript module inside the npm package) in lazily loaded chunks; nothing
// is fetched from anywhere but the app's own origin. The `.wasm` files' URLs come from the app (Vite
// emits them as assets served beside its scripts). Only the single-threaded builds are used: threads
// need cross-origin isolation, which the app does not ask for. The classification stays in this page.

export interface BrowserNsfwjsOptions {
  /** Same-origin URLs of `tfjs-backend-wasm.wasm` and `tfjs-backend-wasm-simd.wasm`. */
  wasmPaths: { 'tfjs-backend-wasm.wasm': string; 'tfjs-backend-wasm-simd.wasm': string };
}

/** The side of the square nsfwjs's MobileNetV2 reads. */
const SIZE = 224;

/** A loader for nsfwjs's MobileNetV2 on the WASM backend, decoding images with the browser's own decoder. */
export function nsfwjsBrowserLoader(opts: BrowserNsfwjsOptions): NudityLoader {
  return async (): Promise<NudityClassifier> => {
    const [tf, wasm] = await Promise.all([import('@tensorflow/tfjs'), import('@tensorflow/tfjs-backend-wasm')]);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setWasmPaths({ ...opts.wasmPaths, 'tfjs-backend-wasm-threaded-simd.wasm': opts.wasmPaths['tfjs-backend-wasm-simd.wasm'] });
    if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js WASM backend did not start');
    await tf.ready();
    const [nsfw, { MobileNetV2Model }] = await Promise.all([import('nsfwjs/core'), import('nsfwjs/models/mobilenet_v2')]);
    const m = await nsfw.load('MobileNetV2', { modelDefinitions: [MobileNetV2Model] });
    return {
      name: 'nsfwjs/MobileNetV2/wasm',
      async classify(image) {
        const pixels = await decode(image);
        return { nudity: nudityFromPredictions(await m.classify(pixels)) };
      },
    };
  };
}

/** The image as 224×224 pixels; rejects when the browser cannot decode it (the guard then blurs). */
async function decode(image: Uint8Array): Promise<ImageData> {
  const bitmap = await createImageBitmap(new Blob([image as BlobPart]));
  try {
    const canvas = new OffscreenCanvas(SIZE, SIZE);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d canvas');
    ctx.drawImage(bitmap, 0, 0, SIZE, SIZE);
    return ctx.getImageData(0, 0, SIZE, SIZE);
  } finally {
    bitmap.close();
  }
}
