import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HavenError, PAYLOAD_CONTENT_TYPE, type Message } from '@haven/protocol';
import { createAccount, startTestServer, type TestServer } from '@haven/server';
import { Connection, HavenClient, Messenger, bytesToBase64, newClientMessageId, nodeWebSocket } from '../src/index.node';
import { PASSWORD, account, handle, until } from './helpers';

// The SDK against a real server (PGlite in a temp dir, port 0): accounts, contacts, conversations,
// HTTP and WebSocket delivery, acknowledgements, and the errors a user can run into.

let server: TestServer;
let clock = Date.now();
beforeAll(async () => {
  // The visible codec path; the e2ee codec has its own tests (e2ee.test.ts).
  server = await startTestServer({ mls: { enabled: false } }, { now: () => new Date(clock) });
});
afterAll(async () => {
  await server?.close();
});

const connect = (url: string, token: string) => new Connection({ serverUrl: url, token, webSocket: nodeWebSocket, backoff: { initialMs: 20, maxMs: 200 } });

describe('HavenClient', () => {
  it('registers (signed in at once), logs in re-using the device, reads itself and logs out', async () => {
    const a = await account(server.url, 'alice');
    expect(a.session.account.ageBand).toBe('adult');
    expect((await a.client.me()).handle).toBe(a.handle);

    const again = new HavenClient({ serverUrl: server.url });
    const s2 = await again.login({ handle: a.handle, password: PASSWORD, deviceId: a.session.deviceId });
    expect(s2.deviceId).toBe(a.session.deviceId);
    expect((await again.devices()).map((d) => d.id)).toEqual([a.session.deviceId]);

    await again.logout();
    expect(again.token).toBeUndefined();
    const stale = new HavenClient({ serverUrl: server.url, token: s2.token });
    await expect(stale.me()).rejects.toMatchObject({ code: 'auth.invalid_token' });
  });

  it('turns refusals into HavenError with the server code and sentence', async () => {
    const a = await account(server.url, 'carol');
    const anon = new HavenClient({ serverUrl: server.url });
    await expect(anon.login({ handle: a.handle, password: 'not the password' })).rejects.toMatchObject({
      code: 'auth.bad_credentials',
      message: 'The handle or the password is wrong.',
    });
    await expect(anon.register({ handle: handle('kid') as never, password: PASSWORD, birthDate: '2020-01-01' })).rejects.toMatchObject({ code: 'account.too_young' });
    await expect(a.client.createDirect('nosuchhandle')).rejects.toMatchObject({ code: 'account.not_found' });
    await expect(new HavenClient({ serverUrl: server.url, token: 'forged' }).me()).rejects.toMatchObject({ code: 'auth.invalid_token' });
    await expect(anon.me()).rejects.toMatchObject({ code: 'auth.required' });
    const e = await a.client.conversation('00000000-0000-4000-8000-000000000000').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HavenError);
    expect((e as HavenError).code).toBe('conversation.not_found');
  });

  it('reports an expired session as expired', async () => {
    const a = await account(server.url, 'dave');
    clock += 31 * 24 * 3600 * 1000;
    try {
      await expect(a.client.me()).rejects.toMatchObject({ code: 'auth.expired_token' });
    } finally {
      clock = Date.now();
    }
  });

  it('health, readiness, and the admin-only user creation', async () => {
    const anon = new HavenClient({ serverUrl: server.url });
    expect(await anon.health()).toEqual({ status: 'ok' });
    expect((await anon.ready()).status).toBe('ready');
    const user = await account(server.url, 'tina');
    await expect(user.client.createUser({ handle: handle('mod') as never, password: PASSWORD, birthDate: '1980-01-01', role: 'moderator' })).rejects.toMatchObject({
      code: 'auth.forbidden',
    });
    const root = handle('root');
    await createAccount(server.storage.db, new Date(), { handle: root as never, password: PASSWORD, birthDate: '1980-01-01', role: 'admin' });
    const admin = new HavenClient({ serverUrl: server.url });
    await admin.login({ handle: root, password: PASSWORD });
    const mod = await admin.createUser({ handle: handle('mod') as never, password: PASSWORD, birthDate: '1980-01-01', role: 'moderator' });
    expect(mod.role).toBe('moderator');
  });

  it('says when the server cannot be reached', async () => {
    const down = new HavenClient({ serverUrl: 'http://127.0.0.1:1' });
    await expect(down.login({ handle: 'alice', password: PASSWORD })).rejects.toMatchObject({ code: 'server.unavailable' });
  });

  it('contacts: request, accept, list, block, unblock', async () => {
    const a = await account(server.url, 'erin');
    const b = await account(server.url, 'frank');
    expect((await a.client.requestContact(b.handle)).state).toBe('pending_outgoing');
    expect((await b.client.contacts()).map((c) => [c.account.handle, c.state])).toEqual([[a.handle, 'pending_incoming']]);
    expect((await b.client.acceptContact(a.handle)).state).toBe('accepted');
    expect((await a.client.contacts())[0]?.state).toBe('accepted');
    expect((await a.client.block(b.handle)).state).toBe('blocked');
    await a.client.unblock(b.handle);
    await expect(a.client.declineContact(b.handle)).rejects.toBeInstanceOf(HavenError);
  });

  it('groups: create, add, remove; a removed member cannot read it', async () => {
    const a = await account(server.url, 'gina');
    const b = await account(server.url, 'hugo');
    const c = await account(server.url, 'ivan');
    const g = await a.client.createGroup('Walkers', [b.handle]);
    expect(g.kind).toBe('group');
    expect((await a.client.addMember(g.id, c.handle)).members.map((m) => m.handle).sort()).toEqual([a.handle, b.handle, c.handle].sort());
    await a.client.removeMember(g.id, b.handle);
    await expect(b.client.conversation(g.id)).rejects.toMatchObject({ code: 'conversation.not_found' });
    expect((await c.client.conversations()).map((x) => x.id)).toContain(g.id);
  });
});

