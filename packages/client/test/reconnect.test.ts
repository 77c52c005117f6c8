import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PAYLOAD_CONTENT_TYPE } from '@haven/protocol';
import { loadConfig, startServer, type RunningServer } from '@haven/server';
import { Connection, nodeWebSocket, type ConnectionState } from '../src/index.node';
import { account, until } from './helpers';

// A server restart under a live connection: the SDK reconnects with backoff, re-sends what the server
// had not confirmed (same clientMessageId, so once), and receives what arrived while it was away.

const dataDir = mkdtempSync(join(tmpdir(), 'haven-reconnect-'));
let server: RunningServer | undefined;
const start = async (port: number) =>
  (server = await startServer(
    loadConfig({
      env: {},
      cwd: dataDir,
      overrides: {
        dataDir,
        log: { level: 'silent' },
        mls: { enabled: false },
        server: { host: '127.0.0.1', port },
        rateLimits: { register: { burst: 1000, perMinute: 1000 }, login: { burst: 1000, perMinute: 1000 } },
      },
    }),
  ));
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Connection across a server restart', () => {
  it('reconnects, re-sends the unconfirmed message once, and gets what was sent meanwhile', async () => {
    const first = await start(0);
    const port = Number(new URL(first.url).port);
    const a = await account(first.url, 'rita');
    const b = await account(first.url, 'sam');
    const convo = await a.messenger.directWith(b.handle);

    const conn = new Connection({ serverUrl: first.url, token: a.session.token, webSocket: nodeWebSocket, backoff: { initialMs: 50, maxMs: 300 } });
    const states: ConnectionState[] = [];
    const received: string[] = [];
    conn.on('state', (s) => states.push(s));
    conn.on('message', (m) => {
      void a.messenger.read(m).then((r) => received.push(r.text ?? '?'));
      conn.ack(m.conversationId, m.seq);
    });
    await conn.open();
    await conn.synced();

    await first.close();
    await until(() => conn.state === 'reconnecting', 5000, 'the client to notice the restart');
    // Sent while the server is down: held, then sent after the reconnect.
    const pending = a.messenger.sendText(convo, 'sent during the outage', { via: conn });

    const second = await start(port);
    // Arrives while A's connection may still be coming back: delivered as backlog or live.
    await b.messenger.sendText(convo, 'reply after restart');
    const m = await pending;
    expect(m.seq).toBeGreaterThan(0);
    await until(() => received.includes('reply after restart'), 10_000, 'the reply');
    expect(states).toContain('reconnecting');
    expect(conn.state).toBe('ready');

    const texts = await Promise.all((await b.client.messages(convo.id)).map(async (x) => (await b.messenger.read(x)).text));
    expect(texts.filter((t) => t === 'sent during the outage')).toHaveLength(1);
    conn.close();
    await second.close();
    server = undefined;
  });

  it('sends the server refused for rate (a frame dropped unread) are written again and confirmed, each stored once', async () => {
    // A tight frame rate (20 at once, 600 a minute): a burst of 60 sends is partly dropped unread.
    const tight = await startServer(
      loadConfig({
        env: {},
        cwd: dataDir,
        overrides: {
          dataDir: join(dataDir, 'tight'),
          log: { level: 'silent' },
          mls: { enabled: false },
          server: { host: '127.0.0.1', port: 0 },
          rateLimits: { register: { burst: 1000, perMinute: 1000 }, login: { burst: 1000, perMinute: 1000 } },
          websocket: { connection: { burst: 20, perMinute: 600 } },
        },
      }),
    );
    try {
      const a = await account(tight.url, 'tara');
      const b = await account(tight.url, 'ugo');
      const convo = await a.client.createDirect(b.handle);
      const conn = new Connection({ serverUrl: tight.url, token: a.session.token, webSocket: nodeWebSocket });
      await conn.open();
      const body = (i: number) => Buffer.from(JSON.stringify({ v: 1, text: `burst ${i}` })).toString('base64');
      const sent = await Promise.all(Array.from({ length: 60 }, (_, i) => conn.send(convo.id, body(i), PAYLOAD_CONTENT_TYPE)));
      expect(sent.map((m) => m.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      const stored = await b.client.messages(convo.id, { limit: 100 });
      expect(stored).toHaveLength(60);
      expect(new Set(stored.map((m) => m.clientMessageId)).size).toBe(60);
      conn.close();
    } finally {
      await tight.close();
    }
  }, 60_000);
});
