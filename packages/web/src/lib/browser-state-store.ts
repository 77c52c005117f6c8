import { isStateKey, type StateStore } from '@haven/crypto';
import { vault } from './vault';

/**
 * A device's MLS state (keys, key packages, group sessions, received-message records) in IndexedDB,
 * each value encrypted at rest under the vault's non-extractable key. One prefix per device, so a new
 * sign-in never mixes keys with an old one. IndexedDB commits each `put` atomically.
 */
export class BrowserStateStore implements StateStore {
  readonly #prefix: string;
  /** Cleared at sign-out: work still in flight then (a key-package upload, a commit) writes nothing. */
  #cleared = false;
  constructor(deviceId: string) {
    this.#prefix = `e2ee.${deviceId}.`;
  }
  #name(key: string): string {
    if (!isStateKey(key)) throw new RangeError(`state key must be 1–128 of A-Z a-z 0-9 . _ -: ${JSON.stringify(key)}`);
    return this.#prefix + key;
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return vault.get(this.#name(key));
  }
  put(key: string, value: Uint8Array): Promise<void> {
    if (this.#cleared) return Promise.resolve();
    return vault.put(this.#name(key), value);
  }
  delete(key: string): Promise<void> {
    return vault.delete(this.#name(key));
  }
  async list(prefix: string): Promise<string[]> {
    return (await vault.keys(this.#prefix + prefix)).map((k) => k.slice(this.#prefix.length)).sort();
  }
  /** Removes every value of this device (sign-out). */
  clear(): Promise<void> {
    this.#cleared = true;
    return vault.deletePrefix(this.#prefix);
  }
}
