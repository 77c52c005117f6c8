import { Kysely, PostgresDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
});
