import { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { Mutex } from './mutex';

// PGlite is one Postgres backend in this process. Kysely's PostgresDialect asks a pool for a client per
// query, and keeps one client for a whole transaction; handing out the single connection under a mutex
// therefore gives exactly one holder at a time, and a transaction keeps it until COMMIT or ROLLBACK.

type Command = PostgresQueryResult<unknown>['command'];

function commandOf(sqlText: string): Command {
  const m = /^\s*(insert|update|delete|merge)\b/i.exec(sqlText);
  return m ? (m[1]!.toUpperCase() as Command) : 'SELECT';
}

/**
 * How long holders may follow one another without the event loop turning. PGlite runs in this thread and each
 * hand-over happens in a promise callback, so a long queue (a thousand devices reconnecting at once, each with
 * a backlog) would otherwise run to its end with no socket read, timer or HTTP request served in between.
 */
export const PGLITE_SLICE_MS = 20;

/** A Kysely `PostgresPool` over one PGlite database; `connect()` waits for the previous holder to release. */
export class PGlitePool implements PostgresPool {
  readonly #mutex = new Mutex();
  #ended = false;
  /** When the current run of back-to-back holders began; 0 once the event loop has turned since. */
  #runStart = 0;

  constructor(
    readonly pglite: PGlite,
    readonly sliceMs = PGLITE_SLICE_MS,
  ) {}

  /** Releases now, or after one turn of the event loop when holders have followed one another for sliceMs. */
  #handOver(release: () => void): void {
    const now = performance.now();
    if (this.#runStart === 0) {
      this.#runStart = now;
      // At the next turn of the loop the run ends: whatever follows then starts a new one.
      setImmediate(() => (this.#runStart = 0));
    }
    if (now - this.#runStart < this.sliceMs) release();
    else setImmediate(release);
  }

  /** Opens (or creates) a PGlite database in `dir`; `undefined` keeps it in memory. */
  static async open(dir: string | undefined, sliceMs = PGLITE_SLICE_MS): Promise<PGlitePool> {
    const db = dir === undefined ? new PGlite() : new PGlite(dir);
    await db.waitReady;
    return new PGlitePool(db, sliceMs);
  }

  async connect(): Promise<PostgresPoolClient> {
    if (this.#ended) throw new Error('the PGlite pool is closed');
    const release = await this.#mutex.acquire();
    const pglite = this.pglite;
    let released = false;
    const client = {
      async query<R>(sqlText: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
        if (released) throw new Error('PGlite client used after release');
        const res = await pglite.query<R>(sqlText, [...parameters]);
        const rowCount = res.affectedRows ?? res.rows.length;
        return { command: commandOf(sqlText), rowCount, rows: res.rows };
      },
      release: (): void => {
        if (released) return;
        released = true;
        this.#handOver(release);
      },
    };
    return client as unknown as PostgresPoolClient;
  }

  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    // Wait for the current holder so a running transaction finishes before the database closes.
    const release = await this.#mutex.acquire();
    try {
      await this.pglite.close();
    } finally {
      release();
    }
  }
}
