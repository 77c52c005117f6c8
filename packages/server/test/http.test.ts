import { Handle } from '@haven/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.node.ts';

// Routes through app.inject(): every answer, good or bad, in the one error shape with the right status.

let server: TestServer;
let now = new Date();
beforeAll(async () => {
  // The delivery layer's visible path: this server offers no e2ee (MLS has its own tests).
  server = await startTestServer({ limits: { bodyBytes: 4096, messageBytes: 1024 }, mls: { enabled: false } }, { now: () => now });
});
afterAll(() => server.close());

interface Res {
  status: number;
  body: any;
}
async function req(method: string, url: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<Res> {
  const r = await server.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
}

let n = 0;
async function user(birthDate = '1990-01-01') {
  const handle = `user${++n}x`;
  const r = await req('POST', '/v1/accounts', { handle, password: 'a long password', birthDate });
  expect(r.status).toBe(201);
  return { handle, token: r.body.token as string, id: r.body.account.id as string, deviceId: r.body.deviceId as string };
}

function expectError(r: Res, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.body.error.code).toBe(code);
  expect(typeof r.body.error.message).toBe('string');
}

describe('health and documents', () => {
  it('/healthz and /readyz', async () => {
    expect(await req('GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await req('GET', '/readyz')).toEqual({ status: 200, body: { status: 'ready', database: 'reachable', migrations: 'applied', fanout: 'local' } });
  });

  it('/metrics: Prometheus text with connections, messages, batch sizes and commit times (issue 12)', async () => {
    const alice = await user();
    const bob = await user();
    const conv = await req('POST', '/v1/conversations', { kind: 'direct', with: bob.handle }, alice.token);
    expect(conv.status).toBe(201);
    const before = await server.app.inject({ method: 'GET', url: '/metrics' });
    const count = (text: string, line: RegExp): number => Number(line.exec(text)?.[1] ?? 0);
    const visibleIn = /^haven_messages_in_total\{path="visible"\} (\d+)$/m;
    const inserts = /^haven_batch_size_count\{kind="insert"\} (\d+)$/m;
    const sent = await req('POST', `/v1/conversations/${conv.body.id}/messages`, { clientMessageId: 'metrics-1', body: Buffer.from('{"v":1,"text":"hi"}').toString('base64') }, alice.token);
    expect(sent.status).toBe(201);
    const after = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(after.statusCode).toBe(200);
    expect(after.headers['content-type']).toMatch(/^text\/plain/);
    expect(count(after.body, visibleIn) - count(before.body, visibleIn)).toBe(1);
    expect(count(after.body, inserts) - count(before.body, inserts)).toBe(1);
    for (const name of ['haven_ws_connections', 'haven_messages_out_total', 'haven_commit_seconds_bucket', 'haven_fanout_lag_seconds_bucket', 'haven_process_cpu_seconds_total'])
      expect(after.body).toContain(name);
    // Counts and timings only: nothing a user wrote or is called.
    expect(after.body).not.toContain(alice.handle);
  });

  it('/openapi.json describes every route from the protocol schemas', async () => {
    const r = await req('GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/v1/accounts', '/v1/conversations/{id}/messages', '/v1/admin/users']));
    const register = r.body.paths['/v1/accounts'].post.requestBody.content['application/json'].schema;
    expect(register.required).toEqual(expect.arrayContaining(['handle', 'password', 'birthDate']));
    expect(register.additionalProperties).toBe(false);
  });
});

