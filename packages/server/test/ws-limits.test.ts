import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.node.ts';
import { call, registerUser } from './http-client';
import { FrameClient } from './ws-client';

// Issue 13, item 13: the WebSocket has limits, all from config, each refused with a registered code:
// small frames before authentication, frame rates per connection and per account, connection caps.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    mls: { enabled: false },
    websocket: {
      preAuthFrameBytes: 4096,
      connection: { burst: 5, perMinute: 1 },
      account: { burst: 6, perMinute: 1 },
      maxConnectionsPerSession: 2,
      maxConnectionsPerAccount: 3,
    },
  });
}, 180_000);
afterAll(() => server.close());

const pongsAndRefusals = (c: FrameClient) => ({
  pongs: c.frames.filter((f) => f.type === 'pong').length,
  refused: c.frames.filter((f) => f.type === 'error' && f.error.code === 'connection.rate_limited').length,
});

describe('WebSocket limits (item 13)', () => {
  it('before hello, a frame over preAuthFrameBytes closes the socket (1009) unread; after hello, larger frames are fine', async () => {
    const raw = await FrameClient.open(server.url);
    raw.send(JSON.stringify({ type: 'hello', token: 'x'.repeat(64 * 1024) }));
    expect((await raw.waitClose()).code).toBe(1009);

    const u = await registerUser(server.url);
    const c = await FrameClient.connect(server.url, u.token);
    try {
      // 64 KiB is under limits.frameBytes (1 MiB): parsed and answered, not cut off.
      c.send({ type: 'ping', ref: 'x'.repeat(64 * 1024) });
      const err = await c.next((f) => f.type === 'error');
      expect(err).toMatchObject({ error: { code: 'request.invalid' } });
      expect(c.closed).toBeUndefined();
    } finally {
      c.close();
    }
  });

  it('a connection that sends faster than its rate gets connection.rate_limited and those frames are dropped', async () => {
    const u = await registerUser(server.url);
    const c = await FrameClient.connect(server.url, u.token);
    try {
      for (let i = 0; i < 20; i++) c.send({ type: 'ping', ref: `p${i}` });
      await c.next((f) => f.type === 'error' && f.error.code === 'connection.rate_limited');
      await new Promise((r) => setTimeout(r, 300));
      const { pongs, refused } = pongsAndRefusals(c);
      // Burst 5, of which hello took one: four pings answered, the other sixteen refused.
      expect(pongs).toBe(4);
      expect(refused).toBe(16);
    } finally {
      c.close();
    }
  });

  it("the account's connections share one rate", async () => {
    const u = await registerUser(server.url);
    const second = await call(server.url, 'POST', '/v1/sessions', { handle: u.account.handle, password: u.password });
    const a = await FrameClient.connect(server.url, u.token);
    const b = await FrameClient.connect(server.url, second.body.token);
    try {
      // Account burst 6 (hellos come before there is an account to count): six pings in all, whichever connection sends them.
      for (let i = 0; i < 4; i++) a.send({ type: 'ping', ref: `a${i}` });
      for (let i = 0; i < 4; i++) b.send({ type: 'ping', ref: `b${i}` });
      await b.next((f) => f.type === 'error' && f.error.code === 'connection.rate_limited');
      await new Promise((r) => setTimeout(r, 300));
      expect(pongsAndRefusals(a).pongs + pongsAndRefusals(b).pongs).toBe(6);
    } finally {
      a.close();
      b.close();
    }
  });

  it('connections per session and per account are capped (connection.too_many, close 4429); closing one frees a place', async () => {
    const u = await registerUser(server.url);
    const s2 = (await call(server.url, 'POST', '/v1/sessions', { handle: u.account.handle, password: u.password })).body.token as string;
    const one = await FrameClient.connect(server.url, u.token);
    const two = await FrameClient.connect(server.url, u.token);
    const third = await FrameClient.open(server.url);
    third.send({ type: 'hello', token: u.token });
    expect(await third.next((f) => f.type === 'error')).toMatchObject({ error: { code: 'connection.too_many' } });
    expect((await third.waitClose()).code).toBe(4429);

    // Another session of the same account: one more fits under the account cap of 3, a fourth does not.
    const fromS2 = await FrameClient.connect(server.url, s2);
    const fourth = await FrameClient.open(server.url);
    fourth.send({ type: 'hello', token: s2 });
    expect(await fourth.next((f) => f.type === 'error')).toMatchObject({ error: { code: 'connection.too_many' } });
    expect((await fourth.waitClose()).code).toBe(4429);

    one.close();
    await one.waitClose();
    await new Promise((r) => setTimeout(r, 100));
    const again = await FrameClient.connect(server.url, u.token);
    for (const c of [two, fromS2, again]) c.close();
  });
});

