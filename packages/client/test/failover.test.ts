import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '@haven/server';
import { nats, postgres } from '../../../testing/env';
import { createPgDatabase } from '../../../testing/postgres';
import { freePort, waitFor } from '../../../testing/private-services';
import { startChildServer, type ChildServer } from '../../server/test/child-server';
import { Connection, HavenClient, Messenger, nodeWebSocket, type ConnectionState } from '../src/index.node';
import { PASSWORD, code, handle } from './helpers';

// Several server addresses in the SDK: the option is checked, and requests and the live connection move to
// the next node when one dies (kill -9), then keep using the one that works.

describe('serverUrls is checked', () => {
  it('an empty list, no address at all, or a non-http address is refused with a sentence', async () => {
    for (const opts of [{ serverUrls: [] }, {}, { serverUrls: ['ftp://example.org'] }, { serverUrls: ['not a url'] }]) {
      expect(await code(Promise.resolve().then(() => new HavenClient(opts)))).toBe('request.invalid');
      expect(await code(Promise.resolve().then(() => new Connection({ ...opts, token: 't', webSocket: nodeWebSocket })))).toBe('request.invalid');
    }
    expect(() => new HavenClient({ serverUrls: [] })).toThrow(/at least one address/);
    // serverUrl keeps working; duplicates (after normalising) are dropped; the list's first is current.
    expect(new HavenClient({ serverUrl: 'http://127.0.0.1:1/' }).serverUrls).toEqual(['http://127.0.0.1:1']);
    const c = new HavenClient({ serverUrls: ['http://127.0.0.1:2/', 'http://127.0.0.1:2', 'http://127.0.0.1:3'] });
    expect(c.serverUrls).toEqual(['http://127.0.0.1:2', 'http://127.0.0.1:3']);
    expect(c.serverUrl).toBe('http://127.0.0.1:2');
  });

  it('when no address answers, a request fails with server.unavailable after its rounds, and open() rejects', async () => {
    const dead = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`];
    const client = new HavenClient({ serverUrls: dead, failover: { rounds: 2, initialMs: 10, maxMs: 20 } });
    expect(await code(client.health())).toBe('server.unavailable');
    const conn = new Connection({ serverUrls: dead, token: 't', webSocket: nodeWebSocket });
    expect(await code(conn.open())).toBe('server.unavailable');
    expect(conn.state).toBe('closed');
  });
});

describe('which answers move a request to the next node', () => {
  const fakes: Server[] = [];
  afterAll(() => fakes.forEach((f) => f.close()));
  /** A node (or the proxy in front of one) that answers every request with `status` and `body`. */
  const answering = (status: number, body: unknown) =>
    new Promise<string>((resolve) => {
      const srv = createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
      fakes.push(srv);
      srv.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`));
    });

  it('a 502, a 503 server.unavailable and a refused connection move on; a 503 server.busy and a 404 do not', async () => {
    const real = await startTestServer();
    try {
      const badGateway = await answering(502, 'Bad Gateway');
      const unavailable = await answering(503, { error: { code: 'server.unavailable', message: 'The server is shutting down; try again shortly.' } });
      const refused = `http://127.0.0.1:${await freePort()}`;
      const client = new HavenClient({ serverUrls: [badGateway, unavailable, refused, real.url] });
      expect(await client.health()).toEqual({ status: 'ok' });
      expect(client.serverUrl).toBe(real.url);
      // A POST too: none of these answers means the request was carried out.
      await client.register({ handle: handle('fov') as never, password: PASSWORD, birthDate: '1990-01-01' });
      expect(client.serverUrl).toBe(real.url);

      // server.busy is this node's verdict on this request (try again later), not "unreachable"; nor is a 404.
      const busy = await answering(503, { error: { code: 'server.busy', message: 'busy' } });
      expect(await code(new HavenClient({ serverUrls: [busy, real.url] }).health())).toBe('server.busy');
      const missing = await answering(404, { error: { code: 'request.not_found', message: 'nothing here' } });
      expect(await code(new HavenClient({ serverUrls: [missing, real.url] }).health())).toBe('request.not_found');
    } finally {
      await real.close();
    }
  });
});

