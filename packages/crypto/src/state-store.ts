/**
 * Where a device keeps its secrets between runs: device keys, unused key packages, group sessions.
 * Values are opaque bytes (the encoders in this package); implementations must make `put` atomic (a
 * reader sees the old value or the new one, never a mix), also across a crash.
 *
 * Suggested keys: `device`, `kp.<ref>`, `group.<conversationId>`.
 */
export interface StateStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}

const KEY = /^[A-Za-z0-9._-]{1,128}$/;

/** Keys are 1–128 of A-Z a-z 0-9 . _ - (safe as file names and IndexedDB keys everywhere). */
export function isStateKey(key: string): boolean {
  return KEY.test(key);
}

export function assertStateKey(key: string): void {
  if (!isStateKey(key)) throw new RangeError(`state key must be 1–128 of A-Z a-z 0-9 . _ -: ${JSON.stringify(key)}`);
}

/** An in-memory store (tests, and short-lived sessions that must leave nothing behind). */
export class MemoryStateStore implements StateStore {
  readonly #m = new Map<string, Uint8Array>();
  async get(key: string): Promise<Uint8Array | undefined> {
    assertStateKey(key);
    return this.#m.get(key)?.slice();
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    assertStateKey(key);
    this.#m.set(key, value.slice());
  }
  async delete(key: string): Promise<void> {
    assertStateKey(key);
    this.#m.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.#m.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