describe('Messenger and Connection', () => {
  it('sends text over HTTP; the recipient gets the backlog, then synced, decodes it and acks', async () => {
    const a = await account(server.url, 'jane');
    const b = await account(server.url, 'kim');
    const convo = await a.messenger.directWith(b.handle);
    expect(convo.mode).toBe('visible');
    for (const text of ['one', 'two', 'three']) await a.messenger.sendText(convo, text);

    const conn = connect(server.url, b.session.token);
    const got: string[] = [];
    // The order the connection emits in, recorded as it happens: the three backlog messages, then synced.
    const order: string[] = [];
    conn.on('message', (m) => {
      order.push(`message ${m.seq}`);
      void b.messenger.read(m).then((r) => got.push(r.text ?? '?'));
      conn.ack(m.conversationId, m.seq);
    });
    conn.on('synced', () => order.push('synced'));
    await conn.open();
    await conn.synced();
    expect(order).toEqual(['message 1', 'message 2', 'message 3', 'synced']);
    await until(() => got.length === 3);
    expect(got).toEqual(['one', 'two', 'three']);
    await conn.ping();
    conn.close();

    // Acknowledged: a new connection gets nothing again.
    const again = connect(server.url, b.session.token);
    const redelivered: Message[] = [];
    again.on('message', (m) => redelivered.push(m));
    await again.open();
    await again.synced();
    again.close();
    expect(redelivered).toEqual([]);
  });

  it('delivers live over the socket, and a resend with the same clientMessageId is one message', async () => {
    const a = await account(server.url, 'lena');
    const b = await account(server.url, 'milo');
    const convo = await a.messenger.directWith(b.handle);
    const ca = connect(server.url, a.session.token);
    const cb = connect(server.url, b.session.token);
    const received: Message[] = [];
    cb.on('message', (m) => received.push(m));
    await Promise.all([ca.open(), cb.open()]);
    await cb.synced();

    const id = newClientMessageId();
    const first = await a.messenger.sendText(convo, 'live hello', { via: ca, clientMessageId: id });
    const resent = await a.messenger.sendText(convo, 'live hello', { via: ca, clientMessageId: id });
    const overHttp = await a.messenger.sendText(convo, 'live hello', { clientMessageId: id });
    expect(resent.id).toBe(first.id);
    expect(overHttp.id).toBe(first.id);
    await until(() => received.length >= 1);
    await cb.ping();
    expect(received.map((m) => m.id)).toEqual([first.id]);
    const r = await b.messenger.read(received[0]!);
    expect(r).toMatchObject({ text: 'live hello', from: a.handle, mode: 'visible', seq: first.seq, conversation: convo.id });
    ca.close();
    cb.close();
  });

  it('retries an HTTP send whose answer was lost, and the retry does not duplicate it', async () => {
    const a = await account(server.url, 'quin');
    const b = await account(server.url, 'ruth');
    let lost = 0;
    // The first send reaches the server, but its answer is lost on the way back.
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST' && String(input).endsWith('/messages') && lost++ === 0) throw new TypeError('fetch failed');
      return res;
    };
    const client = new HavenClient({ serverUrl: server.url, token: a.session.token, fetch: lossy });
    const messenger = new Messenger(client);
    const convo = await messenger.directWith(b.handle);
    const m = await messenger.sendText(convo, 'once only');
    expect(lost).toBe(2);
    const stored = await b.client.messages(convo.id);
    expect(stored.map((x) => x.id)).toEqual([m.id]);
  });

  it('rejects a send the server refuses, with its code, and keeps the connection', async () => {
    const a = await account(server.url, 'nora');
    const ca = connect(server.url, a.session.token);
    await ca.open();
    const body = bytesToBase64(new TextEncoder().encode('{"v":1,"text":"x"}'));
    await expect(ca.send('00000000-0000-4000-8000-000000000000', body, PAYLOAD_CONTENT_TYPE)).rejects.toMatchObject({ code: 'conversation.not_found' });
    expect(ca.state).toBe('ready');
    ca.close();
  });

  it('refuses empty text before sending, and flags a body that is not a payload', async () => {
    const a = await account(server.url, 'olga');
    const b = await account(server.url, 'pete');
    const convo = await a.messenger.directWith(b.handle);
    await expect(a.messenger.sendText(convo, '  ')).rejects.toMatchObject({ code: 'request.invalid' });
    const junk = await a.client.sendMessage(convo.id, { clientMessageId: newClientMessageId(), body: bytesToBase64(new Uint8Array([1, 2, 3])), contentType: PAYLOAD_CONTENT_TYPE });
    const r = await new Messenger(b.client).read((await b.client.messages(convo.id)).find((m) => m.id === junk.id)!);
    expect(r.text).toBeNull();
    expect(r.decoded).toMatchObject({ kind: 'undecodable', code: 'codec.payload' });

    // A message of a conversation the reader cannot see (left since): reported, not thrown.
    const outsider = await account(server.url, 'olaf');
    const gone = await outsider.messenger.read((await b.client.messages(convo.id))[0]!);
    expect(gone).toMatchObject({ mode: null, conversationKind: null, text: null, decoded: { kind: 'undecodable', code: 'codec.no_conversation' } });
  });

  it('stops, without reconnecting, when the session is signed out elsewhere', async () => {
    const a = await account(server.url, 'sara');
    const conn = connect(server.url, a.session.token);
    const errors: HavenError[] = [];
    conn.on('error', (e) => errors.push(e));
    await conn.open();
    await a.client.logout();
    await until(() => conn.state === 'closed', 5000, 'the connection to close');
    expect(errors.map((e) => e.code)).toEqual(['auth.invalid_token']);
  });

  it('open() fails clearly for a bad token or an unreachable server, without retrying forever', async () => {
    const bad = connect(server.url, 'not-a-token');
    await expect(bad.open()).rejects.toMatchObject({ code: 'auth.invalid_token' });
    expect(bad.state).toBe('closed');
    const down = connect('http://127.0.0.1:1', 'whatever');
    await expect(down.open()).rejects.toMatchObject({ code: 'server.unavailable' });
    expect(down.state).toBe('closed');
  });
});
