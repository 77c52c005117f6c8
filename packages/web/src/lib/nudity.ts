import { NudityGuard, type NudityClassifier, type NudityLoader } from '@haven/client';
import type { AccountSelf } from '@haven/protocol';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';

// Nudity warnings on children's devices (issue 11 item 5, issue 14 item 4), in the browser. This module
// is itself loaded lazily (session.nudity()); nsfwjs, TensorFlow.js and the model load only when a
// child's first image is checked, as their own chunks. The `.wasm` files are Vite assets: `haven serve`
// serves them from the built app, same origin (the CSP's script-src allows 'wasm-unsafe-eval' for them,
// connect-src stays 'self'). A classification never leaves this page: nothing about it is sent.

/**
 * A test-only knob, read once per load: `globalThis.__HAVEN_NUDITY_TEST__ = { threshold }`. Only the
 * browser tests set it, through the DevTools protocol before the page's scripts run (playwright's
 * addInitScript); the app never sets it, the server never serves it, and the CSP forbids inline scripts,
 * so a page or a link cannot. It can only make the check stricter: a threshold below the default (0
 * flags every image, to test the warnings without any sexual imagery); anything else is ignored.
 */
interface TestKnob {
  threshold?: unknown;
}

export const DEFAULT_THRESHOLD = 0.6;

function threshold(): number {
  const knob = (globalThis as { __HAVEN_NUDITY_TEST__?: TestKnob }).__HAVEN_NUDITY_TEST__;
  const t = knob && typeof knob === 'object' ? knob.threshold : undefined;
  return typeof t === 'number' && t >= 0 && t < DEFAULT_THRESHOLD ? t : DEFAULT_THRESHOLD;
}

/** Times of the last load and classification, as performance measures in this page (the tests print them). */
function timed(loader: NudityLoader): NudityLoader {
  return async () => {
    const t0 = performance.now();
    const c = await loader();
    performance.measure('haven-nudity-load', { start: t0 });
    return {
      name: c.name,
      async classify(image) {
        const t1 = performance.now();
        const r = await c.classify(image);
        performance.measure('haven-nudity-classify', { start: t1 });
        return r;
      },
    } satisfies NudityClassifier;
  };
}

const browserLoader: NudityLoader = timed(async () => {
  const { nsfwjsBrowserLoader } = await import('@haven/client/nudity-browser');
  return nsfwjsBrowserLoader({ wasmPaths: { 'tfjs-backend-wasm.wasm': wasmUrl, 'tfjs-backend-wasm-simd.wasm': wasmSimdUrl } })();
});

/**
 * The guard for this account, as the operator set it (`nudityWarnings` on the account: children by
 * default). An account not known yet (offline start) is checked as a child's: stricter, never looser.
 */
export function nudityGuardFor(me: AccountSelf | null): NudityGuard {
  return NudityGuard.forAccount(me, browserLoader, threshold());
}
