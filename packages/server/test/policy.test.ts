import { PLATFORM_PDQ_LIST, PLATFORM_SHA256_LIST } from '../src/detection/platform-list';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashImageBuffer } from '@haven/pdq/node';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load';
import { createAccount } from '../src/services/accounts';
import { mediaPolicyInspector } from '../src/detection/inspector';
import type { Caller } from '../src/services/context';
import { startTestServer, type TestServer } from '../src/testing.node.ts';
import { jpeg, patternImage } from './images';

// The safety policy wired into the server (issue 6, points 2–6), through app.inject(). Rule IDs are
// those of packages/safety/SPEC.md.

let server: TestServer;
let now = new Date('2026-06-01T12:00:00Z');
beforeAll(async () => {
  server = await startTestServer({ safety: { rules: { maxGroupSizeWithChildren: 4 } } }, { now: () => now });
});
afterAll(() => server.close());

interface Res {
  status: number;
  body: any;
}
async function req(method: string, url: string, body?: unknown, token?: string): Promise<Res> {
  const r = await server.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
}
function expectError(r: Res, status: number, code: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error.code).toBe(code);
  expect(r.body.error.message.length).toBeGreaterThan(10);
}

let n = 0;
type U = { handle: string; token: string; id: string; deviceId: string };
async function user(birthDate = '1990-01-01', region?: string): Promise<U> {
  const handle = `p${++n}x${Date.now().toString(36)}`;
  const r = await req('POST', '/v1/accounts', { handle, password: 'a long password', birthDate, ...(region ? { region } : {}) });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { handle, token: r.body.token, id: r.body.account.id, deviceId: r.body.deviceId };
}
const adult = () => user('1990-01-01');
const child = () => user('2011-03-01'); // 15 on the test clock
async function contacts(a: U, b: U) {
  expect((await req('POST', '/v1/contacts', { handle: b.handle }, a.token)).status).toBe(201);
  const acc = await req('POST', `/v1/contacts/${a.handle}/accept`, undefined, b.token);
  expect(acc.status, JSON.stringify(acc.body)).toBe(200);
}
async function group(owner: U, members: U[], title = 'g') {
  const r = await req('POST', '/v1/conversations', { kind: 'group', title, members: members.map((m) => m.handle) }, owner.token);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}
async function admin(): Promise<U> {
  const handle = `admin${++n}x`;
  await createAccount(server.services.db, now, { handle: handle as never, password: 'a long admin password', birthDate: '1980-01-01', role: 'admin' });
  const r = await req('POST', '/v1/sessions', { handle, password: 'a long admin password' });
  return { handle, token: r.body.token, id: r.body.account.id, deviceId: r.body.deviceId };
}

describe('config (P5)', () => {
  it('a wrong safety value stops the server with the key named', () => {
    const bad = (safety: unknown) => () => loadConfig({ env: {}, overrides: { safety } as never });
    expect(bad({ policy: 'open' })).toThrowError(ConfigError);
    expect(bad({ policy: 'open' })).toThrowError(/safety\.policy/);
    expect(bad({ rules: { contactsOnly: 'yes' } })).toThrowError(/safety\.rules\.contactsOnly/);
    expect(bad({ rulez: {} })).toThrowError(/rulez/);
    expect(bad({ help: { defaultRegion: 'XX' } })).toThrowError(/safety\.help\.defaultRegion/);
    expect(loadConfig({ env: {}, overrides: { safety: { policy: 'e2ee-only' } } }).safety.policy).toBe('e2ee-only');
  });
});

describe('accounts and ages (A1–A4)', () => {
  it('a client cannot change its birth date after sign-up: forged fields are refused and the band stays', async () => {
    const c = await child();
    expectError(await req('POST', '/v1/sessions', { handle: c.handle, password: 'a long password', birthDate: '1990-01-01' }), 400, 'request.invalid');
    expectError(await req('POST', '/v1/accounts', { handle: c.handle, password: 'a long password', birthDate: '1990-01-01' }), 409, 'account.handle_taken');
    const me = await req('GET', '/v1/me', undefined, c.token);
    expect(me.body.ageBand).toBe('child');
    expect(me.body).not.toHaveProperty('birthDate');
  });
});

