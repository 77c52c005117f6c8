import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgres } from '../../../testing/env';
import { openStorage, type Storage } from '../src/storage/connect';

// Each test gets its own database: PGlite in memory, or a fresh uniquely named PostgreSQL database
// (several helpers share one PostgreSQL server), dropped afterwards.

export const PG = postgres();

/** A new empty PostgreSQL database; returns its URL and a function that drops it. */
export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `haven_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG.value });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG.value);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG.value });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface Target {
  name: 'pglite' | 'postgres';
  skip: boolean;
  reason: string;
  open(): Promise<Storage & { dispose(): Promise<void> }>;
}

export const TARGETS: Target[] = [
  {
    name: 'pglite',
    skip: false,
    reason: '',
    async open() {
      const s = await openStorage({});
      return { ...s, dispose: () => s.close() };
    },
  },
  {
    name: 'postgres',
    skip: !PG.available,
    reason: PG.reason,
    async open() {
      const database = await createPgDatabase();
      const s = await openStorage({ databaseUrl: database.url, poolSize: 10 });
      return {
        ...s,
        async dispose() {
          await s.close();
          await database.drop();
        },
      };
    },
  },
];
