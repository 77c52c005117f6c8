import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { SendContextCache } from './send-context-cache';

/** The channel migration 0016's triggers notify: a conversation id, or `*`. */
export const SEND_CONTEXT_CHANNEL = 'haven_send_context';

/** How long a lost listening connection waits before it tries again. */
const RELISTEN_MS = 1000;

export interface Listening {
  close(): Promise<void>;
}

/** The embedded database: notifications come in process; the cache is live from the start. */
export async function listenPGlite(pglite: PGlite, cache: SendContextCache): Promise<Listening> {
  const unlisten = await pglite.listen(SEND_CONTEXT_CHANNEL, (payload) => cache.changed(payload));
  cache.setLive(true);
  return {
    async close() {
      cache.setLive(false);
      await unlisten();
    },
  };
}

/**
 * PostgreSQL: one connection of its own LISTENs. While it is down (the database restarting, the connection
 * dropped) the cache keeps nothing, and it is emptied when listening starts again, since changes may have
 * been missed meanwhile; it tries again every second. Resolves after the first attempt.
 */
export async function listenPostgres(connectionString: string, cache: SendContextCache): Promise<Listening> {
  let closed = false;
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const lost = (c: pg.Client): void => {
    if (current !== c) return;
    current = undefined;
    cache.setLive(false);
    void c.end().catch(() => undefined);
    if (!closed && !retry) {
      retry = setTimeout(() => {
        retry = undefined;
        void connect();
      }, RELISTEN_MS);
      retry.unref();
    }
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString });
    current = c;
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    c.on('notification', (n) => {
      if (current === c && n.channel === SEND_CONTEXT_CHANNEL) cache.changed(n.payload ?? '*');
    });
    try {
      await c.connect();
      await c.query(`listen ${SEND_CONTEXT_CHANNEL}`);
      if (closed || current !== c) return void c.end().catch(() => undefined);
      cache.setLive(true);
    } catch {
      lost(c);
    }
  };
  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      cache.setLive(false);
      const c = current;
      current = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