describe('accounts', () => {
  it('registers (child and adult), logs in on a new or the same device, logs out', async () => {
    const child = await req('POST', '/v1/accounts', { handle: 'teen.one', password: 'a long password', birthDate: '2011-01-01' });
    expect(child.status).toBe(201);
    expect(child.body.account.ageBand).toBe('child');
    const login = await req('POST', '/v1/sessions', { handle: 'TEEN.one', password: 'a long password' });
    expect(login.status).toBe(200);
    expect(login.body.deviceId).not.toBe(child.body.deviceId);
    const same = await req('POST', '/v1/sessions', { handle: 'teen.one', password: 'a long password', deviceId: child.body.deviceId });
    expect(same.body.deviceId).toBe(child.body.deviceId);
    expect((await req('GET', '/v1/devices', undefined, login.body.token)).body.devices).toHaveLength(2);
    const me = await req('GET', '/v1/me', undefined, login.body.token);
    expect(me.body).toMatchObject({ handle: 'teen.one', ageBand: 'child', role: 'user' });
    expect(me.body).not.toHaveProperty('birthDate');
    expect((await req('DELETE', '/v1/sessions/current', undefined, login.body.token)).status).toBe(204);
    expectError(await req('GET', '/v1/me', undefined, login.body.token), 401, 'auth.invalid_token');
  });

  it('refuses under-13s, future birth dates, weak passwords, taken handles, wrong passwords, foreign devices', async () => {
    // The age boundaries on a fixed server clock, with literal dates (issue 13 item 18).
    const saved = now;
    now = new Date('2026-06-15T12:00:00Z');
    try {
      expectError(await req('POST', '/v1/accounts', { handle: 'tiny', password: 'a long password', birthDate: '2013-06-16' }), 422, 'account.too_young'); // 13 tomorrow
      expectError(await req('POST', '/v1/accounts', { handle: 'future', password: 'a long password', birthDate: '2026-06-16' }), 422, 'account.birth_date_in_future');
      expectError(await req('POST', '/v1/accounts', { handle: 'newborn', password: 'a long password', birthDate: '2026-06-15' }), 422, 'account.too_young');
      const thirteen = await req('POST', '/v1/accounts', { handle: 'thirteen.today', password: 'a long password', birthDate: '2013-06-15' });
      expect([thirteen.status, thirteen.body.account.ageBand]).toEqual([201, 'child']);
      const eighteen = await req('POST', '/v1/accounts', { handle: 'eighteen.today', password: 'a long password', birthDate: '2008-06-15' });
      expect([eighteen.status, eighteen.body.account.ageBand]).toEqual([201, 'adult']);
    } finally {
      now = saved;
    }
    expectError(await req('POST', '/v1/accounts', { handle: 'weakling', password: 'short', birthDate: '1990-01-01' }), 422, 'account.weak_password');
    const u = await user();
    expectError(await req('POST', '/v1/accounts', { handle: u.handle, password: 'a long password', birthDate: '1990-01-01' }), 409, 'account.handle_taken');
    expectError(await req('POST', '/v1/sessions', { handle: u.handle, password: 'wrong password' }), 401, 'auth.bad_credentials');
    expectError(await req('POST', '/v1/sessions', { handle: 'nobody.here', password: 'wrong password' }), 401, 'auth.bad_credentials');
    const other = await user();
    expectError(await req('POST', '/v1/sessions', { handle: u.handle, password: 'a long password', deviceId: other.deviceId }), 404, 'device.not_found');
  });

  it('expired sessions answer auth.expired_token', async () => {
    const u = await user();
    const saved = now;
    now = new Date(now.getTime() + server.services.config.sessions.ttlSeconds * 1000 + 1000);
    try {
      expectError(await req('GET', '/v1/me', undefined, u.token), 401, 'auth.expired_token');
    } finally {
      now = saved;
    }
    expectError(await req('GET', '/v1/me', undefined, u.token), 401, 'auth.invalid_token');
  });

  it('admin-only user creation', async () => {
    const u = await user();
    const body = { handle: 'made.by.admin', password: 'a long password', birthDate: '1980-01-01', role: 'moderator' };
    expectError(await req('POST', '/v1/admin/users', body), 401, 'auth.required');
    expectError(await req('POST', '/v1/admin/users', body, u.token), 403, 'auth.forbidden');
    const { createAccount } = await import('../src/services/accounts');
    await createAccount(server.services.db, now, { handle: Handle.parse('root'), password: 'a long password', birthDate: '1970-01-01', role: 'admin' });
    const admin = await req('POST', '/v1/sessions', { handle: 'root', password: 'a long password' });
    const created = await req('POST', '/v1/admin/users', body, admin.body.token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ handle: 'made.by.admin', role: 'moderator' });
  });
});

