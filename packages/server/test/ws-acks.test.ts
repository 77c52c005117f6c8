import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import type { ServerFrame } from '@haven/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.node.ts';
import { handleConnection } from '../src/ws/connection';
import { createPgDatabase, PG } from './databases';
import { call, directConversation, registerUser, sendText } from './http-client';

// Issue 13, item 10 (server side): acks that arrive while the backlog is still being sent are stored as
// they arrive, not queued behind the backlog (where a crash before its end lost them all). The device
// here is a socket that takes the first backlog frame and then stops reading (its writes never
// complete), so the backlog cannot finish; the ack it sent must be stored all the same.

/** A socket whose peer stops reading after `readable` frames: later sends never complete. */
class StalledSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly frames: ServerFrame[] = [];
  constructor(private readable: number) {
    super();
  }
  send(data: string, cb?: () => void): void {
    this.frames.push(JSON.parse(data) as ServerFrame);
    if (this.frames.filter((f) => f.type === 'message').length <= this.readable || !data.includes('"type":"message"')) cb?.();
  }
  close(): void {
    this.terminate();
  }
  terminate(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close', 1006, Buffer.from(''));
  }
  frame(f: unknown): void {
    this.emit('message', Buffer.from(JSON.stringify(f)), false);
  }
}

describe.each([
  { name: 'pglite', skip: false, reason: '' },
  { name: 'postgres', skip: !PG.available, reason: PG.reason },
])('acks during the backlog ($name)', ({ name, skip, reason }) => {
  let server: TestServer;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (skip) return;
    const database = name === 'postgres' ? await createPgDatabase() : undefined;
    drop = database?.drop;
    server = await startTestServer({ mls: { enabled: false }, ...(database ? { database: { url: database.url } } : {}) });
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  it.skipIf(skip)(`an ack sent while the backlog is still being sent is stored at once${skip ? ` (skipped: ${reason})` : ''}`, async () => {
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url);
    const convo = await directConversation(server.url, alice.token, bob.account.handle);
    for (let i = 0; i < 5; i++) expect((await sendText(server.url, alice.token, convo.id, `m${i}`)).status).toBe(201);

    const sock = new StalledSocket(1);
    handleConnection(sock as unknown as WebSocket, server.services);
    sock.frame({ type: 'hello', token: bob.token });
    const end = Date.now() + 10_000;
    while (!sock.frames.some((f) => f.type === 'message') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const first = sock.frames.find((f) => f.type === 'message');
    if (first?.type !== 'message') throw new Error('no backlog message');
    sock.frame({ type: 'ack', conversationId: convo.id, seq: first.message.seq });

    // Acknowledging seq 0 over HTTP moves nothing and answers the stored cursor.
    const stored = async () => (await call<{ ackedSeq: number }>(server.url, 'POST', `/v1/conversations/${convo.id}/ack`, { seq: 0 }, bob.token)).body.ackedSeq;
    while ((await stored()) !== first.message.seq && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(await stored()).toBe(first.message.seq);
    // The backlog is still stuck behind the device that stopped reading: no `synced` yet.
    expect(sock.frames.filter((f) => f.type === 'message')).toHaveLength(2);
    expect(sock.frames.some((f) => f.type === 'synced')).toBe(false);
    sock.terminate();
  }, 60_000);
});
