import type { ConfigInput } from '../src/config/schema';
import { startTestServer, type TestServer } from '../src/testing.node.ts';
import { PG, createPgDatabase } from './databases';

// A real server on each database (issue 13's tests): PGlite, and PostgreSQL when HAVEN_TEST_DATABASE_URL is set.

export interface ServerTarget {
  name: 'pglite' | 'postgres';
  skip: boolean;
  reason: string;
  start(overrides?: ConfigInput): Promise<TestServer>;
}

export const SERVER_TARGETS: ServerTarget[] = [
  { name: 'pglite', skip: false, reason: '', start: (overrides = {}) => startTestServer(overrides) },
  {
    name: 'postgres',
    skip: !PG.available,
    reason: PG.reason,
    async start(overrides = {}) {
      const database = await createPgDatabase();
      const server = await startTestServer({ ...overrides, database: { url: database.url, poolSize: 5 } });
      return {
        ...server,
        close: async () => {
          await server.close();
          await database.drop();
        },
      };
    },
  },
];

export interface Res {
  status: number;
  body: any;
}

/** One request through `app.inject()`; the body is JSON unless a string is given with its own content type. */
export async function inject(server: TestServer, method: string, url: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<Res> {
  const r = await server.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  let parsed: unknown;
  try {
    parsed = r.body ? JSON.parse(r.body) : undefined;
  } catch {
    parsed = r.body;
  }
  return { status: r.statusCode, body: parsed };
}

let n = 0;
export async function newUser(server: TestServer, birthDate = '1990-01-01', extra: Record<string, unknown> = {}) {
  const handle = `hard${process.pid % 1000}x${++n}`;
  const r = await inject(server, 'POST', '/v1/accounts', { handle, password: 'a long password', birthDate, ...extra });
  if (r.status !== 201) throw new Error(`register failed: ${JSON.stringify(r.body)}`);
  return { handle, token: r.body.token as string, id: r.body.account.id as string, deviceId: r.body.deviceId as string };
}
