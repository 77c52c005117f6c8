import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.node.ts';

// Issue 13, item 15: password guessing is limited per account as well as per address, without letting
// an attacker lock the owner out; other writes (groups, contact requests, reports) have limits too.

let now = new Date('2026-06-01T12:00:00Z');
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(
    {
      rateLimits: {
        loginAccount: { freeFailures: 5, baseDelaySeconds: 2, maxDelaySeconds: 60, knownSourceDays: 30 },
        contactRequests: { burst: 3, perMinute: 1 },
        groups: { burst: 2, perMinute: 1 },
        reports: { burst: 2, perMinute: 1 },
      },
    },
    { now: () => now },
  );
}, 180_000);
afterAll(() => server.close());

async function req(method: string, url: string, body?: unknown, opts: { token?: string; ip?: string } = {}) {
  const r = await server.app.inject({
    method: method as 'GET',
    url,
    remoteAddress: opts.ip ?? '127.0.0.1',
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined, headers: r.headers };
}

describe('per-account login back-off (item 15)', () => {
  it('200 guesses from ten addresses: five are checked, the rest refused unchecked; the owner is not locked out', async () => {
    const owner = { handle: 'throttle.owner', password: 'the owner password' };
    const reg = await req('POST', '/v1/accounts', { ...owner, birthDate: '1990-01-01' }, { ip: '10.0.0.1' });
    expect(reg.status).toBe(201);
    // The owner signs in from home once: that address is now known for this account.
    expect((await req('POST', '/v1/sessions', owner, { ip: '10.0.0.1' })).status).toBe(200);

    const guesses = Array.from({ length: 200 }, (_, i) => req('POST', '/v1/sessions', { handle: owner.handle, password: `guess number ${i}` }, { ip: `10.9.0.${(i % 10) + 1}` }));
    const answers = await Promise.all(guesses);
    const checked = answers.filter((a) => a.status === 401);
    const refused = answers.filter((a) => a.status === 429);
    expect(checked.length).toBe(5);
    expect(refused.length).toBe(195);
    for (const r of refused) expect(r.body.error.code).toBe('auth.throttled');
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThan(0);

    // Even the right password from a new address waits: the attacker cannot learn it by trying it now.
    const fromNew = await req('POST', '/v1/sessions', owner, { ip: '10.7.7.7' });
    expect(fromNew.status).toBe(429);
    // The owner's open session is untouched, and the owner's known address still signs in.
    expect((await req('GET', '/v1/me', undefined, { token: reg.body.token })).status).toBe(200);
    expect((await req('POST', '/v1/sessions', owner, { ip: '10.0.0.1' })).status).toBe(200);
  });

  it('the back-off is bounded: after maxDelaySeconds a new address may try again', async () => {
    const owner = { handle: 'throttle.two', password: 'the owner password' };
    expect((await req('POST', '/v1/accounts', { ...owner, birthDate: '1990-01-01' }, { ip: '10.0.0.2' })).status).toBe(201);
    for (let i = 0; i < 40; i++) {
      await req('POST', '/v1/sessions', { handle: owner.handle, password: `wrong ${i}` }, { ip: `10.8.0.${i + 1}` });
      now = new Date(now.getTime() + 1000);
    }
    expect((await req('POST', '/v1/sessions', owner, { ip: '10.6.6.6' })).status).toBe(429);
    now = new Date(now.getTime() + 61_000);
    expect((await req('POST', '/v1/sessions', owner, { ip: '10.6.6.6' })).status).toBe(200);
  });
});

describe('per-account write limits (item 15)', () => {
  it('contact requests, group changes and reports are limited per account', async () => {
    const mk = async (h: string) => (await req('POST', '/v1/accounts', { handle: h, password: 'a long password', birthDate: '1990-01-01' }, { ip: `10.1.${h.length}.${h.charCodeAt(h.length - 1)}` })).body.token as string;
    const spammer = await mk('spam.writer');
    const targets = ['target.one', 'target.two', 'target.three', 'target.four'];
    for (const t of targets) await mk(t);
    const contactAnswers = [];
    for (const t of targets) contactAnswers.push((await req('POST', '/v1/contacts', { handle: t }, { token: spammer })).status);
    expect(contactAnswers).toEqual([201, 201, 201, 429]);

    const groupAnswers = [];
    for (let i = 0; i < 3; i++) groupAnswers.push((await req('POST', '/v1/conversations', { kind: 'group', title: `g${i}`, members: [] }, { token: spammer })).status);
    expect(groupAnswers).toEqual([201, 201, 429]);

    const report = {
      source: 'client-outgoing',
      conversationId: '00000000-0000-4000-8000-000000000000',
      list: 'x',
      entryIndex: 0,
      distance: 0,
      sha256: '0'.repeat(64),
    };
    const reportAnswers = [];
    for (let i = 0; i < 3; i++) reportAnswers.push(await req('POST', '/v1/detections', report, { token: spammer }));
    expect(reportAnswers.map((r) => r.status).slice(0, 2).every((s) => s !== 429)).toBe(true);
    expect(reportAnswers[2]!.status).toBe(429);
    expect(reportAnswers[2]!.body.error.code).toBe('request.rate_limited');
    // Another account is not affected.
    const other = await mk('calm.writer');
    expect((await req('POST', '/v1/contacts', { handle: 'target.four' }, { token: other })).status).toBe(201);
  });
});
