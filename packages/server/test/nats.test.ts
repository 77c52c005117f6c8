import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nats } from '../../../testing/env';
import { startChildServer, type ChildServer } from './child-server';
import { createPgDatabase, PG } from './databases';
import { b64, directConversation, registerUser, unb64 } from './http-client';
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
const NATS_BIN = '/usr/sbin/nats-server';
describe.skipIf(skip || !existsSync(NATS_BIN))(`a node when NATS restarts${skip ? ` (skipped: ${reason})` : !existsSync(NATS_BIN) ? ` (skipped: ${NATS_BIN} is not installed)` : ''}`, () => {
  it('readyz says disconnected (503) while NATS is down, connected after, and live delivery resumes', async () => {
    const port = await freePort();
    const startNats = (): ChildProcess => spawn(NATS_BIN, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
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
      natsProc.kill('SIGKILL');
      await waitFor(async () => (await ready()).fanout === 'disconnected');
      expect(await ready()).toEqual({ status: 503, fanout: 'disconnected' });
      natsProc = startNats();
      await waitFor(async () => (await ready()).fanout === 'connected', 20_000);
      // Live delivery through the reconnected NATS.
      const alice = await registerUser(node.url);
      const bob = await registerUser(node.url);
      const conv = await directConversation(node.url, alice.token, bob.account.handle);
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

async function waitFor(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${ms} ms`);
}