describe('bad requests', () => {
  it('malformed JSON', async () => {
    expectError(await req('POST', '/v1/accounts', '{"handle": '), 400, 'request.malformed_json');
  });
  it('unknown fields and wrong types, with details', async () => {
    const r = await req('POST', '/v1/accounts', { handle: 'someone', password: 'a long password', birthDate: '1990-01-01', ageBand: 'adult' });
    expectError(r, 400, 'request.invalid');
    expect(r.body.error.details).toEqual([expect.objectContaining({ path: '(root)' })]);
    const t = await req('POST', '/v1/accounts', { handle: 42, password: 'a long password', birthDate: '1990-02-30' });
    expectError(t, 400, 'request.invalid');
    expect(t.body.error.details.map((d: { path: string }) => d.path)).toEqual(['handle', 'birthDate']);
  });
  it('oversized bodies', async () => {
    expectError(await req('POST', '/v1/accounts', { handle: 'big', password: 'x'.repeat(5000), birthDate: '1990-01-01' }), 413, 'request.too_large');
  });
  it('unsupported content type', async () => {
    expectError(await req('POST', '/v1/accounts'), 400, 'request.invalid');
    const r = await server.app.inject({ method: 'POST', url: '/v1/accounts', headers: { 'content-type': 'text/plain' }, payload: 'hi' });
    expect(r.statusCode).toBe(415);
    expect(JSON.parse(r.body).error.code).toBe('request.unsupported_media_type');
  });
  it('routes without a body accept none or {}, and refuse anything else', async () => {
    const a = await user();
    const b = await user();
    await req('POST', '/v1/contacts', { handle: b.handle }, a.token);
    expectError(await req('POST', `/v1/contacts/${a.handle}/accept`, { force: true }, b.token), 400, 'request.invalid');
    expect((await req('POST', `/v1/contacts/${a.handle}/accept`, {}, b.token)).status).toBe(200);
  });
  it('unknown routes', async () => {
    expectError(await req('GET', '/v1/nothing'), 404, 'request.not_found');
    expectError(await req('PATCH', '/v1/accounts'), 404, 'request.not_found');
  });
  it('missing, malformed and unknown tokens', async () => {
    expectError(await req('GET', '/v1/me'), 401, 'auth.required');
    expectError(await req('GET', '/v1/me', undefined, undefined, { authorization: 'Basic abc' }), 401, 'auth.invalid_token');
    expectError(await req('GET', '/v1/me', undefined, 'not-a-real-token'), 401, 'auth.invalid_token');
  });
  it('sign-up is rate-limited per address', async () => {
    const limited = await startTestServer({ rateLimits: { register: { burst: 2, perMinute: 1 }, login: { burst: 1, perMinute: 1 } } });
    try {
      const body = (h: string) => ({ method: 'POST' as const, url: '/v1/accounts', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ handle: h, password: 'a long password', birthDate: '1990-01-01' }) });
      expect((await limited.app.inject(body('rate.a'))).statusCode).toBe(201);
      expect((await limited.app.inject(body('rate.b'))).statusCode).toBe(201);
      const third = await limited.app.inject(body('rate.c'));
      expect(third.statusCode).toBe(429);
      expect(JSON.parse(third.body).error.code).toBe('request.rate_limited');
      const login = { method: 'POST' as const, url: '/v1/sessions', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ handle: 'rate.a', password: 'wrong password' }) };
      expect((await limited.app.inject(login)).statusCode).toBe(401);
      expect((await limited.app.inject(login)).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });
});

