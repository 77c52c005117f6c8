import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresBinaries } from '../../../testing/env';
import { startPrivatePostgres, waitFor, type PrivatePostgres } from '../../../testing/private-services';
import { startChildServer, type ChildServer } from '../../server/test/child-server';
import { converse, expectExactlyOnce, makeUsers, startLoad, type LoadUser } from './fault-load';

// Issue 12: PostgreSQL stops and comes back while clients send. A private instance (initdb in a temporary
// directory, its own port), never the machine's shared one. The node is not restarted: its pool opens new
// connections. Meanwhile requests get 503 `server.unavailable` in the envelope (never a 500), the SDK
// retries, /readyz says the database is unreachable and then reachable, and nothing is lost or duplicated.

const BIN = postgresBinaries();

describe.skipIf(!BIN.available)(`a node when PostgreSQL restarts${BIN.available ? '' : ` (skipped: ${BIN.reason})`}`, () => {
  let pg: PrivatePostgres | undefined;
  let node: ChildServer | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await node?.kill('SIGKILL');
    await pg?.destroy();
  });

  it('503 server.unavailable while it is down, /readyz follows it, and every message arrives once', async () => {
    pg = await startPrivatePostgres(BIN.value);
    const dir = mkdtempSync(join(tmpdir(), 'haven-pgrestart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    node = await startChildServer(['--data-dir', dir, '--database-url', pg.url], { HAVEN_MESSAGE_KEY: Buffer.alloc(32, 7).toString('base64'), HAVEN_LOG_LEVEL: 'warn' }, 60_000);
    const url = node.url;
    const readyz = async () => {
      const r = await fetch(`${url}/readyz`);
      return { status: r.status, database: ((await r.json()) as { database: string }).database };
    };
    expect(await readyz()).toEqual({ status: 200, database: 'reachable' });

    const users = await makeUsers(4, () => [url], 'pr');
    cleanups.push(() => users.forEach((u) => u.conn.close()));
    const [u0, u1, u2, u3] = users as [LoadUser, LoadUser, LoadUser, LoadUser];
    await converse([[u0, u1], [u2, u3]], [[u0, u1, u2]]);
    const load = startLoad(users);
    await waitFor(() => load.confirmed() >= 60, 60_000, '60 messages before the restart');

    await pg.stop();
    await waitFor(async () => (await readyz()).database === 'unreachable', 20_000, '/readyz to see the database gone');
    expect(await readyz()).toEqual({ status: 503, database: 'unreachable' });
    // A request that needs the database: 503 in the envelope, not a 500.
    const res = await fetch(`${url}/v1/conversations`, { headers: { authorization: `Bearer ${users[0]!.client.token}` } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('server.unavailable');
    // An HTTP send while it is down: the SDK retries it (same clientMessageId) until it is stored.
    const duringOutage = u0.messenger.sendText(u0.conversations[0]!, `${u0.name}#http`);
    load.intended.get(u0.conversations[0]!.id)!.push(`${u0.name}#http`);
    // Sends over the connections meet the outage too (answered server.unavailable, resent by the SDK).
    const before = load.confirmed();
    await new Promise((r) => setTimeout(r, 500));
    expect(load.confirmed() - before).toBeLessThanOrEqual(users.length * 4);

    await pg.start();
    await waitFor(async () => (await readyz()).status === 200, 30_000, '/readyz to see the database back');
    expect(await readyz()).toEqual({ status: 200, database: 'reachable' });
    expect(node.proc.exitCode).toBeNull();
    await duringOutage;
    const atRestart = load.confirmed();
    await waitFor(() => load.confirmed() >= atRestart + 60, 60_000, '60 messages after the restart');
    await load.stop();

    const counts = await expectExactlyOnce(users, load);
    expect(counts.messages).toBeGreaterThanOrEqual(121);
    // The node saw the outage, and answered it as one: no 500 anywhere.
    expect(node.output()).toMatch(/database unavailable/);
    expect(node.output()).not.toMatch(/unhandled error|websocket frame failed|backlog delivery failed/);
  }, 150_000);
});
