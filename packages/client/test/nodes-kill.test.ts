import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nats, postgres } from '../../../testing/env';
import { createPgDatabase } from '../../../testing/postgres';
import { waitFor } from '../../../testing/private-services';
import { startChildServer, type ChildServer } from '../../server/test/child-server';
import { converse, expectExactlyOnce, makeUsers, startLoad, type LoadUser } from './fault-load';

// Issue 12: three `haven serve` processes on one PostgreSQL database and one NATS; six users spread over
// them, each with all three addresses; while pairs and groups send, one node gets kill -9. Its users move
// to the other nodes, sends that were in flight are resent with their clientMessageId, and every user
// sees every message exactly once.

const PG = postgres();
const NATS = nats();
const skip = !PG.available || !NATS.available;
const reason = [PG, NATS].filter((d) => !d.available).map((d) => d.reason).join('; ');

describe.skipIf(skip)(`three nodes, one killed under load${skip ? ` (skipped: ${reason})` : ''}`, () => {
  const nodes: ChildServer[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const n of nodes) await n.kill('SIGKILL');
    for (const c of cleanups.reverse()) await c();
  });

  it('0 lost, 0 duplicated: the killed node\'s users reconnect elsewhere and in-flight sends are resent once', async () => {
    const db = await createPgDatabase('haven_kill');
    cleanups.push(() => db.drop());
    const key = Buffer.alloc(32, 6).toString('base64');
    for (let i = 0; i < 3; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'haven-kill-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      nodes.push(await startChildServer(['--data-dir', dir, '--database-url', db.url, '--nats-url', NATS.value], { HAVEN_MESSAGE_KEY: key, HAVEN_LOG_LEVEL: 'warn' }, 60_000));
    }
    const urls = nodes.map((n) => n.url);
    // User i starts on node i % 3 and falls back on the others in turn.
    const users = await makeUsers(6, (i) => [0, 1, 2].map((k) => urls[(i + k) % 3]!), 'kn');
    cleanups.push(() => users.forEach((u) => u.conn.close()));
    const [u0, u1, u2, u3, u4, u5] = users as [LoadUser, LoadUser, LoadUser, LoadUser, LoadUser, LoadUser];
    await converse([[u0, u1], [u2, u3], [u4, u5]], [[u0, u2, u4], [u1, u3, u5]]);
    const victim = nodes[1]!;
    const onVictim = users.filter((u) => u.conn.serverUrl === victim.url);
    expect(onVictim.map((u) => u.name)).toEqual([users[1]!.name, users[4]!.name]);

    const load = startLoad(users);
    await waitFor(() => load.confirmed() >= 120, 60_000, '120 messages before the kill');
    // A burst from the victim's users just before the kill: sends in flight when it dies, which the SDK
    // must resend to another node with the same clientMessageId.
    const inFlight = onVictim.reduce((sum, u) => sum + load.burst(u, 10), 0);
    await new Promise((r) => setTimeout(r, 5));
    await victim.kill('SIGKILL');
    expect(inFlight).toBeGreaterThanOrEqual(20);
    const atKill = load.confirmed();
    // Its users move to a live node; sending goes on throughout.
    await waitFor(() => onVictim.every((u) => u.conn.state === 'ready' && u.conn.serverUrl !== victim.url), 30_000, 'the killed node\'s users to reconnect elsewhere');
    await waitFor(() => load.confirmed() >= atKill + 120, 60_000, '120 messages after the kill');
    await load.stop();

    const counts = await expectExactlyOnce(users, load);
    expect(counts.messages).toBeGreaterThanOrEqual(240);
    // Every message reaches 1 (direct) or 2 (group) other users.
    expect(counts.deliveries).toBeGreaterThanOrEqual(counts.messages);
  }, 150_000);
});
