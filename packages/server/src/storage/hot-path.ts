import type { Kysely } from 'kysely';
import { Batcher, type BatchStats } from './batcher';
import type { Database, MessageRow } from './database';
import { findForSendMany, type SendContext } from './repos/conversations';
import { acknowledgeManyAsMember, type AckInput } from './repos/cursors';
import { insertCheckedMessages, type CheckedMessage } from './repos/messages';
import type { SendContextCache } from './send-context-cache';

/**
 * The message hot path with group commit (docs/ARCHITECTURE.md, "Delivery"): the send context query, the
 * insert and the acknowledgement of concurrent callers each go to the database as one statement per batch.
 * Send contexts come from the node's cache where it has them (storage/send-context-cache.ts).
 * One per database handle, so every connection of a node shares the same batches.
 */
export interface HotPath {
  findForSend(conversationId: string, accountId: string): Promise<SendContext | undefined>;
  /** Stores a message (a resend returns the stored one); `check` runs under the batch's locks (MLS). */
  insert(message: CheckedMessage['message'], check?: CheckedMessage['check']): Promise<{ row: MessageRow; created: boolean }>;
  acknowledge(ack: AckInput, at: Date): Promise<number | undefined>;
}

/** Observers of batch sizes and times (the server's metrics), by kind of batch. */
export type HotPathObserver = (kind: 'context' | 'insert' | 'ack', size: number, ms: number) => void;

const paths = new WeakMap<Kysely<Database>, HotPath>();
const observers = new WeakMap<Kysely<Database>, HotPathObserver>();
const caches = new WeakMap<Kysely<Database>, SendContextCache>();

/** Sends on `db` take their context from `cache` where it has it (storage/connect.ts attaches it). */
export function attachSendContextCache(db: Kysely<Database>, cache: SendContextCache): void {
  caches.set(db, cache);
}

/** The send-context cache of `db`, if storage attached one. */
export function sendContextCacheOf(db: Kysely<Database>): SendContextCache | undefined {
  return caches.get(db);
}

/** Reports each batch of `db`'s hot path to `observer` (one observer per database handle). */
export function observeHotPath(db: Kysely<Database>, observer: HotPathObserver): void {
  observers.set(db, observer);
}

export function hotPath(db: Kysely<Database>): HotPath {
  let p = paths.get(db);
  if (p) return p;
  const stats = (kind: 'context' | 'insert' | 'ack'): BatchStats => (size, ms) => observers.get(db)?.(kind, size, ms);
  const context = new Batcher((pairs: { conversationId: string; accountId: string }[]) => findForSendMany(db, pairs), { onBatch: stats('context') });
  // Inserts are the one serial stage: under load a batch of 256 took ~60 ms on PostgreSQL (bench/README),
  // so larger batches carry more; the bodies' bytes bound a batch's memory (JSON, base64).
  const insert = new Batcher((items: CheckedMessage[]) => insertCheckedMessages(db, items), {
    onBatch: stats('insert'),
    maxSize: 1024,
    weigh: (i) => i.message.body.byteLength,
    maxWeight: 8 * 1024 * 1024,
  });
  // Acks of one batch share one time: the latest `at` among them (cursor times are informational).
  const ack = new Batcher(
    (items: { ack: AckInput; at: Date }[]) => acknowledgeManyAsMember(db, items.map((i) => i.ack), new Date(Math.max(...items.map((i) => i.at.getTime())))),
    { onBatch: stats('ack') },
  );
  p = {
    findForSend: (conversationId, accountId) => {
      const cache = caches.get(db);
      if (!cache?.live) return context.submit({ conversationId, accountId });
      const hit = cache.get(conversationId, accountId);
      if (hit) return Promise.resolve(hit);
      const token = cache.begin();
      return context.submit({ conversationId, accountId }).then((found) => {
        cache.put(token, conversationId, accountId, found);
        return found;
      });
    },
    insert: async (message, check) => {
      const r = await insert.submit(check ? { message, check } : { message });
      if (r instanceof Error) throw r;
      return r;
    },
    acknowledge: (a, at) => ack.submit({ ack: a, at }),
  };
  paths.set(db, p);
  return p;
}
