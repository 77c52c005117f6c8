import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from './child-server';
import { createPgDatabase, PG } from './databases';
import { call, directConversation, registerUser, sendText, unb64 } from './http-client';
import { FrameClient } from './ws-client';

// A message the server accepted survives `kill -9` before delivery, and reaches the recipient exactly once.

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

const targets = [
  { name: 'pglite', skip: false, reason: '' },
  { name: 'postgres', skip: !PG.available, reason: PG.reason },
];

describe('durability', () => {
  let servers: ChildServer[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    servers = [];
    for (const c of cleanups.splice(0)) await c();
  });

  for (const t of targets) {
    it.skipIf(t.skip)(`kill -9 after accepting a message, before delivery: delivered once after restart (${t.name})${t.skip ? ` (skipped: ${t.reason})` : ''}`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'haven-durable-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const args = ['--data-dir', dataDir];
      if (t.name === 'postgres') {
        const db = await createPgDatabase();
        cleanups.push(() => db.drop());
        args.push('--database-url', db.url);
      }
      const first = await startChildServer(args);
      servers.push(first);
      const alice = await registerUser(first.url);
      const bob = await registerUser(first.url);
      const conv = await directConversation(first.url, alice.token, bob.account.handle);
      const marker = `durable-marker-${Date.now()}`;
      expect((await sendText(first.url, alice.token, conv.id, marker, 'durable-client-id')).status).toBe(201);
      await first.kill('SIGKILL');

      const second = await startChildServer(args);
      servers.push(second);
      // The sender's retry after the crash is recognised, not stored twice.
      const retry = await sendText(second.url, alice.token, conv.id, marker, 'durable-client-id');
      expect(retry.status).toBe(200);
      const b = await FrameClient.connect(second.url, bob.token);
      expect(b.messages().map((m) => unb64(m.body))).toEqual([marker]);
      b.send({ type: 'ack', conversationId: conv.id, seq: b.messages()[0]!.seq });
      b.send({ type: 'ping' });
      await b.next((f) => f.type === 'pong');
      b.close();
      await b.waitClose();
      const again = await FrameClient.connect(second.url, bob.token);
      expect(again.messages()).toEqual([]);
      again.close();
      expect((await call(second.url, 'GET', `/v1/conversations/${conv.id}/messages`, undefined, bob.token)).body.messages).toHaveLength(1);

      // Neither the data directory nor the logs hold the text, the password or the token in clear.
      await second.kill('SIGTERM');
      const needles = [marker, alice.password, alice.token, bob.token].map((s) => Buffer.from(s));
      for (const f of files(dataDir)) {
        const content = readFileSync(f);
        for (const n of needles) expect(content.includes(n), `${n.toString()} found in ${f}`).toBe(false);
      }
      for (const s of [first, second]) for (const n of needles) expect(s.output().includes(n.toString())).toBe(false);
    }, 90_000);
  }
});
