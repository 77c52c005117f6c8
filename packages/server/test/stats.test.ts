import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashImageBuffer } from '@haven/pdq/node';
import { validatePublishedTable } from '@haven/safety';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/services/accounts';
import { recordIncident } from '../src/stats/service';
import { markIncidentAppealDecided, markIncidentAppealed, markIncidentReferred } from '../src/storage/repos/statistics';
import { startTestServer, type TestServer } from '../src/testing.node.ts';
import { jpeg, patternImage } from './images';

// Issue 10 through the HTTP app: the account's region (F3), statistics (T1–T8) and the regulator's view
// (O1–O5). Incidents are written through the storage layer (recordIncident) until the moderation workflow
// (issue 9) writes them when it decides; see docs/STATISTICS.md.

let server: TestServer;
const now = new Date('2026-11-30T08:00:00Z');
beforeAll(async () => {
  server = await startTestServer({}, { now: () => now });
});
afterAll(() => server.close());

interface Res {
  status: number;
  body: any;
  text: string;
  type: string;
}
async function req(method: string, url: string, body?: unknown, token?: string): Promise<Res> {
  const r = await server.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  const type = String(r.headers['content-type'] ?? '');
  return { status: r.statusCode, text: r.body, type, body: type.includes('json') && r.body ? JSON.parse(r.body) : undefined };
}
function expectError(r: Res, status: number, code: string) {
  expect(r.status, r.text).toBe(status);
  expect(r.body.error.code).toBe(code);
}

let n = 0;
type U = { handle: string; token: string; id: string };
async function user(birthDate = '1990-01-01', region?: string): Promise<U> {
  const handle = `st${++n}x${Date.now().toString(36)}`;
  const r = await req('POST', '/v1/accounts', { handle, password: 'a long password', birthDate, ...(region ? { region } : {}) });
  expect(r.status, r.text).toBe(201);
  return { handle, token: r.body.token, id: r.body.account.id };
}
async function admin(): Promise<U> {
  const handle = `adm${++n}x${Date.now().toString(36)}`;
  const a = await createAccount(server.services.db, now, { handle: handle as never, password: 'a long password', birthDate: '1980-01-01', role: 'admin' });
  const r = await req('POST', '/v1/sessions', { handle, password: 'a long password' });
  return { handle, token: r.body.token, id: a.id };
}

describe('an account region (F3)', () => {
  it('F3 F4: set at sign-up by name in any spelling, stored as its code; changed and removed later by its owner', async () => {
    const a = await user('1990-01-01', 'Devon and Cornwall Police');
    expect((await req('GET', '/v1/me', undefined, a.token)).body.region).toBe('E23000035');
    const changed = await req('PATCH', '/v1/me', { region: 'Northern Ireland' }, a.token);
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.region).toBe('northern-ireland');
    expect((await req('PATCH', '/v1/me', { region: 'W15000002' }, a.token)).body.region).toBe('W15000002');
    expect((await req('PATCH', '/v1/me', { region: null }, a.token)).body.region).toBeNull();
  });

  it('F3: a region that is not one is refused at sign-up and later, and nothing changes', async () => {
    const r = await req('POST', '/v1/accounts', { handle: `bad${Date.now().toString(36)}`, password: 'a long password', birthDate: '1990-01-01', region: 'Atlantis' });
    expectError(r, 422, 'account.unknown_region');
    const a = await user('1990-01-01', 'Kent');
    for (const region of ['GB', 'British Transport Police', 'not-known', 'E23000040']) {
      expectError(await req('PATCH', '/v1/me', { region }, a.token), 422, 'account.unknown_region');
    }
    expect((await req('GET', '/v1/me', undefined, a.token)).body.region).toBe('E23000032');
    // Only the region can be changed here: a forged role or birth date is refused as a whole.
    expectError(await req('PATCH', '/v1/me', { region: 'Kent', role: 'admin' }, a.token), 400, 'request.invalid');
    expectError(await req('PATCH', '/v1/me', { region: 'Kent' }), 401, 'auth.required');
  });

  it('F3: another user never sees the region: search, contacts, requests and conversations', async () => {
    const a = await user('1990-01-01', 'Dyfed-Powys');
    const b = await user('1991-01-01', 'Cumbria');
    expect((await req('POST', '/v1/contacts', { handle: a.handle }, b.token)).status).toBe(201);
    const seen = [
      await req('GET', `/v1/accounts/search?q=${a.handle}`, undefined, b.token),
      await req('GET', '/v1/contacts', undefined, b.token),
      await req('GET', '/v1/contacts', undefined, a.token),
    ];
    expect((await req('POST', `/v1/contacts/${b.handle}/accept`, undefined, a.token)).status).toBe(200);
    const convo = await req('POST', '/v1/conversations', { kind: 'direct', with: a.handle }, b.token);
    expect(convo.status, convo.text).toBe(201);
    seen.push(convo, await req('GET', `/v1/conversations/${convo.body.id}`, undefined, b.token), await req('GET', '/v1/conversations', undefined, b.token));
    expect(seen[0]!.body.accounts.map((x: any) => x.handle)).toContain(a.handle);
    for (const r of seen) {
      expect(r.status, r.text).toBeLessThan(300);
      expect(r.text).not.toContain('W15000004');
      expect(r.text).not.toContain('Dyfed');
      expect(r.text).not.toMatch(/"region"/);
    }
  });
});

