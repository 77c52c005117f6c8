import { createHash } from 'node:crypto';
import { HashListStore, type HashListManifest, type LoadedHashList } from '@haven/pdq/node';
import type { Logger } from 'pino';

/**
 * The enabled hash lists at one moment. A check holds the snapshot it started with: a list disabled
 * while a check runs still counts for that check (its match is recorded with the list's name), and
 * only checks that start after the change see it (issue 6, "a hash list disabled while a check runs").
 */
export interface ListSnapshot {
  /** Changes whenever a list is added, replaced, enabled or disabled. */
  readonly version: string;
  readonly lists: readonly LoadedHashList[];
}

export const EMPTY_SNAPSHOT: ListSnapshot = { version: 'none', lists: [] };

/** A version string for a set of manifests: any change to a list's identity or state changes it. */
export function versionOf(manifests: readonly HashListManifest[]): string {
  const key = manifests
    .filter((m) => m.enabled)
    .map((m) => `${m.name}|${m.kind}|${m.count}|${m.createdAt}`)
    .sort()
    .join('\n');
  return key === '' ? 'none' : createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/**
 * The server's view of `<dataDir>/hashlists` (the @haven/pdq store that `haven hashlist import` writes):
 * loads the enabled lists, and reloads when the manifests change (checked at most every `checkMs`, so
 * a list imported or toggled by the CLI is picked up without a restart; admin actions reload at once).
 */
export class HashLists {
  #snapshot: ListSnapshot = EMPTY_SNAPSHOT;
  #checkedAt = -Infinity;
  #loading: Promise<ListSnapshot> | undefined;

  private constructor(
    readonly store: HashListStore,
    private readonly log: Logger,
    private readonly checkMs: number,
  ) {}

  static async open(dataDir: string, log: Logger, checkMs = 2000): Promise<HashLists> {
    const lists = new HashLists(await HashListStore.open(dataDir), log, checkMs);
    await lists.reload();
    return lists;
  }

  /** The current snapshot, reloaded first when the manifests changed since the last look. */
  async current(nowMs = Date.now()): Promise<ListSnapshot> {
    if (nowMs - this.#checkedAt < this.checkMs) return this.#snapshot;
    this.#checkedAt = nowMs;
    const version = versionOf(await this.store.list());
    if (version !== this.#snapshot.version) return this.reload();
    return this.#snapshot;
  }

  /** Loads the enabled lists now; concurrent callers share one load. */
  async reload(): Promise<ListSnapshot> {
    this.#loading ??= (async () => {
      try {
        const manifests = await this.store.list();
        const lists = await this.store.loadEnabled();
        this.#snapshot = { version: versionOf(manifests), lists };
        this.log.info({ lists: lists.map((l) => ({ name: l.manifest.name, kind: l.kind, count: l.manifest.count })) }, 'hash lists loaded');
        return this.#snapshot;
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }

  async setEnabled(name: string, enabled: boolean): Promise<HashListManifest> {
    const m = await this.store.setEnabled(name, enabled);
    await this.reload();
    return m;
  }
}
