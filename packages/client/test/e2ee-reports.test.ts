import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, startServer, type RunningServer } from '@haven/server';
import type { ReportRequest } from '@haven/protocol';
import { FAST_SUITE, e2eeUser, readAll, type E2eeUser } from './e2ee-helpers';

// Franked reports of e2ee messages through a real server: a genuine report verifies; forged ones
// (changed plaintext, wrong franking key, a tag of another message or sender) are report.unverified;
// after the server rotates its franking secret, old tags still verify and new ones use the new key.

const dataDir = mkdtempSync(join(tmpdir(), 'haven-franking-'));
let server: RunningServer | undefined;
let port = 0;
const K1 = { k1: Buffer.alloc(32, 1).toString('base64') };
const K2 = { k2: Buffer.alloc(32, 2).toString('base64') };
const start = async (franking: { currentKeyId?: string; secrets?: Record<string, string> }) =>
  (server = await startServer(
    loadConfig({
      env: {},
      cwd: dataDir,
      overrides: {
        dataDir,
        log: { level: 'silent' },
        server: { host: '127.0.0.1', port },
        mls: { allowedSuites: [FAST_SUITE] },
        franking,
        rateLimits: { register: { burst: 1000, perMinute: 1000 }, login: { burst: 1000, perMinute: 1000 } },
      },
    }),
  ));
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function reportOf(u: E2eeUser, messageId: string): Promise<ReportRequest> {
  const rec = await u.engine.record(messageId);
  if (rec?.kind !== 'payload' || !rec.tag) throw new Error('no readable record');
  return {
    messageId: messageId as never,
    reason: 'harassment',
    payload: rec.payload,
    frankingKey: rec.frankingKey,
    commitment: rec.commitment,
    tag: rec.tag,
    context: { senderAccountId: rec.senderAccountId as never, senderDeviceId: rec.senderDeviceId as never, conversationId: rec.conversationId as never, timestamp: rec.tag.timestamp },
  };
}

describe('franked reports', () => {
  it('a genuine report verifies and is stored; forged ones are refused; rotation keeps old tags verifiable', async () => {
    let s = await start({ currentKeyId: 'k1', secrets: K1 });
    port = Number(new URL(s.url).port);
    const a = await e2eeUser(s.url, 'rep');
    const b = await e2eeUser(s.url, 'rec');
    const c = await e2eeUser(s.url, 'oth');
    const convo = await a.messenger.directWith(b.handle);
    const abusive = await a.messenger.sendText(convo, 'an abusive message');
    const other = await a.messenger.sendText(convo, 'another message');
    const fromB = await b.messenger.sendText(convo, 'bob speaking');
    await readAll(b, convo);
    await readAll(a, convo);
    const genuine = await reportOf(b, abusive.id);

    const ok = await b.engine.report(abusive.id, 'harassment');
    expect(ok).toMatchObject({ verified: true });
    const stored = await s.services.db.selectFrom('franked_reports').selectAll().where('id', '=', ok.id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ message_id: abusive.id, sender_account_id: a.accountId, sender_device_id: a.deviceId, reporter_account_id: b.accountId, reason: 'harassment' });
    expect(JSON.parse(stored.payload)).toEqual({ v: 1, text: 'an abusive message' });

    const refused = async (r: ReportRequest) => {
      const e = await b.client.report(r).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'report.unverified' });
    };
    // Changed plaintext.
    await refused({ ...genuine, payload: { v: 1, text: 'an abusive message!' } });
    // Wrong franking key (another message's).
    const second = await reportOf(b, other.id);
    await refused({ ...genuine, frankingKey: second.frankingKey });
    // The tag of another message.
    await refused({ ...genuine, tag: second.tag });
    // Another sender (blaming carol, or another device) or another conversation or time.
    await refused({ ...genuine, context: { ...genuine.context, senderAccountId: c.accountId as never } });
    await refused({ ...genuine, context: { ...genuine.context, senderDeviceId: b.deviceId as never } });
    await refused({ ...genuine, context: { ...genuine.context, timestamp: genuine.context.timestamp + 1 }, tag: { ...genuine.tag, timestamp: genuine.context.timestamp + 1 } });
    // A tag of another sender's message, with this plaintext and key.
    const bobs = await reportOf(a, fromB.id);
    await refused({ ...genuine, tag: bobs.tag, context: bobs.context });
    // An unknown key id.
    await refused({ ...genuine, tag: { ...genuine.tag, keyId: 'nope' } });
    expect(await s.services.db.selectFrom('franked_reports').select('id').execute()).toHaveLength(1);

    expect(genuine.tag.keyId).toBe('k1');
    // Rotation: k2 becomes current; k1 stays to verify older tags.
    await s.close();
    s = await start({ currentKeyId: 'k2', secrets: { ...K1, ...K2 } });
    expect((await b.client.report(genuine)).verified).toBe(true);
    const later = await a.messenger.sendText(convo, 'after rotation');
    expect(later.franking?.keyId).toBe('k2');
    await readAll(b, convo);
    expect((await b.engine.report(later.id, 'other')).verified).toBe(true);
    // Retiring k1 makes its tags unverifiable; k2's still verify.
    await s.close();
    s = await start({ currentKeyId: 'k2', secrets: K2 });
    await refused(genuine);
    expect((await b.client.report(await reportOf(b, later.id))).verified).toBe(true);
  }, 90_000);

  it('issue 13.4: a proof is tied to its message: wrong id, unknown id, non-recipient, repeats', async () => {
    await server?.close();
    const s = await start({ currentKeyId: 'k1', secrets: K1 });
    port = Number(new URL(s.url).port);
    const a = await e2eeUser(s.url, 'tia');
    const b = await e2eeUser(s.url, 'tib');
    const c = await e2eeUser(s.url, 'tic');
    const convo = await a.messenger.directWith(b.handle);
    const x = await a.messenger.sendText(convo, 'message x');
    const y = await a.messenger.sendText(convo, 'message y');
    await readAll(b, convo);
    const proofY = await reportOf(b, y.id);
    const count = async () => (await s.services.db.selectFrom('reports').select('id').execute()).length;
    const before = await count();
    // Y's proof filed under X's id: the proof is not X's.
    expect(await b.client.report({ ...proofY, messageId: x.id }).catch((e: { code: string }) => e.code)).toBe('report.unverified');
    // Under an id that does not exist: no such message (nothing stored, nothing said about Y).
    expect(await b.client.report({ ...proofY, messageId: '00000000-0000-4000-8000-000000000000' as never }).catch((e: { code: string }) => e.code)).toBe('message.not_found');
    // Replayed by someone who is not a member, and by the sender.
    expect(await c.client.report(proofY).catch((e: { code: string }) => e.code)).toBe('message.not_found');
    expect(await a.client.report(proofY).catch((e: { code: string }) => e.code)).toBe('message.not_found');
    expect(await count()).toBe(before);
    // Three times by the recipient: one report.
    const first = await b.client.report(proofY);
    expect((await b.client.report(proofY)).id).toBe(first.id);
    expect(await b.client.report(proofY)).toMatchObject({ id: first.id, duplicate: true });
    expect(await count()).toBe(before + 1);
    // Without its proof, an e2ee message cannot be reported from the server's copy (it holds ciphertext).
    expect(await b.client.fileReport({ target: { kind: 'message', messageId: x.id }, reason: 'spam' }).catch((e: { code: string }) => e.code)).toBe('report.needs_proof');
    const stored = await s.services.db.selectFrom('reports').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ message_id: y.id, subject_account_id: a.accountId, reporter_account_id: b.accountId, verified_by: 'franking' });
  }, 90_000);
});
