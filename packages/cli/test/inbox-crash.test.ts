import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PAYLOAD_CONTENT_TYPE } from '@haven/protocol';
import { Connection, FileProfileStore, HavenClient, nodeWebSocket } from '@haven/client/node';
import { postgres } from '../../../testing/env';
import { createPgDatabase } from '../../../testing/postgres';
import { startChildServer, type ChildServer } from '../../server/test/child-server';
import { haven, jsonLines, startHaven } from './run';
import { freePort } from '../../../testing/private-services';

// Issue 13, item 10: `kill -9` of the server while `haven inbox` reads. Counting what the user sees over
// every run: each message exactly once (never shown again once seen, never lost), and the run that met the
// outage exits 1.

const PG = postgres();
const N = 800;
const PASSWORD = 'correct horse battery staple';


describe.each([
  { name: 'pglite', skip: false, reason: '' },
  { name: 'postgres', skip: !PG.available, reason: PG.reason },
])('haven inbox across a kill -9 of the server ($name)', ({ name, skip, reason }) => {
  const servers: ChildServer[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.kill('SIGKILL');
    for (const c of cleanups.splice(0)) await c();
  });

  it.skipIf(skip)(`every message is seen exactly once over the runs, and the interrupted run exits 1${skip ? ` (skipped: ${reason})` : ''}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haven-inbox-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const args = ['--data-dir', join(dir, 'data'), '--port', String(port)];
    if (name === 'postgres') {
      const db = await createPgDatabase('haven_inbox');
      cleanups.push(() => db.drop());
      args.push('--database-url', db.url);
    }
    // PGlite recovers its files after the kill on start: slow on a loaded machine.
    const first = await startChildServer(args, {}, 120_000);
    servers.push(first);

    const register = async (h: string) => new HavenClient({ serverUrl: first.url }).register({ handle: `${h}${process.pid % 1000}` as never, password: PASSWORD, birthDate: '1990-01-01' });
    const alice = await register('ikalice');
    const bob = await register('ikbob');
    const profile = join(dir, 'bob');
    await new FileProfileStore(profile).save({ v: 1, server: first.url, handle: bob.account.handle, accountId: bob.account.id, deviceId: bob.deviceId, token: bob.token, expiresAt: bob.expiresAt });
    const ac = new HavenClient({ serverUrl: first.url, token: alice.token });
    const convo = await ac.createDirect(bob.account.handle);
    expect(convo.mode).toBe('visible');
    // Pings wait behind queued sends on a slow machine: no keep-alive drop while the batch is stored.
    const conn = new Connection({ serverUrl: first.url, token: alice.token, webSocket: nodeWebSocket, reconnect: false, pingIntervalMs: 600_000 });
    await conn.open();
    const body = (i: number) => Buffer.from(JSON.stringify({ v: 1, text: `message ${i}` })).toString('base64');
    for (let from = 0; from < N; from += 100)
      await Promise.all(Array.from({ length: Math.min(100, N - from) }, (_, i) => conn.send(convo.id, body(from + i), PAYLOAD_CONTENT_TYPE)));
    conn.close();

    // First read: the server is killed once the user has seen a few messages.
    const run = startHaven(['inbox', '--profile', profile, '--json']);
    const end = Date.now() + 60_000;
    while (run.out.stdout.split('\n').length < 30 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    await first.kill('SIGKILL');
    const code = await run.exited;
    const seen: string[] = [];
    const firstLines = jsonLines(run.out.stdout) as { id: string; text: string; error?: unknown }[];
    expect(code, run.out.stderr).toBe(1);
    expect(firstLines.length).toBeGreaterThan(0);
    expect(firstLines.length).toBeLessThan(N);
    seen.push(...firstLines.map((l) => l.text));

    // The server comes back (same port, same data); reads until nothing is left.
    const second = await startChildServer(args, {}, 120_000);
    servers.push(second);
    for (let i = 0; i < 5; i++) {
      const r = await haven(['inbox', '--profile', profile, '--json'], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      const lines = jsonLines(r.stdout) as { text: string; error?: unknown }[];
      expect(lines.filter((l) => l.error)).toEqual([]);
      if (lines.length === 0) break;
      seen.push(...lines.map((l) => l.text));
    }
    const dupes = seen.filter((t, i) => seen.indexOf(t) !== i);
    expect(dupes).toEqual([]);
    expect(new Set(seen)).toEqual(new Set(Array.from({ length: N }, (_, i) => `message ${i}`)));
  }, 300_000);
});
