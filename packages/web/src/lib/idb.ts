// A small promise wrapper over IndexedDB: one database, key-value object stores. Values are whatever
// structured clone allows (the at-rest key is a non-extractable CryptoKey, which clones but never exports).

export const DB_NAME = 'haven';
const VERSION = 1;
/** `keys`: the wrapping key; `kv`: encrypted values (profile, e2ee state, sent messages, read marks). */
export const STORES = ['keys', 'kv'] as const;
export type StoreName = (typeof STORES)[number];

let opened: Promise<IDBDatabase> | undefined;

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** The app's database, opened once per page. */
export function openDb(): Promise<IDBDatabase> {
  return (opened ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(DB_NAME, VERSION);
    r.onupgradeneeded = () => {
      for (const s of STORES) if (!r.result.objectStoreNames.contains(s)) r.result.createObjectStore(s);
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB is not available'));
    r.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  }));
}

export async function idbGet<T>(store: StoreName, key: string): Promise<T | undefined> {
  const db = await openDb();
  return (await request(db.transaction(store, 'readonly').objectStore(store).get(key))) as T | undefined;
}

/** Writes one value; resolves when the transaction has committed (a reader then sees the new value). */
export async function idbPut(store: StoreName, key: string, value: unknown): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(store, 'readwrite');
  tx.objectStore(store).put(value, key);
  await done(tx);
}

export async function idbDelete(store: StoreName, keys: string | IDBKeyRange): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(store, 'readwrite');
  tx.objectStore(store).delete(keys);
  await done(tx);
}

/** Keys in `[prefix, prefix + '\uffff')`, sorted. */
export async function idbKeys(store: StoreName, prefix: string): Promise<string[]> {
  const db = await openDb();
  const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
  return (await request(db.transaction(store, 'readonly').objectStore(store).getAllKeys(range))) as string[];
}

export function prefixRange(prefix: string): IDBKeyRange {
  return IDBKeyRange.bound(prefix, `${prefix}\uffff`);
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}
