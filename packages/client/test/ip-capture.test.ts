import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, startTestServer, type TestServer } from '@haven/server';
import { HavenClient, Messenger } from '../src/index.node';
import { createPgDatabase } from '../../../testing/postgres';
import { DATABASES } from './databases';
import { PASSWORD, handle } from './helpers';
import { child, names, parseXml, type XmlElement } from './xml';

// Issue 9 item 5, end to end through a real server and the SDK, on PGlite and PostgreSQL: with IP capture
// on, an adult's registration, sign-in and upload are recorded; a child reports them; the case's evidence
// keeps the events of the window before it opened; the referral's personOrUserReported carries them as
// ipCaptureEvent (ipAddress, eventName, dateTime) after displayName and before estimatedLocation, in the
// XML and the JSON; rows past retentionDays are deleted while the copy in evidence stays. With capture off
// (the default) nothing is recorded and no ipCaptureEvent is written.

const DAY = 86_400_000;

describe.each(DATABASES.flatMap((d) => [true, false].map((capture) => ({ ...d, capture }))))('IP capture $capture ($name)', ({ name, skip, reason, capture }) => {
  const skipped = skip ? ` (skipped: ${reason})` : '';
  let server: TestServer;
  let drop: (() => Promise<void>) | undefined;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);

  beforeAll(async () => {
    if (skip) return;
    const db = name === 'postgres' ? await createPgDatabase('haven_ipc') : undefined;
    drop = db?.drop;
    server = await startTestServer(
      { sessions: { ttlSeconds: 365 * 24 * 3600 }, ...(capture ? { moderation: { ipCapture: { enabled: true, retentionDays: 30, windowDays: 20 } } } : {}), ...(db ? { database: { url: db.url } } : {}) },
      { now },
    );
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  const rows = (accountId?: string) => {
    let q = server.services.db.selectFrom('ip_capture_events').selectAll();
    if (accountId) q = q.where('account_id', '=', accountId);
    return q.orderBy('at').orderBy('id').execute();
  };
  const staff = async (base: string, role: 'moderator' | 'admin') => {
    const h = handle(base);
    await createAccount(server.services.db, new Date(), { handle: h as never, password: PASSWORD, birthDate: '1980-01-01', role });
    const client = new HavenClient({ serverUrl: server.url });
    await client.login({ handle: h, password: PASSWORD });
    return client;
  };

  it.skipIf(skip)(`an adult's sign-in and upload reach the referral of a child's report only when capture is on${skipped}`, async () => {
    const mod = await staff('ipmod', 'moderator');
    const admin = await staff('ipadm', 'admin');
    const registered = new HavenClient({ serverUrl: server.url });
    const reg = await registered.register({ handle: handle('ipalice') as never, password: PASSWORD, birthDate: '1985-01-01', region: 'Surrey' });
    const aliceId = reg.account.id;
    // An event older than the window before the case (20 days) is not copied into the case.
    const stale = new Date(now().getTime() - 25 * DAY);
    if (capture) await server.services.db.insertInto('ip_capture_events').values({ id: randomUUID(), account_id: aliceId, event: 'Login', ip: '198.51.100.7', at: stale }).execute();
    // A wrong password is no sign-in.
    const wrong = await new HavenClient({ serverUrl: server.url }).login({ handle: reg.account.handle, password: 'not the password' }).catch((e: { code?: string }) => e.code);
    expect(wrong).toBe('auth.bad_credentials');
    const alice = new HavenClient({ serverUrl: server.url });
    await alice.login({ handle: reg.account.handle, password: PASSWORD });
    const kid = new HavenClient({ serverUrl: server.url });
    const kidSession = await kid.register({ handle: handle('ipkid') as never, password: PASSWORD, birthDate: '2011-05-05' });
    await kid.requestContact(reg.account.handle);
    await alice.acceptContact(kidSession.account.handle);
    const convo = await new Messenger(alice).directWith(kidSession.account.handle);
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 40, g: 120, b: 200 } } }).png().toBuffer();
    await alice.uploadMedia(convo.id, new Uint8Array(png));
    const sent = await new Messenger(alice).sendText(convo, 'send me a photo, keep it secret');

    const recorded = await rows(aliceId);
    if (!capture) {
      expect(await rows()).toEqual([]);
    } else {
      expect(recorded.map((r) => [r.event, r.ip])).toEqual([
        ['Login', '198.51.100.7'],
        ['Other', '127.0.0.1'],
        ['Login', '127.0.0.1'],
        ['Upload', '127.0.0.1'],
      ]);
      expect((await rows(kidSession.account.id)).map((r) => r.event)).toEqual(['Other']);
    }

    await kid.fileReport({ target: { kind: 'message', messageId: sent.id }, reason: 'grooming' });
    const c = (await mod.modQueue()).cases.find((x) => x.subject.id === aliceId)!;
    const shown = await mod.modCase(c.id);
    expect(shown.evidence.map((e) => e.name).includes('ip-events-case-opened.json')).toBe(capture);
    await mod.modClaim(c.id);
    const referral = await mod.modRefer(c.id, 'child at risk');

    const exported = async () => {
      const pkg = await mod.modReferralPackage(referral.id);
      const file = (p: string) => Buffer.from(pkg.files.find((f) => f.path === p)!.base64, 'base64').toString('utf8');
      return { pkg, reported: child(parseXml(file('report.xml')), 'personOrUserReported'), json: JSON.parse(file('report.json')) as { report: { personOrUserReported: { ipCaptureEvent?: unknown } } } };
    };
    const expected = recorded.filter((r) => r.at.getTime() !== stale.getTime()).map((r) => ({ ipAddress: r.ip, eventName: r.event, dateTime: r.at.toISOString() }));
    const events = (reported: XmlElement) =>
      reported.children
        .filter((e) => e.name === 'ipCaptureEvent')
        .map((e) => {
          expect(names(e)).toEqual(['ipAddress', 'eventName', 'dateTime']);
          return { ipAddress: child(e, 'ipAddress').text, eventName: child(e, 'eventName').text, dateTime: child(e, 'dateTime').text };
        });
    const first = await exported();
    if (!capture) {
      expect(names(first.reported)).toEqual(['espIdentifier', 'espService', 'screenName', 'estimatedLocation', 'additionalInfo']);
      expect(first.json.report.personOrUserReported.ipCaptureEvent).toBeUndefined();
      expect(first.pkg.files.some((f) => f.path.startsWith('evidence/ip-events'))).toBe(false);
      expect(await rows()).toEqual([]);
      return;
    }
    // In schema order: after the screen name (and display name), before the estimated location.
    expect(names(first.reported)).toEqual(['espIdentifier', 'espService', 'screenName', 'ipCaptureEvent', 'ipCaptureEvent', 'ipCaptureEvent', 'estimatedLocation', 'additionalInfo']);
    expect(events(first.reported)).toEqual(expected);
    expect(first.json.report.personOrUserReported.ipCaptureEvent).toEqual(expected);
    // Only the subject's: the child victim's registration is not in the report.
    expect(names(child(parseXml(Buffer.from(first.pkg.files.find((f) => f.path === 'report.xml')!.base64, 'base64').toString('utf8')), 'victim'))).not.toContain('ipCaptureEvent');
    expect(first.pkg.files.some((f) => f.path === 'evidence/ip-events-case-opened.json')).toBe(true);

    // Past retentionDays the rows go with the purge job; the referral keeps the copy in its evidence.
    offset = 31 * DAY;
    const fresh = { id: randomUUID(), account_id: aliceId, event: 'Login' as const, ip: '203.0.113.9', at: now() };
    await server.services.db.insertInto('ip_capture_events').values(fresh).execute();
    await admin.adminPurgeEvidence();
    expect((await rows()).map((r) => r.id)).toEqual([fresh.id]);
    const later = await exported();
    expect(events(later.reported)).toEqual(expected);
  });
});
