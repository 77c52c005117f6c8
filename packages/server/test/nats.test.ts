import { mkdtempSync, rmSync } from 'node:fs';
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