describe('contacts', () => {
  it('request, accept, list', async () => {
    const a = await user();
    const b = await user();
    const r = await req('POST', '/v1/contacts', { handle: b.handle }, a.token);
    expect(r.status).toBe(201);
    expect(r.body.state).toBe('pending_outgoing');
    expectError(await req('POST', '/v1/contacts', { handle: b.handle }, a.token), 409, 'contact.already');
    expect((await req('GET', '/v1/contacts', undefined, b.token)).body.contacts).toEqual([expect.objectContaining({ state: 'pending_incoming' })]);
    expect((await req('POST', `/v1/contacts/${a.handle}/accept`, undefined, b.token)).body.state).toBe('accepted');
    expect((await req('GET', '/v1/contacts', undefined, a.token)).body.contacts.map((c: any) => [c.account.handle, c.state])).toEqual([[b.handle, 'accepted']]);
  });

  it('decline; self; unknown; accept without a request', async () => {
    const a = await user();
    const b = await user();
    await req('POST', '/v1/contacts', { handle: b.handle }, a.token);
    expect((await req('POST', `/v1/contacts/${a.handle}/decline`, undefined, b.token)).status).toBe(204);
    expect((await req('GET', '/v1/contacts', undefined, a.token)).body.contacts).toEqual([]);
    expectError(await req('POST', '/v1/contacts', { handle: a.handle }, a.token), 400, 'contact.self');
    expectError(await req('POST', '/v1/contacts', { handle: 'no.such.user' }, a.token), 404, 'account.not_found');
    expectError(await req('POST', `/v1/contacts/${a.handle}/accept`, undefined, b.token), 404, 'contact.not_found');
  });

  it('blocking is immediate and hides the blocker from the blocked', async () => {
    const a = await user();
    const b = await user();
    await req('POST', '/v1/contacts', { handle: b.handle }, a.token);
    await req('POST', `/v1/contacts/${a.handle}/accept`, undefined, b.token);
    const conv = await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle }, a.token);
    expect((await req('POST', `/v1/contacts/${b.handle}/block`, undefined, a.token)).body.state).toBe('blocked');
    expect((await req('GET', '/v1/contacts', undefined, b.token)).body.contacts).toEqual([]);
    expectError(await req('POST', '/v1/contacts', { handle: a.handle }, b.token), 403, 'policy.blocked');
    expectError(await req('POST', '/v1/conversations', { kind: 'direct', with: a.handle }, b.token), 403, 'policy.blocked');
    const send = await req('POST', `/v1/conversations/${conv.body.id}/messages`, { clientMessageId: 'blocked-send-1', body: 'aGk=' }, b.token);
    expectError(send, 403, 'policy.blocked');
    expect((await req('POST', `/v1/contacts/${b.handle}/unblock`, undefined, a.token)).status).toBe(204);
    expectError(await req('POST', `/v1/contacts/${b.handle}/unblock`, undefined, a.token), 404, 'contact.not_found');
    expect((await req('POST', `/v1/conversations/${conv.body.id}/messages`, { clientMessageId: 'after-unblock', body: 'aGk=' }, b.token)).status).toBe(201);
  });
});

