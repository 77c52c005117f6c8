import { MemoryStateStore } from '@haven/crypto';
import { startTestServer, type TestServer } from '@haven/server';
import type { Conversation } from '@haven/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Connection, E2eeEngine, HavenClient, Messenger, e2eeCodecs, nodeWebSocket } from '../src/index.node';
import { e2eeUser, readAll, secondDevice, type E2eeUser } from './e2ee-helpers';
import { PASSWORD, handle, until } from './helpers';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// Issue 14 (send-to-seen): a device that hears membership and device changes live over its WebSocket
// (`engine.trackChanges(conn)`) sends without the three requests that caught up and reconciled the
// group before every message. The guarantees this must keep: every member's devices can read what is
// sent after they joined (a new member, a new device), and a change the device did not hear only costs
// a refused message that is caught up and sent again, never a message some member cannot read.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

/** An account whose every request is counted (method and path), with a live connection its engine tracks. */
async function liveUser(base: string) {
  const calls: string[] = [];
  const counting: typeof fetch = (input, init) => {
    calls.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
    return fetch(input, init);
  };
  const client = new HavenClient({ serverUrl: server.url, fetch: counting });
  const s = await client.register({ handle: handle(base) as never, password: PASSWORD, birthDate: '1990-01-01' });
  const engine = await E2eeEngine.open(client, new MemoryStateStore(), { accountId: s.account.id, deviceId: s.deviceId }, { keyPackageBatch: 5, lowWater: 2 });
  await engine.createAccountKey();
  await engine.ensureKeyPackages();
  const conn = new Connection({ serverUrl: server.url, token: s.token, webSocket: nodeWebSocket, backoff: { initialMs: 50, maxMs: 300 } });
  conn.on('message', (m) => conn.ack(m.conversationId, m.seq));
  await conn.open();
  await conn.synced();
  return { client, engine, conn, calls, handle: s.account.handle, messenger: new Messenger(client, { codecs: e2eeCodecs(engine) }) };
}

type Live = Awaited<ReturnType<typeof liveUser>>;

/** The requests one send made (the WebSocket frame itself is not a request). */
async function requestsOf(u: Live, send: () => Promise<unknown>): Promise<string[]> {
  const from = u.calls.length;
  await send();
  return u.calls.slice(from);
}

const texts = async (u: E2eeUser, c: Conversation) => (await readAll(u, c)).map((r) => r.text);

describe('sends while the device hears changes live (trackChanges)', () => {
  it('after one catch-up, sends make no requests; without tracking, or with the connection down, every send catches up', async () => {
    const alice = await liveUser('lsalice');
    const bob = await e2eeUser(server.url, 'lsbob');
    const convo = await alice.client.createDirect(bob.handle);
    expect(convo.mode).toBe('e2ee');

    // Not tracking: the catch-up (messages), the group state (mls) and the names (conversation) each time.
    const untracked = await requestsOf(alice, () => alice.messenger.sendText(convo, 'one', { via: alice.conn }));
    expect(untracked).toEqual(expect.arrayContaining([`GET /v1/conversations/${convo.id}/messages`, `GET /v1/conversations/${convo.id}/mls`]));

    const stop = alice.engine.trackChanges(alice.conn);
    // The first tracked send still catches up (nothing is known yet); the next ones make no request at all.
    expect((await requestsOf(alice, () => alice.messenger.sendText(convo, 'two', { via: alice.conn }))).length).toBeGreaterThan(0);
    for (const t of ['three', 'four', 'five']) expect(await requestsOf(alice, () => alice.messenger.sendText(convo, t, { via: alice.conn }))).toEqual([]);
    expect(await texts(bob, convo)).toEqual(['one', 'two', 'three', 'four', 'five']);

    // The connection goes down: sends (over HTTP now) catch up again.
    alice.conn.close();
    expect(await requestsOf(alice, () => alice.messenger.sendText(convo, 'six'))).toEqual(expect.arrayContaining([`GET /v1/conversations/${convo.id}/mls`]));
    expect(await texts(bob, convo)).toEqual(['one', 'two', 'three', 'four', 'five', 'six']);
    stop();
  });

  it('a member added and a device linked are heard live: the next send reaches them', async () => {
    const alice = await liveUser('lsgalice');
    const bob = await e2eeUser(server.url, 'lsgbob');
    const carol = await e2eeUser(server.url, 'lsgcarol');
    alice.engine.trackChanges(alice.conn);
    // The new group's membership frame may reach the connection after the HTTP answer: a frame heard
    // during a send puts the group back on the full path, so the first send waits for it here.
    let created = false;
    const offCreated = alice.conn.on('conversation', (c) => {
      if (c.members.length === 2) created = true;
    });
    const group = await alice.client.createGroup('Live', [bob.handle]);
    await until(() => created, 10_000, 'the new group frame at alice');
    offCreated();
    await alice.messenger.sendText(group, 'first', { via: alice.conn });
    expect(await requestsOf(alice, () => alice.messenger.sendText(group, 'second', { via: alice.conn }))).toEqual([]);

    // A new member: the conversation frame reaches alice's connection, her next send adds carol first.
    let heard = false;
    const off = alice.conn.on('conversation', (c) => {
      if (c.id === group.id && c.members.length === 3) heard = true;
    });
    await bob.client.addMember(group.id, carol.handle);
    await until(() => heard, 10_000, 'the membership frame at alice');
    off();
    await alice.messenger.sendText(group, 'welcome carol', { via: alice.conn });
    expect(await texts(carol, group)).toEqual(['welcome carol']);

    // Bob links a second device: alice hears devices.changed, and her next send reaches the new device.
    const events: string[] = [];
    alice.conn.on('event', (e) => events.push(e.event));
    const bob2 = await secondDevice(server.url, bob);
    await until(() => events.includes('devices.changed'), 10_000, 'devices.changed at alice');
    await alice.messenger.sendText(group, 'hello both bobs', { via: alice.conn });
    expect(await texts(bob2, group)).toContain('hello both bobs');
    expect(await texts(bob, group)).toEqual(expect.arrayContaining(['first', 'second', 'welcome carol', 'hello both bobs']));
  });

  it('a change the device did not hear: the server refuses the stale message, the sender catches up and sends again, and everyone reads it', async () => {
    const alice = await liveUser('lssalice');
    const bob = await e2eeUser(server.url, 'lssbob');
    const carol = await e2eeUser(server.url, 'lsscarol');
    // Tracks a connection whose frames and events are lost (a proxy that drops them), but that says it is ready.
    const deaf = ((event: string, fn: (s: unknown) => void) => (event === 'state' ? alice.conn.on('state', fn) : () => undefined)) as unknown as Connection['on'];
    alice.engine.trackChanges({ on: deaf, get state() { return alice.conn.state; } });
    const group = await alice.client.createGroup('Deaf', [bob.handle]);
    await alice.messenger.sendText(group, 'before', { via: alice.conn });
    expect(await requestsOf(alice, () => alice.messenger.sendText(group, 'still fast', { via: alice.conn }))).toEqual([]);
    // Bob adds carol and commits her into the group: the epoch moves; alice hears nothing of it.
    await bob.client.addMember(group.id, carol.handle);
    await bob.engine.reconcile(group.id);
    const sent = await alice.messenger.sendText(group, 'after the change', { via: alice.conn });
    expect(sent.seq).toBeGreaterThan(0);
    expect(await texts(carol, group)).toEqual(['after the change']);
    expect(await texts(bob, group)).toEqual(expect.arrayContaining(['before', 'still fast', 'after the change']));
  });
});
