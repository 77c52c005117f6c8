/** A source of cryptographically secure random bytes; injected so tests and other runtimes can choose. */
export type Rng = (n: number) => Uint8Array;

/** The platform CSPRNG (`globalThis.crypto.getRandomValues`, in browsers and Node 20). */
export const defaultRng: Rng = (n) => {
  const out = new Uint8Array(n);
  // getRandomValues fills at most 65536 bytes per call.
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
};