const PG = postgres();
const NATS = nats();
const skip = !PG.available || !NATS.available;
const reason = [PG, NATS].filter((d) => !d.available).map((d) => d.reason).join('; ');

describe.skipIf(skip)(`failover between two nodes${skip ? ` (skipped: ${reason})` : ''}`, () => {
  let a: ChildServer;
  let b: ChildServer;
  let drop: () => Promise<void>;
  const dirs: string[] = [];
  beforeAll(async () => {
    const db = await createPgDatabase('haven_failover');
    drop = db.drop;
    const key = Buffer.alloc(32, 5).toString('base64');
    const node = async () => {
      const dir = mkdtempSync(join(tmpdir(), 'haven-failover-'));
      dirs.push(dir);
      return startChildServer(['--data-dir', dir, '--database-url', db.url, '--nats-url', NATS.value], { HAVEN_MESSAGE_KEY: key, HAVEN_LOG_LEVEL: 'warn' }, 60_000);
    };
    // One after the other: both migrating one empty database at once only makes the second wait.
    a = await node();
    b = await node();
  }, 150_000);
  afterAll(async () => {
    await a?.kill('SIGKILL');
    await b?.kill('SIGKILL');
    await drop?.();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('requests and the live connection move to the other node when one is killed, and stay there', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    // A dead address first: the client passes over it to A and keeps A.
    const alice = new HavenClient({ serverUrls: [dead, a.url, b.url] });
    const aliceSession = await alice.register({ handle: handle('foa') as never, password: PASSWORD, birthDate: '1990-01-01' });
    expect(alice.serverUrl).toBe(a.url);
    const bob = new HavenClient({ serverUrls: [b.url, a.url] });
    const bobSession = await bob.register({ handle: handle('fob') as never, password: PASSWORD, birthDate: '1990-01-01' });
    const convo = await new Messenger(alice).directWith(bobSession.account.handle);

    // Alice's live connection starts on A (the dead address is skipped); Bob's on B.
    const conn = new Connection({ serverUrls: [dead, a.url, b.url], token: aliceSession.token, webSocket: nodeWebSocket, history: alice, backoff: { initialMs: 50, maxMs: 500 } });
    const states: ConnectionState[] = [];
    const got: string[] = [];
    conn.on('state', (s) => states.push(s));
    conn.on('message', (m) => (got.push(Buffer.from(m.body, 'base64').toString()), conn.ack(m.conversationId, m.seq)));
    await conn.open();
    expect(conn.serverUrl).toBe(a.url);
    const bobMessenger = new Messenger(bob);
    await bobMessenger.sendText(convo, 'before the kill');
    await waitFor(() => got.length === 1, 20_000, 'the first message');

    await a.kill('SIGKILL');
    await waitFor(() => conn.state === 'ready' && conn.serverUrl === b.url, 30_000, 'the connection to move to B');
    expect(states).toContain('reconnecting');
    // Sent through the connection now on B; Bob's reply arrives live there.
    const sent = await new Messenger(alice).sendText(convo, 'after the kill', { via: conn });
    await bobMessenger.sendText(convo, 'reply on B');
    await waitFor(() => got.length === 2, 20_000, 'the reply');

    // Alice's next HTTP request finds A dead and moves to B, and keeps B.
    expect((await alice.messages(convo.id)).map((m) => m.id)).toContain(sent.id);
    expect(alice.serverUrl).toBe(b.url);
    await alice.conversations();
    expect(alice.serverUrl).toBe(b.url);

    const texts = (await bob.messages(convo.id)).map((m) => JSON.parse(Buffer.from(m.body, 'base64').toString()).text);
    expect(texts).toEqual(['before the kill', 'after the kill', 'reply on B']);
    expect(got.map((g) => JSON.parse(g).text)).toEqual(['before the kill', 'reply on B']);
    conn.close();
  }, 90_000);
});
