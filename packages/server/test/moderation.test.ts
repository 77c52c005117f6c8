import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashImageBuffer } from '@haven/pdq/node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../testing/env';
import { readAudit, verifyRows } from '../src/admin/audit';
import { loadConfig } from '../src/config/load';
import { mediaPolicyInspector } from '../src/detection/inspector';
import { evidenceContent } from '../src/moderation/evidence.node.ts';
import { startServer } from '../src/server';
import { createAccount } from '../src/services/accounts';
import type { Caller } from '../src/services/context';
import { startTestServer, type TestServer } from '../src/testing.node.ts';
import { PG, createPgDatabase } from './databases';
import { patternImage } from './images';

// Issue 9 inside the server: hash matches open cases (M1 urgent for a child; a device claim M4, hashes
// only), images of a case are shown blurred and greyscale unless revealed (audited, counted), and a purge
// killed with SIGKILL half-way leaves every case untouched or fully purged, and a rerun finishes.

describe('detections raise cases; moderators see images blurred (H)', () => {
  let server: TestServer;
  let dir: string;
  let known: Buffer;
  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'haven-modtest-'));
    known = await patternImage(42);
    writeFileSync(join(dir, 'known.txt'), `${(await hashImageBuffer(known)).hash}\n`);
    expect((await server.services.hashLists.store.import(join(dir, 'known.txt'), { name: 'known', source: 'test' })).ok).toBe(true);
    await server.services.hashLists.reload();
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  const account = async (birthDate: string, role: 'user' | 'moderator' = 'user') => {
    const handle = `m${++n}x${Date.now().toString(36)}`;
    const a = await createAccount(server.services.db, new Date(), { handle: handle as never, password: 'a long password', birthDate, role });
    const caller: Caller = { accountId: a.id, deviceId: randomUUID(), handle, displayName: null, role, tokenHash: '', expiresAt: new Date(8.64e15) };
    return { ...a, caller };
  };
  const inject = async (method: 'GET' | 'POST', url: string, token: string, body?: unknown) => {
    const r = await server.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
    return { status: r.statusCode, body: JSON.parse(r.body) as any };
  };
  const login = async (handle: string) => (await server.app.inject({ method: 'POST', url: '/v1/sessions', payload: { handle, password: 'a long password' } })).json().token as string;

  it('M1: a server match sent to a child opens an urgent case with the quarantined image as evidence; the image is blurred unless revealed', async () => {
    const adult = await account('1980-01-01');
    const kid = await account('2011-01-01');
    const mod = await account('1980-01-01', 'moderator');
    const db = server.services.db;
    // A direct conversation between them (as the routes would make it, contacts first).
    const conv = randomUUID();
    await db.insertInto('conversations').values({ id: conv, kind: 'direct', title: null, mode: 'visible', mode_reason_code: 'mode.member_under_18', created_by: adult.id, direct_key: `${adult.id}:${kid.id}:visible` }).execute();
    await db.insertInto('conversation_members').values([{ conversation_id: conv, account_id: adult.id, joined_seq: 0 }, { conversation_id: conv, account_id: kid.id, joined_seq: 0 }]).execute();
    const row = await db.selectFrom('conversations').selectAll().where('id', '=', conv).executeTakeFirstOrThrow();
    const p = join(dir, 'upload');
    writeFileSync(p, known);
    const inspect = mediaPolicyInspector(server.services, { maxBytes: 1 << 20 });
    await expect(inspect({ staged: { tmpPath: p, size: known.length, sha256: '', read: async () => known }, conversation: row, caller: adult.caller, mediaId: 'm1' })).rejects.toMatchObject({ code: 'media.blocked' });

    const token = await login(mod.handle);
    const q = await inject('GET', '/v1/mod/cases', token);
    const c = q.body.cases.find((x: { subject: { id: string } }) => x.subject.id === adult.id);
    expect(c).toMatchObject({ priority: 'urgent', priorityRule: 'M1', items: 1 });
    const detail = await inject('GET', `/v1/mod/cases/${c.id}`, token);
    expect(detail.body.itemList[0]).toMatchObject({ kind: 'detection', verifiedBy: 'server-hash-match' });
    const [ev] = detail.body.evidence;
    expect(ev).toMatchObject({ kind: 'detection', isImage: true, pdq: (await hashImageBuffer(known)).hash });

    // Blurred and greyscale by default; not counted as a reveal.
    const soft = await evidenceContent(server.services, mod.caller, ev.id, false);
    expect(soft.blurred).toBe(true);
    const meta = await sharp(Buffer.from(soft.base64, 'base64')).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.channels).toBe(1);
    expect(soft.reveals.today).toBe(0);
    // The original only on reveal: the same bytes that were uploaded; audited and counted.
    const orig = await evidenceContent(server.services, mod.caller, ev.id, true);
    expect(orig.blurred).toBe(false);
    expect(Buffer.from(orig.base64, 'base64').equals(known)).toBe(true);
    expect(orig.reveals.today).toBe(1);
    const audit = await readAudit(db);
    expect(audit.filter((e) => e.target === `evidence:${ev.id}`).map((e) => e.action)).toEqual(['evidence.view', 'evidence.reveal']);
    // A user is refused the evidence route.
    const userToken = await login(kid.handle);
    expect((await inject('GET', `/v1/mod/evidence/${ev.id}`, userToken)).status).toBe(403);
  });

  it('M4: a device claim raises a normal case with hashes only', async () => {
    const a = await account('1980-01-01');
    const b = await account('1981-01-01');
    const mod = await account('1980-01-01', 'moderator');
    const db = server.services.db;
    const conv = randomUUID();
    await db.insertInto('conversations').values({ id: conv, kind: 'direct', title: null, mode: 'e2ee', mode_reason_code: 'mode.adults', created_by: a.id, direct_key: `${a.id}:${b.id}:e2ee` }).execute();
    await db.insertInto('conversation_members').values([{ conversation_id: conv, account_id: a.id, joined_seq: 0 }, { conversation_id: conv, account_id: b.id, joined_seq: 0 }]).execute();
    const r = await inject('POST', '/v1/detections', await login(a.handle), { source: 'client-outgoing', conversationId: conv, list: 'known', entryIndex: 0, distance: 3, sha256: 'c'.repeat(64) });
    expect(r.status).toBe(201);
    const token = await login(mod.handle);
    const c = (await inject('GET', '/v1/mod/cases', token)).body.cases.find((x: { subject: { id: string } }) => x.subject.id === a.id);
    expect(c).toMatchObject({ priority: 'normal', priorityRule: 'M4' });
    const detail = await inject('GET', `/v1/mod/cases/${c.id}`, token);
    expect(detail.body.itemList[0]).toMatchObject({ kind: 'detection', verifiedBy: 'device-claim' });
    expect(detail.body.evidence).toMatchObject([{ kind: 'metadata', contentType: 'application/json', isImage: false }]);
  });
});