describe('modes and contacts (P2, C3–C6)', () => {
  it('the proof, by hand: A→B e2ee; A cannot reach C; C asks A, A accepts; A–C is visible with the reason', async () => {
    const [a, b, c] = [await adult(), await adult(), await child()];
    const ab = await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle }, a.token);
    expect(ab.body).toMatchObject({ mode: 'e2ee', modeReasonCode: 'mode.adults_only', modeReason: '🔒 end-to-end encrypted: every member is an adult' });
    // C9: to A, a child A is not connected to is a handle that does not exist.
    const refused = await req('POST', '/v1/contacts', { handle: c.handle }, a.token);
    expectError(refused, 404, 'account.not_found');
    expect(refused.body.error).not.toHaveProperty('help');
    expectError(await req('POST', '/v1/conversations', { kind: 'direct', with: c.handle }, a.token), 404, 'account.not_found');
    // The child cannot message the adult before they accept.
    expect((await req('POST', '/v1/contacts', { handle: a.handle }, c.token)).status).toBe(201);
    expectError(await req('POST', '/v1/conversations', { kind: 'direct', with: a.handle }, c.token), 403, 'policy.not_contact');
    expect((await req('POST', `/v1/contacts/${c.handle}/accept`, undefined, a.token)).status).toBe(200);
    const ac = await req('POST', '/v1/conversations', { kind: 'direct', with: c.handle }, a.token);
    expect(ac.status).toBe(201);
    expect(ac.body).toMatchObject({ mode: 'visible', modeReasonCode: 'mode.member_under_18', modeReason: 'visible to safety checks: a member is under 18' });
    // Every member sees the same mode and reason.
    const seen = await req('GET', `/v1/conversations/${ac.body.id}`, undefined, c.token);
    expect(seen.body).toMatchObject({ mode: 'visible', modeReason: 'visible to safety checks: a member is under 18' });
  });

  it('a forged mode in a request is refused; the server decides', async () => {
    const [a, b] = [await adult(), await adult()];
    expectError(await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle, mode: 'visible' }, a.token), 400, 'request.invalid');
    expectError(await req('POST', '/v1/conversations', { kind: 'group', title: 't', members: [b.handle], modeReasonCode: 'x' }, a.token), 400, 'request.invalid');
  });

  it('C2: a block refuses requests and conversations; the blocker is told to unblock first', async () => {
    const [a, b] = [await adult(), await adult()];
    expect((await req('POST', `/v1/contacts/${b.handle}/block`, undefined, a.token)).status).toBe(200);
    const mine = await req('POST', '/v1/contacts', { handle: b.handle }, a.token);
    expectError(mine, 403, 'policy.blocked');
    expect(mine.body.error.message).toMatch(/unblock/);
    expectError(await req('POST', '/v1/conversations', { kind: 'direct', with: a.handle }, b.token), 403, 'policy.blocked');
  });
});

