import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, loadConfig, startServer, type RunningServer } from '@haven/server';
import { HavenClient, Messenger } from '../src/index.node';
import { postgres } from '../../../testing/env';
import { createPgDatabase } from '../../../testing/postgres';
import { PASSWORD, code, handle } from './helpers';
import { child, names, parseXml } from './xml';

// Issue 9 end to end, through a real server and the SDK, on PGlite and PostgreSQL: a child reports an
// adult's visible message; moderators see it in the queue, claim (never two at once), act, hear the
// appeal (a different moderator), refer and export; the XML is checked element by element; reporters
// and the actioned user are told; evidence is purged after retention (proof in the audit log) and an
// export of a purged case fails clearly. Every refusal is an attack that must fail.

const PG = postgres();
const DAY = 86_400_000;

describe.each([
  { name: 'pglite', skip: false, reason: '' },
  { name: 'postgres', skip: !PG.available, reason: PG.reason },
])('moderation flow ($name)', ({ name, skip, reason }) => {
  const skipped = skip ? ` (skipped: ${reason})` : '';
  let server: RunningServer;
  let dataDir: string;
  let drop: (() => Promise<void>) | undefined;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);

  beforeAll(async () => {
    if (skip) return;
    const db = name === 'postgres' ? await createPgDatabase('haven_mod') : undefined;
    drop = db?.drop;
    dataDir = await mkdtemp(join(tmpdir(), 'haven-mod-'));
    const overrides = {
      dataDir,
      log: { level: 'silent' as const },
      server: { host: '127.0.0.1', port: 0 },
      rateLimits: { register: { burst: 1000, perMinute: 1000 }, login: { burst: 1000, perMinute: 1000 } },
      moderation: { evidenceRetentionDays: 1 },
      ...(db ? { database: { url: db.url } } : {}),
    };
    server = await startServer(loadConfig({ env: {}, cwd: dataDir, overrides }), { now });
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const staff = async (base: string, role: 'moderator' | 'admin') => {
    const h = handle(base);
    await createAccount(server.services.db, new Date(), { handle: h as never, password: PASSWORD, birthDate: '1980-01-01', role });
    const client = new HavenClient({ serverUrl: server.url });
    await client.login({ handle: h, password: PASSWORD });
    return { client, handle: h };
  };
  const user = async (base: string, birthDate: string, region?: string) => {
    const client = new HavenClient({ serverUrl: server.url });
    const s = await client.register({ handle: handle(base) as never, password: PASSWORD, birthDate, ...(region ? { region } : {}) });
    return { client, handle: s.account.handle, id: s.account.id, messenger: new Messenger(client) };
  };
  const count = async (table: 'reports' | 'cases' | 'evidence') => Number((await server.services.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it.skipIf(skip)(`a child report is queued, claimed, acted on, appealed, referred, exported and purged${skipped}`, async () => {
    const mod1 = await staff('moda', 'moderator');
    const mod2 = await staff('modb', 'moderator');
    const admin = await staff('adm', 'admin');
    const alice = await user('alice', '1985-01-01', 'Surrey');
    const kid = await user('kid', '2011-05-05', 'Thames Valley');
    const carol = await user('carol', '1990-02-02');
    await kid.client.requestContact(alice.handle);
    await alice.client.acceptContact(kid.handle);
    const convo = await alice.messenger.directWith(kid.handle);
    expect(convo.mode).toBe('visible');
    const sent = await alice.messenger.sendText(convo, 'send me a photo, keep it secret');
    const [received] = await kid.client.messages(convo.id);
    expect(received!.id).toBe(sent.id);

    // Attacks on reports: an id that does not exist, another conversation's message, one's own message.
    const before = await count('reports');
    expect(await code(kid.client.fileReport({ target: { kind: 'message', messageId: '00000000-0000-4000-8000-000000000000' as never }, reason: 'grooming' }))).toBe('message.not_found');
    expect(await code(carol.client.fileReport({ target: { kind: 'message', messageId: sent.id }, reason: 'spam' }))).toBe('message.not_found');
    expect(await code(alice.client.fileReport({ target: { kind: 'message', messageId: sent.id }, reason: 'spam' }))).toBe('message.not_found');
    // An account the reporter never had contact with reads like a handle that does not exist.
    expect(await code(carol.client.fileReport({ target: { kind: 'account', handle: kid.handle as never }, reason: 'spam' }))).toBe('account.not_found');
    expect(await count('reports')).toBe(before);
    expect(await count('cases')).toBe(0);

    // The child reports: accepted from the server's own copy, acknowledged with Childline.
    const ack = await kid.client.fileReport({ target: { kind: 'message', messageId: sent.id }, reason: 'grooming', note: 'he asked me to keep it secret' });
    expect(ack).toMatchObject({ verified: true, duplicate: false });
    expect(ack.acknowledgement.expectedWithin).toBe('4 hours');
    expect(JSON.stringify(ack.help)).toContain('0800 1111');
    // The same report twice is one report.
    const again = await kid.client.fileReport({ target: { kind: 'message', messageId: sent.id }, reason: 'harassment' });
    expect(again).toMatchObject({ id: ack.id, duplicate: true });
    expect(await count('reports')).toBe(before + 1);
    expect(await kid.client.myReports()).toMatchObject([{ id: ack.id, reason: 'grooming', status: 'received', notifyOutcome: true }]);

    // Roles: a user (the child) cannot read the queue or a case.
    expect(await code(kid.client.modQueue())).toBe('auth.forbidden');

    // The queue: one case about alice, high priority by M2 (a child's report about an adult).
    const q = await mod1.client.modQueue();
    expect(q.cases).toHaveLength(1);
    const c = q.cases[0]!;
    expect(c).toMatchObject({ subject: { handle: alice.handle, ageBand: 'adult' }, status: 'open', priority: 'high', priorityRule: 'M2', items: 1, assignee: null });
    expect(await code(kid.client.modCase(c.id))).toBe('auth.forbidden');
    const shown = await mod1.client.modCase(c.id);
    expect(shown.itemList[0]).toMatchObject({ kind: 'report', reason: 'grooming', note: 'he asked me to keep it secret', verifiedBy: 'server-copy', content: { text: 'send me a photo, keep it secret' }, reporter: { handle: kid.handle, ageBand: 'child' } });
    expect(shown.evidence).toHaveLength(1);
    expect(shown.evidence[0]!.sha256).toBe(createHash('sha256').update(JSON.stringify({ v: 1, text: 'send me a photo, keep it secret' })).digest('hex'));

    // Claims: both moderators at once, many times: exactly one ever holds the case.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => code((i % 2 ? mod1 : mod2).client.modClaim(c.id)).then((r) => ({ who: i % 2 ? 'mod1' : 'mod2', r }))));
    const winners = new Set(results.filter((x) => x.r === 'ok').map((x) => x.who));
    expect(winners.size).toBe(1);
    expect(results.filter((x) => x.r !== 'ok').every((x) => x.r === 'case.claimed')).toBe(true);
    const holder = winners.has('mod1') ? mod1 : mod2;
    const other = holder === mod1 ? mod2 : mod1;
    expect(await code(other.client.modAct(c.id, { action: 'warn', reason: 'grooming' }))).toBe('case.claimed');
    expect(await code(other.client.modRelease(c.id))).toBe('case.claimed');
    await holder.client.modRelease(c.id);
    expect(await code(mod1.client.modAct(c.id, { action: 'warn', reason: 'grooming' }))).toBe('case.not_claimed');
    await mod1.client.modClaim(c.id);

    // The decision: alice is told and can appeal once; the child is told the outcome.
    const acted = await mod1.client.modAct(c.id, { action: 'warn', reason: 'grooming', note: 'first warning' });
    expect(acted).toMatchObject({ status: 'actioned', outcome: 'actioned', decisions: [{ action: 'warn', reason: 'grooming', moderator: mod1.handle }] });
    const [decision] = await alice.client.myDecisions();
    expect(decision).toMatchObject({ action: 'warn', reason: 'grooming', appeal: null });
    expect((await alice.client.notices()).map((n) => n.event)).toContain('moderation.decision');
    const kidNotices = await kid.client.notices();
    expect(kidNotices.find((n) => n.event === 'report.outcome')?.data).toMatchObject({ reportId: ack.id, outcome: 'actioned' });
    expect(await kid.client.myReports()).toMatchObject([{ id: ack.id, status: 'actioned' }]);
    expect(await code(kid.client.appeal(decision!.id, 'not mine to appeal'))).toBe('appeal.not_found');
    const filed = await alice.client.appeal(decision!.id, 'I was joking');
    expect(await code(alice.client.appeal(decision!.id, 'again'))).toBe('appeal.already');
    expect(await code(mod1.client.modDecideAppeal(filed.id, { outcome: 'overturned', reason: 'other' }))).toBe('appeal.same_moderator');
    expect(await mod2.client.modDecideAppeal(filed.id, { outcome: 'upheld', reason: 'grooming' })).toMatchObject({ status: 'upheld', decidedBy: mod2.handle });
    expect(await code(mod2.client.modDecideAppeal(filed.id, { outcome: 'overturned', reason: 'other' }))).toBe('appeal.decided');

    // The appeal reopened the case; it is claimed again and referred.
    await mod1.client.modClaim(c.id);
    const referral = await mod1.client.modRefer(c.id, 'child at risk');
    expect(referral).toMatchObject({ caseId: c.id, status: 'built' });
    const pkg = await mod1.client.modReferralPackage(referral.id);
    const file = (p: string) => Buffer.from(pkg.files.find((f) => f.path === p)!.base64, 'base64').toString('utf8');
    const report = parseXml(file('report.xml'));
    expect(report.name).toBe('report');
    expect(names(report)).toEqual(['incidentSummary', 'internetDetails', 'reporter', 'personOrUserReported', 'victim', 'additionalInfo']);
    expect(names(child(report, 'incidentSummary'))).toEqual(['incidentType', 'incidentDateTime']);
    expect(child(child(report, 'incidentSummary'), 'incidentType').text).toBe('Online Enticement of Children for Sexual Acts');
    expect(child(child(report, 'incidentSummary'), 'incidentDateTime').text).toBe(sent.sentAt);
    const chat = child(child(report, 'internetDetails'), 'chatImIncident');
    expect(names(chat)).toEqual(['chatClient', 'chatRoomName', 'content', 'additionalInfo']);
    expect(child(chat, 'content').text).toBe('send me a photo, keep it secret');
    expect(child(chat, 'additionalInfo').text).toBe('Conversation mode: visible.');
    const reported = child(report, 'personOrUserReported');
    expect(names(reported)).toEqual(['espIdentifier', 'espService', 'screenName', 'estimatedLocation', 'additionalInfo']);
    expect(child(reported, 'espIdentifier').text).toBe(alice.id);
    expect(child(reported, 'screenName').text).toBe(alice.handle);
    expect(child(child(reported, 'estimatedLocation'), 'region').text).toBe('Surrey');
    const victim = child(report, 'victim');
    expect(names(victim)).toEqual(['victimPerson', 'espIdentifier', 'espService', 'screenName', 'estimatedLocation', 'additionalInfo']);
    expect(child(victim, 'screenName').text).toBe(kid.handle);
    expect(child(child(victim, 'estimatedLocation'), 'region').text).toBe('Thames Valley');
    expect(child(report, 'additionalInfo').text).toContain(`Report ${ack.id} (server-copy): grooming — he asked me to keep it secret.`);
    // The JSON says the same; the manifest lists every other file with its SHA-256.
    const json = JSON.parse(file('report.json')) as { report: { personOrUserReported: { screenName: string } } };
    expect(json.report.personOrUserReported.screenName).toBe(alice.handle);
    const manifest = JSON.parse(file('manifest.json')) as { files: { path: string; sha256: string }[] };
    expect(manifest.files.map((f) => f.path).sort()).toEqual(pkg.files.filter((f) => f.path !== 'manifest.json').map((f) => f.path).sort());
    for (const f of manifest.files) expect(createHash('sha256').update(Buffer.from(pkg.files.find((x) => x.path === f.path)!.base64, 'base64')).digest('hex')).toBe(f.sha256);

    // Legal hold keeps a second case's evidence past retention; the first is purged with proof.
    const byAlice = await alice.client.fileReport({ target: { kind: 'account', handle: kid.handle as never }, reason: 'spam' });
    expect(byAlice.verified).toBe(false);
    const kidCase = (await mod1.client.modQueue()).cases.find((x) => x.subject.handle === kid.handle)!;
    expect(await code(mod1.client.adminLegalHold(kidCase.id, true, 'police asked us to keep it'))).toBe('auth.forbidden');
    await admin.client.adminLegalHold(kidCase.id, true, 'police asked us to keep it');
    offset = 2 * DAY;
    const purged = await admin.client.adminPurgeEvidence();
    expect(purged.purgedCases).toEqual([c.id]);
    expect(await code(mod1.client.modReferralPackage(referral.id))).toBe('evidence.purged');
    expect((await mod1.client.modCase(kidCase.id)).evidence.every((e) => !e.purged)).toBe(true);
    expect((await admin.client.adminPurgeEvidence()).purgedCases).toEqual([]);

    // Everything above is in the audit log, and the chain holds.
    const audit = await admin.client.adminAudit();
    expect(audit.chain.ok).toBe(true);
    const actions = audit.entries.map((e) => e.action);
    for (const a of ['account.create_staff', 'case.view', 'case.claim', 'case.release', 'case.warn', 'appeal.file', 'appeal.upheld', 'case.refer', 'referral.export', 'evidence.hold', 'evidence.purge'])
      expect(actions).toContain(a);
    // The case's own audit trail, as moderators see it on the case: its acts, in order, and none of the
    // other case's (issue 14 item 5).
    const trail = (await mod1.client.modCase(c.id)).audit;
    expect(trail.map((e) => e.seq)).toEqual([...trail.map((e) => e.seq)].sort((x, y) => x - y));
    const trailActions = [...new Set(trail.map((e) => e.action))];
    for (const a of ['case.view', 'case.claim', 'case.release', 'case.warn', 'appeal.file', 'appeal.upheld', 'case.refer', 'referral.export', 'evidence.purge']) expect(trailActions).toContain(a);
    expect(trailActions).not.toContain('evidence.hold'); // the hold was on the other case
    expect(trail.find((e) => e.action === 'case.warn')).toMatchObject({ actor: mod1.handle, reason: 'grooming' });
    expect(trail.find((e) => e.action === 'appeal.upheld')).toMatchObject({ actor: mod2.handle });
    expect((await mod1.client.modCase(kidCase.id)).audit.map((e) => e.action)).toContain('evidence.hold');
    const proof = audit.entries.find((e) => e.action === 'evidence.purge')!;
    expect(proof.target).toBe(`case:${c.id}`);
    expect(JSON.stringify(proof.details)).toContain(shown.evidence[0]!.sha256);
    // Users cannot read the audit log.
    expect(await code(kid.client.adminAudit())).toBe('auth.forbidden');
  }, 120_000);
});
