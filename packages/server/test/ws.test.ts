import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.node.ts';
import { b64, call, directConversation, registerUser, sendText, unb64 } from './http-client';
import { FrameClient } from './ws-client';

// The WebSocket gateway through a real server on port 0.

let server: TestServer;
beforeAll(async () => {
  // The delivery layer's visible path: this server offers no e2ee (MLS has its own tests).
  server = await startTestServer({ limits: { frameBytes: 4096, messageBytes: 1024 }, mls: { enabled: false } });
});
afterAll(() => server.close());

describe('WebSocket delivery', () => {
  it('hello → ready, backlog in seq order, synced, then live; sent to the sender', async () => {
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url);
    const conv = await directConversation(server.url, alice.token, bob.account.handle);
    for (const t of ['one', 'two', 'three']) await sendText(server.url, alice.token, conv.id, t);

    const b = await FrameClient.open(server.url);
    b.send({ type: 'hello', token: bob.token });
    await b.next((f) => f.type === 'synced');
    expect(b.frames.map((f) => f.type)).toEqual(['ready', 'message', 'message', 'message', 'synced']);
    expect(b.messages().map((m) => [m.seq, unb64(m.body)])).toEqual([[1, 'one'], [2, 'two'], [3, 'three']]);

    const a = await FrameClient.connect(server.url, alice.token);
    a.send({ type: 'send', conversationId: conv.id, clientMessageId: 'live-msg-1', body: b64('live') });
    const sent = await a.next((f) => f.type === 'sent');
    expect(sent).toMatchObject({ type: 'sent', clientMessageId: 'live-msg-1', message: { seq: 4 } });
    const live = await b.next((f) => f.type === 'message' && f.message.seq === 4);
    expect(live.type === 'message' && unb64(live.message.body)).toBe('live');
    // The sender's own device does not get its message back as `message`.
    expect(a.messages()).toEqual([]);
    a.close();
    b.close();
  });

  it("fans out to every device of every member, the sender's other devices included", async () => {
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url);
    const alice2 = (await call(server.url, 'POST', '/v1/sessions', { handle: alice.account.handle, password: alice.password })).body;
    const bob2 = (await call(server.url, 'POST', '/v1/sessions', { handle: bob.account.handle, password: bob.password })).body;
    const conv = await directConversation(server.url, alice.token, bob.account.handle);
    const [a1, a2, b1, b2] = (await Promise.all([alice.token, alice2.token, bob.token, bob2.token].map((t) => FrameClient.connect(server.url, t)))) as [FrameClient, FrameClient, FrameClient, FrameClient];
    a1.send({ type: 'send', conversationId: conv.id, clientMessageId: 'fan-out-1', body: b64('to all') });
    for (const c of [a2, b1, b2]) await c.next((f) => f.type === 'message' && f.message.clientMessageId === 'fan-out-1');
    await a1.next((f) => f.type === 'sent');
    expect(a1.messages()).toEqual([]);
    for (const c of [a1, a2, b1, b2]) c.close();
  });

  it('an acknowledged message is not delivered again; an unacknowledged one is, on every reconnect', async () => {
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url);
    const conv = await directConversation(server.url, alice.token, bob.account.handle);
    await sendText(server.url, alice.token, conv.id, 'first');
    await sendText(server.url, alice.token, conv.id, 'second');

    // A client that never acknowledges gets everything again.
    for (let i = 0; i < 2; i++) {
      const b = await FrameClient.connect(server.url, bob.token);
      expect(b.messages().map((m) => m.seq)).toEqual([1, 2]);
      b.close();
      await b.waitClose();
    }
    const b = await FrameClient.connect(server.url, bob.token);
    b.send({ type: 'ack', conversationId: conv.id, seq: 1 });
    b.send({ type: 'ping', ref: 'after-ack' });
    await b.next((f) => f.type === 'pong');
    b.close();
    await b.waitClose();
    const again = await FrameClient.connect(server.url, bob.token);
    expect(again.messages().map((m) => unb64(m.body))).toEqual(['second']);
    again.close();
  });

  it('a burst of acks over several conversations is stored (merged), and confirmed by pong', async () => {
    const [alice, bob, carol] = [await registerUser(server.url), await registerUser(server.url), await registerUser(server.url)];
    const ab = await directConversation(server.url, alice.token, bob.account.handle);
    const cb = await directConversation(server.url, carol.token, bob.account.handle);
    for (let i = 0; i < 5; i++) {
      await sendText(server.url, alice.token, ab.id, `a${i}`);
      await sendText(server.url, carol.token, cb.id, `c${i}`);
    }
    const b = await FrameClient.connect(server.url, bob.token);
    expect(b.messages()).toHaveLength(10);
    for (const m of b.messages()) b.send({ type: 'ack', conversationId: m.conversationId, seq: m.seq });
    b.send({ type: 'ack', conversationId: ab.id, seq: 2 }); // late and lower: never moves the cursor back
    b.send({ type: 'ping', ref: 'acks' });
    await b.next((f) => f.type === 'pong');
    b.close();
    await b.waitClose();
    const again = await FrameClient.connect(server.url, bob.token);
    expect(again.messages()).toEqual([]);
    again.close();
  });

  it('a resent clientMessageId returns the same message, stored once; a recipient may get it again, with the same id', async () => {
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url);
    const conv = await directConversation(server.url, alice.token, bob.account.handle);
    const a = await FrameClient.connect(server.url, alice.token);
    const b = await FrameClient.connect(server.url, bob.token);
    const frame = { type: 'send', conversationId: conv.id, clientMessageId: 'resend-me-1', body: b64('once') };
    a.send(frame);
    a.send(frame);
    a.send({ type: 'ping', ref: 'done' });
    await a.next((f) => f.type === 'pong');
    const sent = a.frames.flatMap((f) => (f.type === 'sent' ? [f.message.id] : []));
    expect(sent).toHaveLength(2);
    expect(sent[0]).toBe(sent[1]);
    await b.next((f) => f.type === 'message');
    b.send({ type: 'ping' });
    await b.next((f) => f.type === 'pong');
    // The resend is published again (its first fan-out may have died with a node); devices drop it by id.
    expect(new Set(b.messages().map((m) => m.id))).toEqual(new Set([sent[0]]));
    const history = await fetch(`${server.url}/v1/conversations/${conv.id}/messages`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(((await history.json()) as { messages: unknown[] }).messages).toHaveLength(1);
    a.close();
    b.close();
  });

  it('bad frames get an error frame and the connection stays usable', async () => {
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url);
    const stranger = await registerUser(server.url);
    const conv = await directConversation(server.url, alice.token, bob.account.handle);
    const a = await FrameClient.connect(server.url, alice.token);
    const s = await FrameClient.connect(server.url, stranger.token);
    // Frames are handled in order, so once the pong arrives every error before it has been sent.
    const errors = async (c: FrameClient, ref: string) => {
      c.send({ type: 'ping', ref });
      await c.next((f) => f.type === 'pong' && f.ref === ref);
      return c.frames.flatMap((f) => (f.type === 'error' ? [[f.error.code, f.ref]] : []));
    };
    a.send('{not json');
    a.send({ type: 'shout' });
    a.send({ type: 'send', conversationId: conv.id, clientMessageId: 'extra-field', body: 'aGk=', mode: 'e2ee' });
    a.send({ type: 'hello', token: alice.token });
    a.send({ type: 'send', conversationId: conv.id, clientMessageId: 'too-big-one', body: Buffer.alloc(1500).toString('base64').slice(0, 2000) });
    a.ws.send(Buffer.from([1, 2, 3]));
    s.send({ type: 'send', conversationId: conv.id, clientMessageId: 'intruder-1', body: 'aGk=' });
    s.send({ type: 'ack', conversationId: conv.id, seq: 1 });
    expect(await errors(a, 'a-done')).toEqual([
      ['request.malformed_json', undefined],
      ['request.invalid', undefined],
      ['request.invalid', 'extra-field'],
      ['request.invalid', undefined],
      ['message.too_large', 'too-big-one'],
      ['request.invalid', undefined],
    ]);
    expect(await errors(s, 's-done')).toEqual([
      ['conversation.not_found', 'intruder-1'],
      ['conversation.not_found', undefined],
    ]);
    a.send({ type: 'send', conversationId: conv.id, clientMessageId: 'still-works', body: b64('ok') });
    await a.next((f) => f.type === 'sent');
    expect(a.closed).toBeUndefined();
    a.close();
    s.close();
  });

  it('sends without waiting are stored and answered in the order they were sent, refusals included', async () => {
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url);
    const carol = await registerUser(server.url);
    const conv = await directConversation(server.url, alice.token, bob.account.handle);
    const other = await directConversation(server.url, bob.token, carol.account.handle);
    const a = await FrameClient.connect(server.url, alice.token);
    const b = await FrameClient.connect(server.url, bob.token);
    // 100 sends in one burst (more than a connection may have in flight): the server works on many at once
    // (group commit) but must keep their order.
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const id = `burst-${String(i).padStart(3, '0')}`;
      ids.push(id);
      if (i === 17) a.send({ type: 'send', conversationId: conv.id, clientMessageId: id, body: Buffer.alloc(1500).toString('base64') });
      else if (i === 31) a.send({ type: 'send', conversationId: other.id, clientMessageId: id, body: b64('not mine') });
      else a.send({ type: 'send', conversationId: conv.id, clientMessageId: id, body: b64(`n${i}`) });
      if (i === 40) a.send({ type: 'ack', conversationId: other.id, seq: 1 });
    }
    a.send({ type: 'ping', ref: 'burst-done' });
    await a.next((f) => f.type === 'pong' && f.ref === 'burst-done');
    const answers = a.frames.flatMap((f) =>
      f.type === 'sent' ? [[f.clientMessageId, f.message.seq]] : f.type === 'error' ? [[f.ref ?? f.error.code, f.error.code]] : f.type === 'pong' ? [['pong']] : [],
    );
    const stored = ids.filter((_, i) => i !== 17 && i !== 31);
    // Acks are merged and stored after the frames already waiting, so the refused ack is answered some
    // time after the send before it, and before the pong; the sends' answers keep their order.
    const ackError = answers.findIndex((x) => x[0] === 'conversation.not_found');
    expect(ackError).toBeGreaterThan(answers.findIndex((x) => x[0] === 'burst-040'));
    expect(answers.at(-1)).toEqual(['pong']);
    expect(answers.filter((_, i) => i !== ackError).slice(0, -1)).toEqual(
      ids.map((id, i) => (i === 17 ? [id, 'message.too_large'] : i === 31 ? [id, 'conversation.not_found'] : [id, stored.indexOf(id) + 1])),
    );
    // The recipient gets them in the same order, numbered without gaps.
    await b.next((f) => f.type === 'message' && f.message.clientMessageId === 'burst-099');
    expect(b.messages().map((m) => [m.seq, unb64(m.body)])).toEqual(stored.map((id, i) => [i + 1, `n${Number(id.slice(6))}`]));
    a.close();
    b.close();
  });

  it('frames before hello are refused; a bad token closes with 4401', async () => {
    const c = await FrameClient.open(server.url);
    c.send({ type: 'ping' });
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ error: { code: 'auth.required' } });
    c.send({ type: 'hello', token: 'forged-token' });
    expect(await c.next((f) => f.type === 'error' && f.error.code === 'auth.invalid_token')).toBeTruthy();
    expect((await c.waitClose()).code).toBe(4401);
  });

  it('an oversized frame closes the connection with 1009', async () => {
    const alice = await registerUser(server.url);
    const a = await FrameClient.connect(server.url, alice.token);
    a.send({ type: 'ping', ref: 'x'.repeat(5000) });
    expect((await a.waitClose()).code).toBe(1009);
  });

  it('other upgrade paths are refused', async () => {
    await expect(FrameClient.open(server.url.replace(/\/?$/, '') + '/elsewhere')).rejects.toThrow();
  });

  it('a member added to a group gets the conversation and its new messages live', async () => {
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url);
    const b = await FrameClient.connect(server.url, bob.token);
    const g = await call(server.url, 'POST', '/v1/conversations', { kind: 'group', title: 'Live group', members: [] }, alice.token);
    await sendText(server.url, alice.token, g.body.id, 'before bob');
    await call(server.url, 'POST', `/v1/conversations/${g.body.id}/members`, { handle: bob.account.handle }, alice.token);
    await b.next((f) => f.type === 'conversation' && f.conversation.id === g.body.id);
    await sendText(server.url, alice.token, g.body.id, 'after bob');
    const m = await b.next((f) => f.type === 'message');
    expect(m.type === 'message' && unb64(m.message.body)).toBe('after bob');
    b.close();
  });

  it('signing out closes the connections of that session (and only those)', async () => {
    const alice = await registerUser(server.url);
    const other = (await call(server.url, 'POST', '/v1/sessions', { handle: alice.account.handle, password: alice.password })).body;
    const a = await FrameClient.connect(server.url, alice.token);
    const b = await FrameClient.connect(server.url, other.token);
    expect((await call(server.url, 'DELETE', '/v1/sessions/current', undefined, alice.token)).status).toBe(204);
    expect((await a.waitClose()).code).toBe(4401);
    expect(a.frames.at(-1)).toMatchObject({ type: 'error', error: { code: 'auth.invalid_token' } });
    b.send({ type: 'ping', ref: 'still-here' });
    await b.next((f) => f.type === 'pong');
    expect(b.closed).toBeUndefined();
    b.close();
  });
});