describe('groups (G1–G7, P4)', () => {
  it('G2: an adult cannot add a child who is not their contact, nor one who is not every adult member\'s contact', async () => {
    const [a, b, c] = [await adult(), await adult(), await child()];
    const g = await group(a, [b]);
    // C9: not connected to the child, a cannot tell it from a missing handle.
    expectError(await req('POST', `/v1/conversations/${g.id}/members`, { handle: c.handle }, a.token), 404, 'account.not_found');
    await contacts(c, a);
    const r = await req('POST', `/v1/conversations/${g.id}/members`, { handle: c.handle }, a.token);
    expectError(r, 403, 'policy.adult_to_child'); // b is not c's contact
  });

  it('P4: a change that would change the mode is refused with policy.mode_change and the reason', async () => {
    const [a, b, c] = [await adult(), await adult(), await child()];
    await contacts(c, a);
    await contacts(c, b);
    const g = await group(a, [b]);
    expect(g.mode).toBe('e2ee');
    const r = await req('POST', `/v1/conversations/${g.id}/members`, { handle: c.handle }, a.token);
    expectError(r, 409, 'policy.mode_change');
    expect(r.body.error.message).toMatch(/visible to safety checks: a member is under 18/);
    // Leaving is never refused and keeps the mode (P8).
    const left = await req('DELETE', `/v1/conversations/${g.id}/members/${b.handle}`, undefined, b.token);
    expect(left.body.mode).toBe('e2ee');
  });

  it('an adult cannot bring a child in through an invite link, nor join a group with a child by link', async () => {
    const [a, c, c2, d] = [await adult(), await child(), await child(), await adult()];
    await contacts(c, a);
    const g = await group(a, [c]);
    expect(g.mode).toBe('visible');
    const link = await req('POST', `/v1/conversations/${g.id}/invites`, undefined, a.token);
    expect(link.status).toBe(201);
    // A child who does not know the adult: refused (G2).
    expectError(await req('POST', '/v1/invites/join', { token: link.body.token }, c2.token), 403, 'policy.adult_to_child');
    // An adult stranger using a child's link: refused without saying a child is there.
    const childLink = await req('POST', `/v1/conversations/${g.id}/invites`, undefined, c.token);
    const r = await req('POST', '/v1/invites/join', { token: childLink.body.token }, d.token);
    expectError(r, 404, 'conversation.not_found');
    expect(r.body.error.message).not.toMatch(/18|child/i);
    expectError(await req('POST', '/v1/invites/join', { token: 'not-a-real-token-at-all-000' }, d.token), 404, 'conversation.not_found');
    // A child who knows the adult joins.
    await contacts(c2, a);
    await contacts(c2, c);
    const ok = await req('POST', '/v1/invites/join', { token: link.body.token }, c2.token);
    expect(ok.status).toBe(200);
    expect(ok.body.members.map((m: any) => m.handle)).toContain(c2.handle);
  });

  it('G2: an adult is not brought in via a third member (a child adding a friend to a group with an adult they do not know)', async () => {
    const [a, c1, c2] = [await adult(), await child(), await child()];
    await contacts(c1, a);
    await contacts(c1, c2);
    const g = await group(c1, [a]);
    expectError(await req('POST', `/v1/conversations/${g.id}/members`, { handle: c2.handle }, c1.token), 403, 'policy.adult_to_child');
    // And at creation (G7).
    expectError(await req('POST', '/v1/conversations', { kind: 'group', title: 'x', members: [a.handle, c2.handle] }, c1.token), 403, 'policy.adult_to_child');
  });

  it('concurrent joins are checked one after the other (G5: at most 4 with a child here)', async () => {
    const [c, k1, k2, k3, k4] = [await child(), await child(), await child(), await child(), await child()];
    const g = await group(c, [k1]);
    const adds = await Promise.all([k2, k3, k4].map((k) => req('POST', `/v1/conversations/${g.id}/members`, { handle: k.handle }, c.token)));
    expect(adds.filter((r) => r.status === 200)).toHaveLength(2);
    expectError(adds.find((r) => r.status !== 200)!, 422, 'conversation.too_many_members');
  });

  it('a race between a child joining and messages being sent: the child sees exactly what was sent after it joined', async () => {
    const [c, k1, k2] = [await child(), await child(), await child()];
    const g = await group(c, [k1]);
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    const sends = Array.from({ length: 8 }, (_, i) => req('POST', `/v1/conversations/${g.id}/messages`, { clientMessageId: `race-${i}-xxxx`, body: b64(`m${i}`) }, k1.token));
    const join = req('POST', `/v1/conversations/${g.id}/members`, { handle: k2.handle }, c.token);
    const [joined, ...sent] = await Promise.all([join, ...sends]);
    expect(joined.status).toBe(200);
    expect(sent.every((r) => r.status === 201)).toBe(true);
    const all = (await req('GET', `/v1/conversations/${g.id}/messages`, undefined, k1.token)).body.messages.map((m: any) => m.seq);
    const theirs = (await req('GET', `/v1/conversations/${g.id}/messages`, undefined, k2.token)).body.messages.map((m: any) => m.seq);
    expect(all).toHaveLength(8);
    // Theirs is a suffix of everything: nothing from before the join, nothing after it missing.
    expect(theirs).toEqual(all.slice(all.length - theirs.length));
  });
});

