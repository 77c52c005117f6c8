// Client message ids: random, URL-safe, 22 characters (128 bits). Uses Web Crypto, present in
// browsers and in Node 20 as globalThis.crypto.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A fresh clientMessageId; a resend with the same id is idempotent on the server. */
export function newClientMessageId(random: (n: number) => Uint8Array = defaultRandom): string {
  const bytes = random(22);
  let s = '';
  for (const b of bytes) s += ALPHABET[b & 63];
  return s;
}

function defaultRandom(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}