describe('session expiry on an open connection', () => {
  it('closes with 4401 and auth.expired_token when the session expires', async () => {
    let offsetMs = 0;
    const clocked = await startTestServer({ sessions: { ttlSeconds: 60 }, mls: { enabled: false } }, { now: () => new Date(Date.now() + offsetMs) });
    try {
      const alice = await registerUser(clocked.url);
      offsetMs = 60_000 - 4000; // the session has 4 s left
      const a = await FrameClient.open(clocked.url);
      a.send({ type: 'hello', token: alice.token });
      // It was connected first (ready, synced): the open connection is the one the expiry must close.
      await a.next((f) => f.type === 'synced', 3500);
      expect(a.closed).toBeUndefined();
      expect((await a.waitClose(10_000)).code).toBe(4401);
      expect(a.frames.map((f) => f.type)).toEqual(['ready', 'synced', 'error']);
      expect(a.frames.at(-1)).toMatchObject({ type: 'error', error: { code: 'auth.expired_token' } });
    } finally {
      await clocked.close();
    }
  });
});

describe('a client that stops reading', () => {
  it('is cut off once too much is queued for it, and gets everything again from its cursor', async () => {
    const slow = await startTestServer({ mls: { enabled: false }, limits: { connectionBufferBytes: 64 * 1024, messageBytes: 200_000, bodyBytes: 400_000, frameBytes: 400_000 } });
    try {
      const alice = await registerUser(slow.url);
      const bob = await registerUser(slow.url);
      const conv = await directConversation(slow.url, alice.token, bob.account.handle);
      const b = await FrameClient.connect(slow.url, bob.token);
      (b.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const big = Buffer.alloc(150_000, 7).toString('base64');
      let sent = 0;
      for (let i = 0; i < 60 && !b.closed; i++, sent++) {
        const r = await call(slow.url, 'POST', `/v1/conversations/${conv.id}/messages`, { clientMessageId: `bulk-${i}-xyz`, body: big }, alice.token);
        expect(r.status).toBe(201);
      }
      (b.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      expect((await b.waitClose(10_000)).code).toBe(1006);
      const again = await FrameClient.connect(slow.url, bob.token);
      expect(again.messages().map((m) => m.seq)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
      again.close();
    } finally {
      await slow.close();
    }
  }, 60_000);
});
