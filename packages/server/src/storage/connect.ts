import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database';
import { LATEST_MIGRATION, migrationProvider } from './migrations/index';
import { lockDirectory } from './dir-lock.node.ts';
import { PGlitePool } from './pglite-pool.node.ts';
import { PREPARED_MARK } from './prepared';
import { listenPGlite, listenPostgres, type Listening } from './context-changes.node.ts';
import { attachSendContextCache } from './hot-path';
import { SendContextCache } from './send-context-cache';

/**
 * A PostgreSQL client that sends statements marked with `preparedAs` (storage/prepared.ts) as named
 * statements: parsed and planned once per connection. The hot path's three statements spent about three
 * quarters of PostgreSQL's time per call in parsing and planning (issue 12's profile). Others go as before.
 */
class PreparingClient extends pg.Client {}
const plainQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(PreparingClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  const [text, values, callback] = args;
  if (typeof text === 'string' && text.startsWith(PREPARED_MARK)) {
    const name = text.slice(PREPARED_MARK.length, text.indexOf('\n')).trim();
    return plainQuery.call(this, { name, text, values }, callback);
  }
  return plainQuery.apply(this, args);
};

export interface Storage {
  db: Kysely<Database>;
  /** `pglite` (embedded) or `postgres`. */
  kind: 'pglite' | 'postgres';
  /** Pool use now (PostgreSQL only), for metrics. */
  poolStats?: () => { total: number; idle: number; waiting: number };
  /** The node's send contexts in memory (storage/send-context-cache.ts), for metrics. */
  sendContexts: SendContextCache;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** postgres:// URL; without it PGlite in `pgliteDir` (or in memory when that is undefined too). */
  databaseUrl?: string | undefined;
  pgliteDir?: string | undefined;
  poolSize?: number;
  /** Send contexts kept in memory at most (0: none, every send reads its context). */
  sendContextCacheSize?: number;
}

/** Send contexts a node keeps at most by default (a few hundred bytes each). */
export const DEFAULT_SEND_CONTEXT_CACHE_SIZE = 50_000;

/**
 * Opens storage with one dialect for both databases and applies every migration.
 * @example const storage = await openStorage({ pgliteDir: join(dataDir, 'db') });
 */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  let pool: pg.Pool | PGlitePool;
  let kind: Storage['kind'];
  let unlock = (): void => undefined;
  if (options.databaseUrl) {
    pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10, Client: PreparingClient });
    // A client's error (the database restarting, a dropped connection) must not crash the process: idle
    // clients report it on the pool, checked-out ones (between a transaction's queries) on themselves. The
    // query in progress fails (503 `server.unavailable`), the pool drops the client and opens a new one later.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => void client.on('error', () => undefined));
    kind = 'postgres';
  } else {
    if (options.pgliteDir) {
      mkdirSync(options.pgliteDir, { recursive: true });
      unlock = lockDirectory(`${options.pgliteDir}.lock`, `the embedded database ${options.pgliteDir}`);
    }
    try {
      pool = await PGlitePool.open(options.pgliteDir);
    } catch (e) {
      unlock();
      throw e;
    }
    kind = 'pglite';
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const sendContexts = new SendContextCache(options.sendContextCacheSize ?? DEFAULT_SEND_CONTEXT_CACHE_SIZE);
  let listening: Listening | undefined;
  const close = async (): Promise<void> => {
    try {
      await listening?.close();
      await db.destroy();
    } finally {
      unlock();
    }
  };
  try {
    await migrate(db);
    // After the migrations, which create the triggers that notify.
    listening = pool instanceof PGlitePool ? await listenPGlite(pool.pglite, sendContexts) : await listenPostgres(options.databaseUrl!, sendContexts);
  } catch (e) {
    await close();
    throw e;
  }
  attachSendContextCache(db, sendContexts);
  const pgPool = pool instanceof pg.Pool ? pool : undefined;
  return { db, kind, close, sendContexts, ...(pgPool ? { poolStats: () => ({ total: pgPool.totalCount, idle: pgPool.idleCount, waiting: pgPool.waitingCount }) } : {}) };
}

/** Applies pending migrations; throws with the failing migration's name. */
export async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(failed ? `database migration ${failed} failed: ${why}` : `could not prepare the database: ${why}`);
  }
}

/** For /readyz: the database answers and the latest migration is applied. */
export async function readiness(db: Kysely<Database>): Promise<{ database: boolean; migrations: boolean }> {
  try {
    const r = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(db);
    return { database: true, migrations: r.rows[0]?.name === LATEST_MIGRATION };
  } catch {
    return { database: false, migrations: false };
  }
}

export const pgliteDirOf = (dataDir: string): string => join(dataDir, 'db');