describe('search (S1–S4)', () => {
  it('children are never shown to adults; children find children; blocks hide both ways', async () => {
    const tag = `srch${Date.now().toString(36)}`;
    const mk = async (suffix: string, birth: string) => {
      const r = await req('POST', '/v1/accounts', { handle: `${tag}${suffix}`, password: 'a long password', birthDate: birth });
      return { handle: `${tag}${suffix}`, token: r.body.token as string };
    };
    const a = await mk('a', '1990-01-01');
    const b = await mk('b', '1990-01-01');
    const c = await mk('c', '2011-01-01');
    const d = await mk('d', '2011-01-01');
    const found = async (who: { token: string }) => (await req('GET', `/v1/accounts/search?q=${tag}`, undefined, who.token)).body.accounts.map((x: any) => x.handle).sort();
    expect(await found(a)).toEqual([b.handle]);
    expect(await found(c)).toEqual([a.handle, b.handle, d.handle]);
    await req('POST', `/v1/contacts/${d.handle}/block`, undefined, c.token);
    expect(await found(c)).toEqual([a.handle, b.handle]);
    expect(await found(d)).toEqual([a.handle, b.handle]);
    expectError(await req('GET', '/v1/accounts/search?q=', undefined, a.token), 400, 'request.invalid');
    expect((await req('GET', '/v1/accounts/search?q=%25', undefined, a.token)).body.accounts).toEqual([]);
  });
});

describe('birthdays (P7)', () => {
  it('a child turning 18 changes nothing existing; new conversations follow the new band', async () => {
    const saved = now;
    try {
      now = new Date('2026-06-01T12:00:00Z');
      const [a, b] = [await adult(), await adult()];
      const c = await user('2008-06-02'); // 17 today, 18 tomorrow
      await contacts(c, a);
      await contacts(c, b);
      const direct = await req('POST', '/v1/conversations', { kind: 'direct', with: c.handle }, a.token);
      const g = await group(a, [c]);
      expect([direct.body.mode, g.mode]).toEqual(['visible', 'visible']);
      now = new Date('2026-06-02T00:30:00+01:00'); // 00:30 BST on the birthday (A4)
      expect((await req('GET', '/v1/me', undefined, c.token)).body.ageBand).toBe('adult');
      expect((await req('GET', `/v1/conversations/${direct.body.id}`, undefined, a.token)).body.mode).toBe('visible');
      const fresh = await req('POST', '/v1/conversations', { kind: 'direct', with: c.handle }, a.token);
      expect(fresh.status).toBe(201);
      expect(fresh.body).toMatchObject({ mode: 'e2ee' });
      expect(fresh.body.id).not.toBe(direct.body.id);
      // Adding an adult to the old visible group would make it e2ee: refused, never silent.
      expectError(await req('POST', `/v1/conversations/${g.id}/members`, { handle: b.handle }, a.token), 409, 'policy.mode_change');
    } finally {
      now = saved;
    }
  });
});

describe('help (H1–H4)', () => {
  it('GET /v1/help: Childline for children, the NSPCC helpline for adults, with the preset in force', async () => {
    const c = await child();
    const a = await adult();
    const ch = await req('GET', '/v1/help', undefined, c.token);
    expect(ch.status).toBe(200);
    expect(ch.body.preset).toBe('nspcc');
    expect(ch.body.resources.map((r: any) => r.contact)).toEqual(expect.arrayContaining(['0800 1111', 'https://www.childline.org.uk/get-support/1-2-1-counsellor-chat/']));
    const ad = await req('GET', '/v1/help', undefined, a.token);
    expect(ad.body.resources.map((r: any) => r.contact)).toContain('0808 800 5000');
    expect((await req('GET', '/v1/help?band=child&region=GB', undefined, a.token)).body.resources.map((r: any) => r.contact)).toContain('0800 1111');
    expectError(await req('GET', '/v1/help?band=elder', undefined, a.token), 400, 'request.invalid');
    expectError(await req('GET', '/v1/help'), 401, 'auth.required');
  });
});

