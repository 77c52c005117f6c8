import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Mutex } from './mutex';
import { PGlitePool } from './pglite-pool.node.ts';

describe('Mutex', () => {
  it('hands the lock out one at a time, in request order', async () => {
    const m = new Mutex();
    const order: string[] = [];
    const run = async (name: string, ms: number) => {
      const release = await m.acquire();
      order.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`${name}-`);
      release();
    };
    await Promise.all([run('a', 20), run('b', 1), run('c', 5)]);
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });

  it('a second release is harmless', async () => {
    const m = new Mutex();
    const r1 = await m.acquire();
    r1();
    r1();
    const r2 = await m.acquire();
    let third = false;
    void m.acquire().then(() => (third = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(third).toBe(false);
    r2();
  });
});

describe('PGlitePool under Kysely', () => {
  let db: Kysely<{ t: { n: number } }>;
  beforeEach(async () => {
    db = new Kysely({ dialect: new PostgresDialect({ pool: await PGlitePool.open(undefined) }) });
    await sql`create table t (n integer not null)`.execute(db);
  });
  afterEach(() => db.destroy());

  it('does not interleave a query into an open transaction', async () => {
    const seen: number[] = [];
    const tx = db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ n: 1 }).execute();
      await new Promise((r) => setTimeout(r, 30));
      await trx.insertInto('t').values({ n: 2 }).execute();
      throw new Error('roll back');
    });
    // Issued while the transaction is open: it must wait, and then see neither row.
    const outside = db.selectFrom('t').select('n').execute().then((rows) => seen.push(rows.length));
    await expect(tx).rejects.toThrow('roll back');
    await outside;
    expect(seen).toEqual([0]);
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([]);
  });

  it('reports affected rows the way the Postgres driver expects', async () => {
    await db.insertInto('t').values([{ n: 1 }, { n: 2 }, { n: 3 }]).execute();
    const r = await db.updateTable('t').set({ n: 0 }).where('n', '>', 1).executeTakeFirst();
    expect(r.numUpdatedRows).toBe(2n);
    const d = await db.deleteFrom('t').executeTakeFirst();
    expect(d.numDeletedRows).toBe(3n);
  });

  it('refuses connections after end()', async () => {
    const pool = await PGlitePool.open(undefined);
    await pool.end();
    await expect(pool.connect()).rejects.toThrow('closed');
  });

  // A thousand devices reconnecting at once queue thousands of queries; each hand-over is a promise callback,
  // so without slicing the queue runs to its end before any timer, socket read or HTTP request is served.
  describe('a long queue of holders lets the event loop turn', () => {
    // One database for these tests, behind a pool per test with its own slice.
    let pglite: PGlite;
    beforeAll(async () => {
      pglite = new PGlite();
      await pglite.waitReady;
      await pglite.exec('create table t (n integer not null)');
    });
    afterAll(() => pglite.close());

    /**
     * Queues `n` small queries at once; returns how many had finished when a 1 ms timer fired (-1: not
     * before the last) and the order they finished in.
     */
    async function queue(sliceMs: number, n: number): Promise<{ doneAtTimer: number; order: number[] }> {
      const q = new Kysely<{ t: { n: number } }>({ dialect: new PostgresDialect({ pool: new PGlitePool(pglite, sliceMs) }) });
      await sql`select 1`.execute(q);
      const order: number[] = [];
      let doneAtTimer = -1;
      setTimeout(() => (doneAtTimer = order.length), 1);
      await Promise.all(Array.from({ length: n }, (_, i) => sql`select count(*) from generate_series(1, 2000)`.execute(q).then(() => order.push(i))));
      return { doneAtTimer, order };
    }
    const inOrder = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

    it('with slicing, timers fire while the queue drains, and every query still runs once, in order', async () => {
      const r = await queue(5, 600);
      expect(r.order).toEqual(inOrder(600));
      expect(r.doneAtTimer).toBeGreaterThanOrEqual(0);
      expect(r.doneAtTimer).toBeLessThan(600);
    });

    it('without it (the reason it exists), the whole queue runs before a timer fires', async () => {
      const r = await queue(Number.POSITIVE_INFINITY, 600);
      expect(r.order).toEqual(inOrder(600));
      expect(r.doneAtTimer).toBe(-1);
    });

    it('a transaction keeps the connection across slice boundaries', async () => {
      const q = new Kysely<{ t: { n: number } }>({ dialect: new PostgresDialect({ pool: new PGlitePool(pglite, 0) }) });
      const outside: number[] = [];
      const tx = q.transaction().execute(async (trx) => {
        for (let i = 0; i < 20; i++) await trx.insertInto('t').values({ n: i }).execute();
        throw new Error('roll back');
      });
      const reads = Array.from({ length: 20 }, () => q.selectFrom('t').select('n').execute().then((rows) => outside.push(rows.length)));
      await expect(tx).rejects.toThrow('roll back');
      await Promise.all(reads);
      expect(outside).toEqual(Array.from({ length: 20 }, () => 0));
    });
  });
});