describe('transparency statistics (T1–T8) and the regulator\'s view (O1–O5)', () => {
  let boss: U;
  let plain: U;
  beforeAll(async () => {
    boss = await admin();
    plain = await user();
    const devonChild = await user('2011-03-01', 'Devon & Cornwall');
    const metAdult = await user('1985-01-01', 'Metropolitan Police');
    const noRegion = await user('1985-01-01');
    const s = server.services;
    const at = (iso: string) => new Date(iso);
    const rec = (caseId: string, subject: U, child: U | null, surface: any, method: any, actioned: string, items = 1) =>
      recordIncident(s, { caseId, subjectAccountId: subject.id, childAccountId: child?.id ?? null, surface, method, openedAt: at(actioned), actionedAt: at(actioned), contentItems: items });
    // The child's region decides the force: an adult in the Met area who targets a Devon child counts in Devon.
    await rec('c1', metAdult, devonChild, 'media', 'server-hash', '2026-07-05T10:00:00Z', 2);
    await rec('c2', metAdult, devonChild, 'direct', 'user-report', '2026-08-01T10:00:00Z');
    await rec('c3', metAdult, null, 'group', 'risk-signal', '2026-09-15T10:00:00Z');
    await rec('c4', noRegion, null, 'profile', null, '2026-08-20T10:00:00Z');
    await rec('c5', metAdult, devonChild, 'media', 'device-hash', '2026-10-02T10:00:00Z');
    await markIncidentReferred(s.db, 'c1', at('2026-07-06T10:00:00Z'));
    await markIncidentAppealed(s.db, 'c2', at('2026-08-03T10:00:00Z'));
    await markIncidentAppealDecided(s.db, 'c2', 'overturned', at('2026-08-10T10:00:00Z'));
    // After the incident is recorded, the child moves: the published figure does not move with them.
    expect((await req('PATCH', '/v1/me', { region: 'Kent' }, devonChild.token)).status).toBe(200);
  });

  it('T3 T5 T8: an admin gets exact counts by force from live data, with period, time and rule', async () => {
    const r = await req('GET', '/v1/stats?period=2026-Q3&by=force', undefined, boss.token);
    expect(r.status, r.text).toBe(200);
    expect(r.body.period).toEqual({ label: '2026-Q3', start: '2026-07-01T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z', partial: false });
    expect(r.body.computedAt).toBe('2026-11-30T08:00:00.000Z');
    expect(r.body.suppression).toEqual({ below: 0, rule: 'none: every count is exact' });
    const row = (k: string) => r.body.rows.find((x: any) => x.key === k);
    expect(row('E23000035')).toMatchObject({ incidents: 2, breakdown: { direct: 1, media: 1 }, referrals: 1, contentActioned: 3, proactivePercent: 50, appealed: 1, restored: 1 });
    expect(row('E23000001')).toMatchObject({ incidents: 1, breakdown: { group: 1 }, proactivePercent: 100 });
    expect(row('not-known')).toMatchObject({ incidents: 1, breakdown: { profile: 1 }, proactivePercent: null });
    expect(row('E23000032').incidents).toBe(0);
    expect(r.body.total).toMatchObject({ incidents: 4, referrals: 1, contentActioned: 5, proactive: 2, appealed: 1, restored: 1 });
    expect(r.body.shares.method.sentence).toBe(
      'Of the 3 incidents where the method was recorded, 33.3% were found by server hash match, 0.0% were found by device hash match, 33.3% were found by user report, 33.3% were found by risk signal; it was not recorded for 1.',
    );
  });

  it('T7: the public view is off by default; when on, the public (and non-admins) get suppressed counts, never exact ones', async () => {
    expectError(await req('GET', '/v1/stats?period=2026-Q3'), 404, 'stats.not_public');
    expectError(await req('GET', '/v1/stats?period=2026-Q3', undefined, plain.token), 404, 'stats.not_public');
    server.services.config.transparency.public = true;
    try {
      for (const token of [undefined, plain.token]) {
        // Asking for the admin view is not a way round it.
        const r = await req('GET', '/v1/stats?period=2026-Q3&view=admin', undefined, token);
        expect(r.status, r.text).toBe(200);
        expect(r.body.suppression.rule).toBe('counts from 1 to 4 are shown as <5; totals are computed from exact counts before suppression');
        expect(r.body.rows.find((x: any) => x.key === 'E23000035').incidents).toBe('<5');
        expect(r.body.total.incidents).toBe('<5');
      }
      // A bad token is refused, not read as "the public".
      expectError(await req('GET', '/v1/stats?period=2026-Q3', undefined, 'not-a-token'), 401, 'auth.invalid_token');
      // An admin can preview the public view.
      expect((await req('GET', '/v1/stats?period=2026-Q3&view=public', undefined, boss.token)).body.total.incidents).toBe('<5');
    } finally {
      server.services.config.transparency.public = false;
    }
  });

  it('T8: CSV carries period, time and rule, and validates with no inconsistency', async () => {
    const r = await req('GET', '/v1/stats?period=2026-Q3&format=csv', undefined, boss.token);
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/csv; charset=utf-8');
    const lines = r.text.split('\r\n');
    expect(lines.slice(0, 3)).toEqual([
      '# Haven transparency statistics: incidents by force, period 2026-Q3 (2026-07-01 to 2026-09-30)',
      '# Computed at 2026-11-30T08:00:00.000Z',
      '# Suppression: none: every count is exact',
    ]);
    expect(lines).toContain('Police Force,Code,Total incidents,Direct messages,Groups,Media,Profiles,Not recorded,Referrals,Content actioned,Proactive,Proactive %,Appealed,Restored');
    expect(lines).toContain('Devon & Cornwall,E23000035,2,1,0,1,0,0,1,3,1,50.0,1,1');
    expect(lines).toContain('"London, City of",E23000034,0,0,0,0,0,0,0,0,0,,0,0');
    expect(lines).toContain('Total,,4,1,1,1,1,0,1,5,2,66.7,1,1');
    const v = validatePublishedTable(r.text);
    if (!v.ok) throw new Error(v.error.message);
    expect(v.value.findings).toEqual([]);
    expect(v.value.rows).toHaveLength(48);
  });

  it('T8: the SVG chart is rendered by Vega on the server, with the period, time and rule in it', async () => {
    const r = await req('GET', '/v1/stats?period=2026-Q3&format=svg', undefined, boss.token);
    expect(r.status, r.text).toBe(200);
    expect(r.type).toBe('image/svg+xml; charset=utf-8');
    expect(r.text).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(r.text).toContain('Incidents by force, 2026-Q3');
    expect(r.text).toContain('Computed at 2026-11-30T08:00:00.000Z');
    expect(r.text).toContain('Suppression: none: every count is exact');
    expect(r.text).toContain('Devon &amp; Cornwall');
    // One bar segment per non-zero (force, surface): Devon direct and media, Met group, not known profile.
    expect(r.text.match(/aria-roledescription="bar"/g)).toHaveLength(4);
  });

  it('T2: a future or inverted period, an impossible one, an unknown --by: a 400 that names it', async () => {
    const bad = async (q: string) => req('GET', `/v1/stats?${q}`, undefined, boss.token);
    const future = await bad('period=2027-Q1');
    expectError(future, 400, 'stats.invalid_period');
    expect(future.body.error.message).toBe('period "2027-Q1" is in the future: it starts on 2027-01-01');
    expect((await bad('period=2026-09-30..2026-07-01')).body.error.message).toBe('period "2026-09-30..2026-07-01": the range ends (2026-07-01) before it starts (2026-09-30)');
    expectError(await bad('period=2026-13'), 400, 'stats.invalid_period');
    const by = await bad('by=colour');
    expectError(by, 400, 'request.invalid');
    expect(by.text).toContain('by');
    expectError(await bad('format=pdf'), 400, 'request.invalid');
  });

  it('T1: the default period is the quarter now running', async () => {
    const r = await req('GET', '/v1/stats', undefined, boss.token);
    expect(r.body.period).toMatchObject({ label: '2026-Q4', partial: true });
    expect(r.body.total.incidents).toBe(1);
  });

  it('O1–O5: the compliance view for admins only, JSON and Markdown', async () => {
    expectError(await req('GET', '/v1/admin/compliance', undefined, plain.token), 403, 'auth.forbidden');
    expectError(await req('GET', '/v1/admin/compliance'), 401, 'auth.required');
    const r = await req('GET', '/v1/admin/compliance?period=2026-Q3', undefined, boss.token);
    expect(r.status, r.text).toBe(200);
    const m = new Map<string, any>(r.body.measures.map((x: any) => [x.id, x]));
    expect([...m.keys()]).toHaveLength(18);
    expect(m.get('ICU C9')).toMatchObject({ status: 'off', why: 'No hash list is enabled: import one (haven hashlist import) and enable it.' });
    expect(m.get('ICU F1')).toMatchObject({ status: 'on', evidence: { preset: 'nspcc', childConversationMode: 'visible' } });
    expect(m.get('ICU C1').evidence).toMatchObject({ incidentsActioned: 4, referrals: 1 });
    expect(m.get('ICU J1').evidence).toEqual({ blocksInPeriod: 0 });
    const md = await req('GET', '/v1/admin/compliance?period=2026-Q3&format=md', undefined, boss.token);
    expect(md.type).toBe('text/markdown; charset=utf-8');
    expect(md.text).toContain('| ICU C9 Hash matching to detect and remove child sexual abuse material | off |');
    expectError(await req('GET', '/v1/admin/compliance?period=2030', undefined, boss.token), 400, 'stats.invalid_period');
  });
});

