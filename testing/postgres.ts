import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgres } from './env';

/**
 * A new, empty, uniquely named PostgreSQL database on HAVEN_TEST_DATABASE_URL (tests run in parallel
 * against one server); returns its URL and a function that drops it.
 */
export async function createPgDatabase(prefix = 'haven_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const base = postgres().value;
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
