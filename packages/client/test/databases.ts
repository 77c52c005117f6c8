import { startTestServer, type ConfigInput, type TestServer } from '@haven/server';
import { postgres } from '../../../testing/env';
import { createPgDatabase } from '../../../testing/postgres';

// SDK scenario tests whose guarantee rests on the server's storage run against both databases.

const PG = postgres();

/** PGlite always; PostgreSQL when HAVEN_TEST_DATABASE_URL is set (else skipped, naming it). */
export const DATABASES = [
  { name: 'pglite' as const, skip: false, reason: '' },
  { name: 'postgres' as const, skip: !PG.available, reason: PG.reason },
];

/** A real server on the named database (a fresh PostgreSQL database each time); `close` drops it. */
export async function serverOn(name: 'pglite' | 'postgres', overrides: ConfigInput = {}): Promise<TestServer> {
  const db = name === 'postgres' ? await createPgDatabase('haven_client') : undefined;
  const server = await startTestServer({ ...overrides, ...(db ? { database: { url: db.url } } : {}) });
  return {
    ...server,
    close: async () => {
      await server.close();
      await db?.drop();
    },
  };
}