describe('the regulator\'s view from live detections and blocks (O2, O5)', () => {
  it('O2 O5: a real server hash match and a real block show in C9, C2 and J1 for the period', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haven-stats-'));
    try {
      const known = await patternImage(42);
      writeFileSync(join(dir, 'known.txt'), `${(await hashImageBuffer(known)).hash}\n${'0'.repeat(63)}1\n`);
      expect((await server.services.hashLists.store.import(join(dir, 'known.txt'), { name: 'known', source: 'test' })).ok).toBe(true);
      await server.services.hashLists.reload();
      const boss = await admin();
      const [a, c, d] = [await user('1990-01-01'), await user('2011-03-01'), await user('1992-01-01')];
      expect((await req('POST', '/v1/contacts', { handle: a.handle }, c.token)).status).toBe(201);
      expect((await req('POST', `/v1/contacts/${c.handle}/accept`, undefined, a.token)).status).toBe(200);
      const visible = (await req('POST', '/v1/conversations', { kind: 'direct', with: c.handle }, a.token)).body;
      const up = await server.app.inject({
        method: 'POST', url: `/v1/media?conversationId=${visible.id}`,
        headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/octet-stream' }, payload: await jpeg(known, 60),
      });
      expect(up.statusCode, up.body).toBe(451);
      expect((await req('POST', `/v1/contacts/${d.handle}/block`, undefined, c.token)).status).toBe(200);
      const r = await req('GET', '/v1/admin/compliance?period=2026-11', undefined, boss.token);
      const m = new Map<string, any>(r.body.measures.map((x: any) => [x.id, x]));
      expect(m.get('ICU C9')).toMatchObject({
        status: 'on',
        evidence: { lists: [{ name: 'known', kind: 'pdq', size: 2, enabled: true, matches: 1 }], serverMatches: 1, deviceMatches: 0, clientHashChecks: 'all-devices' },
      });
      expect(m.get('ICU C2').evidence).toMatchObject({ quarantinedBeforeDelivery: 1, serverMatches: 1 });
      expect(m.get('ICU J1').evidence).toEqual({ blocksInPeriod: 1 });
      // Another period does not see them.
      const before = await req('GET', '/v1/admin/compliance?period=2026-10', undefined, boss.token);
      expect(before.body.measures.find((x: any) => x.id === 'ICU C9').evidence.serverMatches).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