describe.skipIf(!PG.available)(`a purge killed with SIGKILL reruns cleanly (PostgreSQL)${PG.available ? '' : ` (skipped: ${PG.reason})`}`, () => {
  it('every case is untouched or fully purged after the kill; the rerun finishes with one proof per case and an intact chain', async () => {
    const database = await createPgDatabase('haven_purge');
    const dataDir = mkdtempSync(join(tmpdir(), 'haven-purge-'));
    const messageKey = randomBytes(32).toString('base64');
    const config = loadConfig({ env: {}, overrides: { dataDir, database: { url: database.url }, storage: { messageKey }, log: { level: 'silent' }, server: { host: '127.0.0.1', port: 0 } } });
    try {
      let server = await startServer(config);
      const db = server.services.db;
      const subject = await createAccount(db, new Date(), { handle: 'purgesubject' as never, password: 'a long password', birthDate: '1980-01-01' });
      const past = new Date(Date.now() - 86_400_000);
      const CASES = 400;
      const caseIds: string[] = [];
      for (let i = 0; i < CASES; i += 100) {
        const batch = Array.from({ length: 100 }, () => randomUUID());
        caseIds.push(...batch);
        await db
          .insertInto('cases')
          .values(batch.map((id) => ({ id, subject_account_id: subject.id, status: 'closed' as const, outcome: 'no_violation' as const, priority: 'low' as const, priority_rank: 4, priority_rule: 'M6', due_at: past, assignee_id: null, claimed_at: null, evidence_retain_until: past, evidence_purged_at: null, created_at: past, updated_at: past })))
          .execute();
        await db
          .insertInto('evidence')
          .values(batch.flatMap((caseId) => [0, 1].map((k) => { const id = randomUUID(); return { id, case_id: caseId, item_id: null, kind: 'metadata' as const, name: `f${k}.json`, content_type: 'application/json', size: 2, sha256: `${k}`.repeat(64), md5: `${k}`.repeat(32), pdq: null, sealed: server.services.sealer.seal(Buffer.from('{}'), id, caseId), metadata: '{}', created_at: past }; })))
          .execute();
      }
      await server.close();

      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'packages/server/test/purge-child.ts')], {
        cwd: REPO_ROOT,
        env: { ...process.env, PURGE_DATA_DIR: dataDir, PURGE_DATABASE_URL: database.url, PURGE_MESSAGE_KEY: messageKey },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the purge did not start:\n${out}`)), 60_000);
        const check = setInterval(() => {
          if ((out.match(/^purged /gm) ?? []).length >= 20 || /done/.test(out)) {
            clearInterval(check);
            clearTimeout(timer);
            resolve();
          }
        }, 5);
      });
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(out).not.toContain('done');

      server = await startServer(config);
      const state = async () => {
        const cases = await server.services.db.selectFrom('cases').select(['id', 'evidence_purged_at']).where('id', 'in', caseIds).execute();
        const sealed = await server.services.db.selectFrom('evidence').select(['case_id', 'sealed']).where('case_id', 'in', caseIds).execute();
        const proofs = (await readAudit(server.services.db)).filter((e) => e.action === 'evidence.purge');
        return { cases, sealed, proofs };
      };
      const mid = await state();
      const purgedIds = new Set(mid.cases.filter((c) => c.evidence_purged_at).map((c) => c.id));
      expect(purgedIds.size).toBeGreaterThan(0);
      expect(purgedIds.size).toBeLessThan(CASES);
      // Nothing half-deleted: a purged case has no sealed bytes left and exactly one proof; the others all of theirs and none.
      for (const e of mid.sealed) expect(e.sealed === null).toBe(purgedIds.has(e.case_id));
      expect(mid.proofs.map((p) => p.target).sort()).toEqual([...purgedIds].map((id) => `case:${id}`).sort());

      const { purgeExpired } = await import('../src/moderation/evidence.node.ts');
      const rerun = await purgeExpired(server.services, { id: null, handle: 'system:retention' });
      expect(rerun.purgedCases.length).toBe(CASES - purgedIds.size);
      const end = await state();
      expect(end.cases.every((c) => c.evidence_purged_at)).toBe(true);
      expect(end.sealed.every((e) => e.sealed === null)).toBe(true);
      expect(new Set(end.proofs.map((p) => p.target)).size).toBe(CASES);
      expect(end.proofs).toHaveLength(CASES);
      expect(JSON.parse(end.proofs[0]!.details).files).toHaveLength(2);
      expect(verifyRows(await readAudit(server.services.db)).ok).toBe(true);
      await server.close();
    } finally {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