describe('conversations and messages', () => {
  it('direct conversations between two fresh adults: idempotent per pair, visible with a reason (MLS off here)', async () => {
    const a = await user();
    const b = await user();
    const c1 = await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle }, a.token);
    expect(c1.status).toBe(201);
    expect(c1.body).toMatchObject({ kind: 'direct', mode: 'visible', modeReasonCode: 'mode.default_visible', lastSeq: 0 });
    expect(c1.body.modeReason).toMatch(/safety checks/);
    const c2 = await req('POST', '/v1/conversations', { kind: 'direct', with: a.handle }, b.token);
    expect(c2.status).toBe(200);
    expect(c2.body.id).toBe(c1.body.id);
    expect((await req('GET', '/v1/conversations', undefined, b.token)).body.conversations.map((c: any) => c.id)).toEqual([c1.body.id]);
    expectError(await req('POST', '/v1/conversations', { kind: 'direct', with: a.handle }, a.token), 400, 'request.invalid');
  });

  it('a forged mode in the request is refused', async () => {
    const a = await user();
    const b = await user();
    expectError(await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle, mode: 'e2ee' }, a.token), 400, 'request.invalid');
  });

  it('send, resend (same message, 200), list after, ack (monotonic, clamped)', async () => {
    const a = await user();
    const b = await user();
    const conv = (await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle }, a.token)).body;
    const path = `/v1/conversations/${conv.id}/messages`;
    const first = await req('POST', path, { clientMessageId: 'client-msg-1', body: 'aGVsbG8=' }, a.token);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ seq: 1, body: 'aGVsbG8=', sender: { handle: a.handle }, conversationId: conv.id });
    const again = await req('POST', path, { clientMessageId: 'client-msg-1', body: 'aGVsbG8=' }, a.token);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    await req('POST', path, { clientMessageId: 'client-msg-2', body: 'Ymll' }, b.token);
    expect((await req('GET', `${path}?after=1`, undefined, b.token)).body.messages.map((m: any) => m.seq)).toEqual([2]);
    expect((await req('GET', path, undefined, b.token)).body.messages).toHaveLength(2);
    const ack = `/v1/conversations/${conv.id}/ack`;
    expect((await req('POST', ack, { seq: 1 }, b.token)).body).toEqual({ conversationId: conv.id, ackedSeq: 1 });
    expect((await req('POST', ack, { seq: 0 }, b.token)).body.ackedSeq).toBe(1);
    expect((await req('POST', ack, { seq: 99 }, b.token)).body.ackedSeq).toBe(2);
    expectError(await req('GET', `${path}?limit=100000`, undefined, b.token), 400, 'request.invalid');
  });

  it('messages over the size limit are refused; bodies must be base64', async () => {
    const a = await user();
    const b = await user();
    const conv = (await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle }, a.token)).body;
    const path = `/v1/conversations/${conv.id}/messages`;
    expectError(await req('POST', path, { clientMessageId: 'too-big-msg', body: Buffer.alloc(1500).toString('base64') }, a.token), 413, 'message.too_large');
    expectError(await req('POST', path, { clientMessageId: 'not-base64', body: 'no spaces allowed!' }, a.token), 400, 'request.invalid');
    expectError(await req('POST', path, { clientMessageId: 'short', body: 'aGk=' }, a.token), 400, 'request.invalid');
  });

  it('a conversation you are not in is 404 for reading, writing, acking and members', async () => {
    const a = await user();
    const b = await user();
    const c = await user();
    const conv = (await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle }, a.token)).body;
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const id of [conv.id, missing]) {
      expectError(await req('GET', `/v1/conversations/${id}`, undefined, c.token), 404, 'conversation.not_found');
      expectError(await req('GET', `/v1/conversations/${id}/messages`, undefined, c.token), 404, 'conversation.not_found');
      expectError(await req('POST', `/v1/conversations/${id}/messages`, { clientMessageId: 'intruder-1', body: 'aGk=' }, c.token), 404, 'conversation.not_found');
      expectError(await req('POST', `/v1/conversations/${id}/ack`, { seq: 1 }, c.token), 404, 'conversation.not_found');
    }
    expectError(await req('GET', '/v1/conversations/not-a-uuid', undefined, c.token), 400, 'request.invalid');
  });

  it('groups: create, add, remove, limits, only groups take members', async () => {
    const [a, b, c, d] = [await user(), await user(), await user(), await user()];
    const g = await req('POST', '/v1/conversations', { kind: 'group', title: 'Friends', members: [b.handle, c.handle] }, a.token);
    expect(g.status).toBe(201);
    expect(g.body.members.map((m: any) => m.handle).sort()).toEqual([a.handle, b.handle, c.handle].sort());
    const added = await req('POST', `/v1/conversations/${g.body.id}/members`, { handle: d.handle }, b.token);
    expect(added.body.members).toHaveLength(4);
    expectError(await req('POST', `/v1/conversations/${g.body.id}/members`, { handle: d.handle }, b.token), 409, 'conversation.already_member');
    expectError(await req('DELETE', `/v1/conversations/${g.body.id}/members/${c.handle}`, undefined, b.token), 403, 'auth.forbidden');
    expect((await req('DELETE', `/v1/conversations/${g.body.id}/members/${c.handle}`, undefined, c.token)).body.members).toHaveLength(3);
    expectError(await req('GET', `/v1/conversations/${g.body.id}`, undefined, c.token), 404, 'conversation.not_found');
    expect((await req('DELETE', `/v1/conversations/${g.body.id}/members/${d.handle}`, undefined, a.token)).status).toBe(200);
    expectError(await req('POST', '/v1/conversations', { kind: 'group', title: 'x', members: ['no.such.one'] }, a.token), 404, 'account.not_found');
    const direct = (await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle }, a.token)).body;
    expectError(await req('POST', `/v1/conversations/${direct.id}/members`, { handle: c.handle }, a.token), 400, 'conversation.not_group');
    const small = await startTestServer({ limits: { groupMembers: 2 }, mls: { enabled: false } });
    try {
      const reg = async (h: string) => (await small.app.inject({ method: 'POST', url: '/v1/accounts', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ handle: h, password: 'a long password', birthDate: '1990-01-01' }) })).json();
      const [x] = [await reg('gx.one'), await reg('gx.two'), await reg('gx.three')];
      const r = await small.app.inject({ method: 'POST', url: '/v1/conversations', headers: { 'content-type': 'application/json', authorization: `Bearer ${x.token}` }, payload: JSON.stringify({ kind: 'group', title: 't', members: ['gx.two', 'gx.three'] }) });
      expect(r.statusCode).toBe(422);
      expect(r.json().error.code).toBe('conversation.too_many_members');
    } finally {
      await small.close();
    }
  });
});
