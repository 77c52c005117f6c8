import { startTestServer, type TestServer } from '@haven/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, nodeWebSocket, type ConnectionState } from '../src/index.node';
import { account } from './helpers';

// A device reading a long backlog acknowledges every message it has processed. It used to write one `ack`
// frame per message: on a fast machine 800 of them ran past the server's frame rate (burst 200, then 100
// a second), frames were refused, and after 100 refusals in a row the server closed the connection
// mid-backlog (`haven inbox` failed with "The connection closed before the backlog was delivered").
// The server here has its default WebSocket limits.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ mls: { enabled: false } });
}, 180_000);
afterAll(() => server?.close());

describe('acknowledging a long backlog', () => {
  it('a device that acks each of 800 messages as it reads them stays connected, is synced, and its cursor is at the last', async () => {
    const a = await account(server.url, 'ackalice');
    const b = await account(server.url, 'ackbob');
    const convo = await a.messenger.directWith(b.handle);
    const N = 800;
    for (let from = 0; from < N; from += 50)
      await Promise.all(Array.from({ length: Math.min(50, N - from) }, (_, i) => a.messenger.sendText(convo, `m${from + i}`)));

    const conn = new Connection({ serverUrl: server.url, token: b.session.token, webSocket: nodeWebSocket, reconnect: false });
    const states: ConnectionState[] = [];
    const errors: string[] = [];
    let last = 0;
    conn.on('state', (s) => states.push(s));
    conn.on('error', (e) => errors.push(e.code));
    conn.on('message', (m) => {
      last = Math.max(last, m.seq);
      conn.ack(m.conversationId, m.seq);
    });
    await conn.open();
    await conn.synced();
    await conn.ping(); // every ack written before it has been stored
    expect(last).toBe(N);
    expect(states).not.toContain('closed');
    expect(errors).toEqual([]);
    expect((await b.client.ack(convo.id, 0)).ackedSeq).toBe(N);
    conn.close();
  }, 120_000);
});