describe('media, detections, admin and audit (D1, D3–D6)', () => {
  let dir: string;
  let known: Buffer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haven-policy-'));
    known = await patternImage(42);
    writeFileSync(join(dir, 'known.txt'), `${(await hashImageBuffer(known)).hash}\n`);
    const r = await server.services.hashLists.store.import(join(dir, 'known.txt'), { name: 'known', source: 'test' });
    expect(r.ok).toBe(true);
    await server.services.hashLists.reload();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const callerOf = (u: U): Caller => ({ accountId: u.id, deviceId: u.deviceId, handle: u.handle, displayName: null, role: 'user', tokenHash: '', expiresAt: new Date(8.64e15) });
  const staged = (bytes: Buffer) => {
    const p = join(dir, `up-${Math.random().toString(36).slice(2)}`);
    writeFileSync(p, bytes);
    return { tmpPath: p, size: bytes.length, sha256: '', read: async () => bytes };
  };
  async function row(id: string) {
    return server.services.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  it('D1/D4: a known image (re-encoded) in a visible conversation is blocked; detection recorded; sender restricted; a clean image passes', async () => {
    const [a, c] = [await adult(), await child()];
    await contacts(c, a);
    const conv = (await req('POST', '/v1/conversations', { kind: 'direct', with: c.handle }, a.token)).body;
    const inspect = mediaPolicyInspector(server.services, { maxBytes: 1 << 20 });
    await expect(inspect({ staged: staged(await jpeg(await patternImage(5), 80)), conversation: await row(conv.id), caller: callerOf(a), mediaId: 'm1' })).resolves.toBeUndefined();
    const blocked = inspect({ staged: staged(await jpeg(known, 60)), conversation: await row(conv.id), caller: callerOf(a), mediaId: 'm2' });
    await expect(blocked).rejects.toMatchObject({ code: 'media.blocked' });
    const d = await server.services.db.selectFrom('detections').selectAll().where('sender_account_id', '=', a.id).executeTakeFirstOrThrow();
    expect(d).toMatchObject({ source: 'server-scan', list_name: 'known', entry_index: 0, conversation_id: conv.id });
    expect(d.distance).toBeLessThanOrEqual(31);
    expect(await server.services.db.selectFrom('quarantine').select('detection_id').where('detection_id', '=', d.id).executeTakeFirst()).toBeDefined();
    // Restricted from all media now, even clean images (policy.media_restricted).
    await expect(inspect({ staged: staged(await jpeg(await patternImage(5), 80)), conversation: await row(conv.id), caller: callerOf(a), mediaId: 'm3' })).rejects.toMatchObject({ code: 'policy.media_restricted' });
  });

  it('an oversized or non-image attachment in a visible conversation gets a clear error; e2ee uploads are not opened', async () => {
    const [a, b, c] = [await adult(), await adult(), await child()];
    await contacts(c, a);
    const visible = (await req('POST', '/v1/conversations', { kind: 'direct', with: c.handle }, a.token)).body;
    const e2ee = (await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle }, a.token)).body;
    const inspect = mediaPolicyInspector(server.services, { maxBytes: 2000 });
    await expect(inspect({ staged: staged(Buffer.from('just some text, not an image')), conversation: await row(visible.id), caller: callerOf(a), mediaId: 'x' })).rejects.toMatchObject({ code: 'media.not_image' });
    await expect(inspect({ staged: staged(known), conversation: await row(visible.id), caller: callerOf(a), mediaId: 'y' })).rejects.toMatchObject({ code: 'media.too_large' });
    await expect(inspect({ staged: staged(Buffer.from('opaque ciphertext')), conversation: await row(e2ee.id), caller: callerOf(a), mediaId: 'z' })).resolves.toBeUndefined();
  });

  it('through the upload route: a non-image in a visible conversation is 415 media.not_image and nothing is kept; e2ee ciphertext is stored', async () => {
    const [a, b, c] = [await adult(), await adult(), await child()];
    await contacts(c, a);
    const visible = (await req('POST', '/v1/conversations', { kind: 'direct', with: c.handle }, a.token)).body;
    const e2ee = (await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle }, a.token)).body;
    const up = (id: string, bytes: Buffer) =>
      server.app.inject({ method: 'POST', url: `/v1/media?conversationId=${id}`, headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/octet-stream' }, payload: bytes });
    const bad = await up(visible.id, Buffer.from('%PDF-1.7 a document'));
    expect(bad.statusCode).toBe(415);
    expect(bad.json().error.code).toBe('media.not_image');
    const ok = await up(visible.id, await jpeg(await patternImage(77), 80));
    expect(ok.statusCode).toBe(201);
    expect((await up(e2ee.id, Buffer.from('opaque ciphertext bytes'))).statusCode).toBe(201);
    const kept = await server.services.db.selectFrom('media').select(['conversation_id']).where('uploader_account_id', '=', a.id).execute();
    expect(kept.map((k) => k.conversation_id).sort()).toEqual([visible.id, e2ee.id].sort());

    // A visible message may reference only media uploaded (and so checked) in that conversation.
    const e2eeMedia = (await up(e2ee.id, Buffer.from('more opaque bytes'))).json().id as string;
    const ref = (mediaId: string) => ({ mediaId, contentType: 'image/jpeg', size: 1, sha256: 'c'.repeat(64) });
    const send = (mediaId: string, cid: string) =>
      req('POST', `/v1/conversations/${visible.id}/messages`, { clientMessageId: cid, body: Buffer.from(JSON.stringify({ v: 1, attachments: [ref(mediaId)] })).toString('base64') }, a.token);
    expectError(await send(e2eeMedia, 'smuggle-1x'), 404, 'media.not_found');
    expectError(await send('not-a-media-id', 'smuggle-2x'), 404, 'media.not_found');
    expect((await send(ok.json().id, 'legit-att-1')).status).toBe(201);
    // Once restricted, files uploaded before cannot be shared either.
    await server.services.db.insertInto('media_restrictions').values({ account_id: a.id, detection_id: null, reason: 'test', created_at: now }).execute();
    const restricted = await send(ok.json().id, 'legit-att-2');
    expectError(restricted, 403, 'policy.media_restricted');
    expect(restricted.body.error.help.resources.length).toBeGreaterThan(0);
  });

  it('D3: hash-list sync gives devices the enabled PDQ lists in compact form', async () => {
    const a = await adult();
    const r = await req('GET', '/v1/hashlists/sync', undefined, a.token);
    expect(r.status).toBe(200);
    expect(r.body.holdsLists).toBe(true);
    const list = r.body.lists.find((l: any) => l.name === 'known');
    expect(list).toMatchObject({ kind: 'pdq', count: 1 });
    expect(Buffer.from(list.entries, 'base64')).toHaveLength(32);
  });

  it('D5/D7: device reports are kept for review, restrict nobody by themselves, and help the reporter; bad reports are refused', async () => {
    const [a, b] = [await adult(), await adult()];
    const conv = (await req('POST', '/v1/conversations', { kind: 'direct', with: b.handle }, a.token)).body;
    const report = { source: 'client-outgoing', conversationId: conv.id, list: 'known', entryIndex: 0, distance: 4, sha256: 'a'.repeat(64) };
    const filed = await req('POST', '/v1/detections', report, a.token);
    expect(filed.status).toBe(201);
    expect(filed.body.help.resources.map((r: any) => r.contact)).toContain('0808 800 5000');
    const kept = await server.services.db.selectFrom('detections').selectAll().where('id', '=', filed.body.detectionId).executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ source: 'client-outgoing', witness: 'sender-device', status: 'open', sender_account_id: a.id });
    expect((await req('GET', `/v1/admin/accounts/${a.handle}`, undefined, (await admin()).token)).body.mediaRestricted).toBe(false);
    expectError(await req('POST', '/v1/detections', { ...report, list: 'nope' }, b.token), 404, 'hashlist.not_found');
    expectError(await req('POST', '/v1/detections', { ...report, entryIndex: 5 }, b.token), 400, 'request.invalid');
    expectError(await req('POST', '/v1/detections', { ...report, source: 'client-incoming' }, b.token), 400, 'request.invalid');
    expectError(await req('POST', '/v1/detections', { ...report, image: 'AAAA' }, b.token), 400, 'request.invalid');
    const stranger = await adult();
    expectError(await req('POST', '/v1/detections', report, stranger.token), 404, 'conversation.not_found');
  });

  it('admin: lists, enable/disable, age assurance and birth date correction, lifting a restriction; users are refused', async () => {
    const root = await admin();
    const u = await adult();
    expectError(await req('GET', '/v1/admin/hashlists', undefined, u.token), 403, 'auth.forbidden');
    expectError(await req('POST', '/v1/admin/hashlists/known', { enabled: false, reason: 'nope' }, u.token), 403, 'auth.forbidden');
    expect((await req('GET', '/v1/admin/hashlists', undefined, root.token)).body.lists).toEqual([expect.objectContaining({ name: 'known', enabled: true, kind: 'pdq' })]);
    expectError(await req('POST', '/v1/admin/hashlists/known', { enabled: false }, root.token), 400, 'request.invalid'); // a reason is required
    expectError(await req('POST', '/v1/admin/hashlists/missing', { enabled: false, reason: 'test' }, root.token), 404, 'hashlist.not_found');
    expect((await req('POST', '/v1/admin/hashlists/known', { enabled: false, reason: 'false positives' }, root.token)).body.enabled).toBe(false);
    // A disabled list is no longer synced; the platform list of self-reported images always is (issue 11).
    const synced = (await req('GET', '/v1/hashlists/sync', undefined, u.token)).body.lists.map((l: { name: string }) => l.name);
    expect(synced).not.toContain('known');
    expect(synced.slice().sort()).toEqual([PLATFORM_PDQ_LIST, PLATFORM_SHA256_LIST].sort());
    expect((await req('POST', '/v1/admin/hashlists/known', { enabled: true, reason: 'fixed' }, root.token)).body.enabled).toBe(true);

    // Age assurance and a birth date correction: an adult found to be 15 in an e2ee chat closes it (P9).
    const [x, y] = [await adult(), await adult()];
    const conv = (await req('POST', '/v1/conversations', { kind: 'direct', with: y.handle }, x.token)).body;
    const fixed = await req('POST', `/v1/admin/accounts/${x.handle}/age`, { ageAssurance: 'verified', birthDate: '2011-01-01', reason: 'ID check' }, root.token);
    expect(fixed.body).toMatchObject({ ageBand: 'child', ageAssurance: 'verified', birthDate: '2011-01-01' });
    expect((await req('GET', '/v1/me', undefined, x.token)).body).toMatchObject({ ageBand: 'child', ageAssurance: 'verified' });
    const closed = await req('POST', `/v1/conversations/${conv.id}/messages`, { clientMessageId: 'after-fix-1', body: 'aGk=' }, y.token);
    expectError(closed, 409, 'policy.mode_change');
    expect(closed.body.error.message).toMatch(/visible to safety checks/);
    expectError(await req('POST', `/v1/admin/accounts/${x.handle}/age`, { ageAssurance: 'verified', birthDate: '2020-01-01', reason: 'typo' }, root.token), 422, 'account.too_young');
    expectError(await req('POST', `/v1/admin/accounts/${x.handle}/age`, { ageAssurance: 'certain', reason: 'x y z' }, root.token), 400, 'request.invalid');

    // Lifting a restriction.
    const r = await adult();
    await server.services.db.insertInto('media_restrictions').values({ account_id: r.id, detection_id: null, reason: 'test', created_at: now }).execute();
    expect((await req('POST', `/v1/admin/accounts/${r.handle}/lift-media-restriction`, { reason: 'reviewed: false match' }, root.token)).body.mediaRestricted).toBe(false);
    expectError(await req('POST', `/v1/admin/accounts/${r.handle}/lift-media-restriction`, { reason: 'again' }, root.token), 400, 'request.invalid');

    const audit = await req('GET', '/v1/admin/audit', undefined, root.token);
    expect(audit.body.chain).toMatchObject({ ok: true, brokenAt: null });
    const actions = audit.body.entries.map((e: any) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['hashlist.disable', 'hashlist.enable', 'account.age_assurance', 'account.lift_media_restriction']));
    expect(audit.body.entries.find((e: any) => e.action === 'hashlist.disable')).toMatchObject({ actor: root.handle, reason: 'false positives', target: 'hashlist:known' });
  });

  it('the audit log is append-only, and a tampered row is detected', async () => {
    const db = server.services.db;
    const root = await admin();
    await req('POST', '/v1/admin/hashlists/known', { enabled: true, reason: 'audit test one' }, root.token);
    await req('POST', '/v1/admin/hashlists/known', { enabled: true, reason: 'audit test two' }, root.token);
    await expect(sql`update audit_log set reason = 'nothing to see' where seq = 1`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log where seq = 1`.execute(db)).rejects.toThrow(/append-only/);
    // Someone with database superpowers edits a row behind the trigger's back: the chain shows where.
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(db);
    await sql`update audit_log set reason = 'nothing to see' where seq = 2`.execute(db);
    await sql`alter table audit_log enable trigger audit_log_no_update`.execute(db);
    const audit = await req('GET', '/v1/admin/audit', undefined, root.token);
    expect(audit.body.chain).toMatchObject({ ok: false, brokenAt: 2 });
    expect(audit.body.chain.message).toMatch(/changed/);
  });
});
