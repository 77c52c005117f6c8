import { idbDelete, idbGet, idbKeys, idbPut, prefixRange } from './idb';

// Everything this browser keeps for Haven is encrypted at rest with AES-256-GCM under one key that
// WebCrypto made non-extractable: the page can use it, but no script (and no copy of the IndexedDB
// files) can read its bytes. Each value is bound to its name (the name is the GCM additional data), so
// values cannot be swapped between names. What this protects: the files on disk (a stolen profile
// folder, a backup). What it cannot: code running in this origin while the app is open.

const KEY_NAME = 'vault.v1';

let keyPromise: Promise<CryptoKey> | undefined;

async function vaultKey(): Promise<CryptoKey> {
  return (keyPromise ??= (async () => {
    const existing = await idbGet<CryptoKey>('keys', KEY_NAME);
    if (existing) return existing;
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    await idbPut('keys', KEY_NAME, key);
    // Another tab may have made one at the same moment: use whichever was stored.
    return (await idbGet<CryptoKey>('keys', KEY_NAME)) ?? key;
  })());
}

const enc = new TextEncoder();

/** Encrypts `value` under the vault key, bound to `name`: 12-byte IV, then ciphertext and tag. */
export async function seal(name: string, value: Uint8Array): Promise<Uint8Array> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc.encode(name) }, await vaultKey(), value as BufferSource));
  const out = new Uint8Array(12 + ct.length);
  out.set(iv);
  out.set(ct, 12);
  return out;
}

/** Decrypts what {@link seal} made for `name`; throws when it was altered or moved to another name. */
export async function open(name: string, sealed: Uint8Array): Promise<Uint8Array> {
  const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.subarray(0, 12) as BufferSource, additionalData: enc.encode(name) }, await vaultKey(), sealed.subarray(12) as BufferSource);
  return new Uint8Array(pt);
}

/** Encrypted bytes by name in the `kv` store. */
export const vault = {
  async get(name: string): Promise<Uint8Array | undefined> {
    const v = await idbGet<Uint8Array>('kv', name);
    return v ? open(name, v) : undefined;
  },
  async put(name: string, value: Uint8Array): Promise<void> {
    await idbPut('kv', name, await seal(name, value));
  },
  async delete(name: string): Promise<void> {
    await idbDelete('kv', name);
  },
  async keys(prefix: string): Promise<string[]> {
    return idbKeys('kv', prefix);
  },
  async deletePrefix(prefix: string): Promise<void> {
    await idbDelete('kv', prefixRange(prefix));
  },
  async getJson<T>(name: string): Promise<T | undefined> {
    const b = await this.get(name);
    return b ? (JSON.parse(new TextDecoder().decode(b)) as T) : undefined;
  },
  async putJson(name: string, value: unknown): Promise<void> {
    await this.put(name, enc.encode(JSON.stringify(value)));
  },
};
