import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HavenError } from '@haven/protocol';
import { writeFileAtomic } from './files.node.ts';
import type { HavenClient } from './http-client';

/** File in the profile directory with acknowledgements the server has not confirmed yet. */
export const UNCONFIRMED_ACKS_FILE = 'unconfirmed-acks.json';

/**
 * What this device showed the user but the server has not confirmed as acknowledged: per conversation,
 * the highest sequence number shown. When acknowledging fails (the server died during a read), it is kept
 * in the profile and acknowledged before the next read, so a message the user saw is never shown again.
 *
 * @example
 * const owed = UnconfirmedAcks.inProfile(profileDir);
 * await owed.settle(client); // before reading: what an earlier read could not confirm
 * // … show messages, collect `shown` …
 * await owed.settle(client, shown); // throws (and keeps them) if the server cannot confirm
 */
export class UnconfirmedAcks {
  constructor(readonly path: string) {}

  static inProfile(dir: string): UnconfirmedAcks {
    return new UnconfirmedAcks(join(dir, UNCONFIRMED_ACKS_FILE));
  }

  async load(): Promise<Map<string, number>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw e;
    }
    const out = new Map<string, number>();
    try {
      for (const [id, seq] of Object.entries(JSON.parse(text) as Record<string, unknown>))
        if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0) out.set(id, seq);
    } catch {
      // Unreadable: nothing owed that we can trust; the server's cursor decides.
    }
    return out;
  }

  /** Adds `shown` to what is owed and keeps it on disk (before trying the server). */
  async record(shown: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    const owed = await this.load();
    for (const [id, seq] of shown) owed.set(id, Math.max(seq, owed.get(id) ?? 0));
    await this.#write(owed);
    return owed;
  }

  /**
   * Acknowledges over HTTP everything owed plus `shown`; forgets what the server confirmed (or what
   * belongs to a conversation that is gone) and keeps the rest. Throws the first failure after saving.
   */
  async settle(client: HavenClient, shown: ReadonlyMap<string, number> = new Map()): Promise<void> {
    const owed = shown.size > 0 ? await this.record(shown) : await this.load();
    if (owed.size === 0) return;
    let failure: unknown;
    for (const [id, seq] of [...owed]) {
      try {
        await client.ack(id, seq);
        owed.delete(id);
      } catch (e) {
        if (e instanceof HavenError && e.code === 'conversation.not_found') owed.delete(id);
        else {
          failure = e;
          break;
        }
      }
    }
    await this.#write(owed);
    if (failure) throw failure;
  }

  async #write(owed: ReadonlyMap<string, number>): Promise<void> {
    if (owed.size === 0) await rm(this.path, { force: true });
    else await writeFileAtomic(this.path, JSON.stringify(Object.fromEntries(owed)));
  }
}
