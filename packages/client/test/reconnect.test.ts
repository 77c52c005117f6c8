import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
});
