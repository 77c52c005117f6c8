import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nats, natsServerBinary } from '../../../testing/env';
import { canConnect, freePort, waitFor } from '../../../testing/private-services';
import { startChildServer, type ChildServer } from './child-server';
import { createPgDatabase, PG } from './databases';
import { b64, directConversation, registerUser, sendText, unb64 } from './http-client';
import { FrameClient } from './ws-client';

// Two server processes on one PostgreSQL and one NATS: a client on node A sends, a client on node B receives.

const NATS = nats();
const skip = !PG.available || !NATS.available;
const reason = [PG, NATS].filter((d) => !d.available).map((d) => d.reason).join('; ');

describe.skipIf(skip)(`several nodes over NATS${skip ? ` (skipped: ${reason})` : ''}`, () => {
  let a: ChildServer;
  let b: ChildServer;
  let drop: () => Promise<void>;
  const dirs: string[] = [];
  beforeAll(async () => {
    const db = await createPgDatabase();
    drop = db.drop;
    const key = Buffer.alloc(32, 3).toString('base64');
    const node = async () => {
      const dir = mkdtempSync(join(tmpdir(), 'haven-node-'));
      dirs.push(dir);
      return startChildServer(['--data-dir', dir, '--database-url', db.url, '--nats-url', NATS.value], { HAVEN_MESSAGE_KEY: key });
    };
    [a, b] = await Promise.all([node(), node()]);
  }, 60_000);
  afterAll(async () => {
    await a?.kill();
    await b?.kill();
    await drop?.();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('delivers live between clients on different nodes, and to the sender\'s device on the other node', async () => {
    const alice = await registerUser(a.url);
    const bob = await registerUser(b.url);
    const conv = await directConversation(a.url, alice.token, bob.account.handle);
    const onA = await FrameClient.connect(a.url, alice.token);
    const onB = await FrameClient.connect(b.url, bob.token);
    onA.send({ type: 'send', conversationId: conv.id, clientMessageId: 'cross-node-1', body: b64('across nodes') });
    const got = await onB.next((f) => f.type === 'message');
    expect(got.type === 'message' && unb64(got.message.body)).toBe('across nodes');
    onB.send({ type: 'send', conversationId: conv.id, clientMessageId: 'cross-node-2', body: b64('and back') });
    const back = await onA.next((f) => f.type === 'message');
    expect(back.type === 'message' && unb64(back.message.body)).toBe('and back');
    onA.close();
    onB.close();
  });
});

// Readiness follows NATS: a node whose NATS goes away is not ready, and is again once it is back; live
// delivery resumes without restarting the node. A private nats-server on a free port, so the shared one
// other tests use is never touched.
const NATS_BIN = natsServerBinary();
describe.skipIf(skip || !NATS_BIN.available)(`a node when NATS restarts${skip ? ` (skipped: ${reason})` : !NATS_BIN.available ? ` (skipped: ${NATS_BIN.reason})` : ''}`, () => {
  it('readyz says disconnected (503) while NATS is down, connected after; sends are stored meanwhile, connections are told to catch up (1012), and live delivery resumes', async () => {
    const port = await freePort();
    const startNats = (): ChildProcess => spawn(NATS_BIN.value, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    let natsProc = startNats();
    const db = await createPgDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'haven-node-'));
    let node: ChildServer | undefined;
    try {
      await waitFor(() => canConnect(port));
      node = await startChildServer(['--data-dir', dir, '--database-url', db.url, '--nats-url', `nats://127.0.0.1:${port}`], { HAVEN_MESSAGE_KEY: Buffer.alloc(32, 4).toString('base64') });
      const ready = async () => {
        const r = await fetch(`${node!.url}/readyz`);
        return { status: r.status, fanout: ((await r.json()) as { fanout: string }).fanout };
      };
      expect(await ready()).toEqual({ status: 200, fanout: 'connected' });
      const alice = await registerUser(node.url);
      const bob = await registerUser(node.url);
      const conv = await directConversation(node.url, alice.token, bob.account.handle);
      const live = await FrameClient.connect(node.url, bob.token);
      natsProc.kill('SIGKILL');
      await waitFor(async () => (await ready()).fanout === 'disconnected');
      expect(await ready()).toEqual({ status: 503, fanout: 'disconnected' });
      // A send while NATS is down is stored and answered (live delivery is what waits).
      const during = await sendText(node.url, alice.token, conv.id, 'while NATS was down', 'during-nats-outage');
      expect(during.status).toBe(201);
      natsProc = startNats();
      await waitFor(async () => (await ready()).fanout === 'connected', 20_000);
      // Events published meanwhile may be lost: the node closes its connections with 1012 so that each
      // device reconnects and reads its backlog, which has the message.
      expect((await live.waitClose(10_000)).code).toBe(1012);
      const again = await FrameClient.connect(node.url, bob.token);
      const caught = again.messages().find((m) => m.clientMessageId === 'during-nats-outage');
      expect(caught && unb64(caught.body)).toBe('while NATS was down');
      again.send({ type: 'ack', conversationId: conv.id, seq: caught!.seq });
      again.send({ type: 'ping', ref: 'acked' });
      await again.next((f) => f.type === 'pong');
      again.close();
      // Live delivery through the reconnected NATS.
      const onB = await FrameClient.connect(node.url, bob.token);
      const onA = await FrameClient.connect(node.url, alice.token);
      onA.send({ type: 'send', conversationId: conv.id, clientMessageId: 'after-nats-restart', body: b64('still here') });
      const got = await onB.next((f) => f.type === 'message');
      expect(got.type === 'message' && unb64(got.message.body)).toBe('still here');
      onA.close();
      onB.close();
    } finally {
      await node?.kill();
      natsProc.kill('SIGKILL');
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
