import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  E2eeDevice,
  GroupSession,
  MemoryStateStore,
  encodeFrankingAad,
  encryptPayload,
  generateAccountKeys,
  generateDeviceKeys,
  generateKeyPackages,
  type CryptoResult,
  type DeviceKeys,
} from '@haven/crypto';
import type { AccountId, DeviceId, Message } from '@haven/protocol';
import { startTestServer, type TestServer } from '../src/testing.node.ts';
import { createPgDatabase, PG } from './databases';
import { call, directConversation, registerUser, uniqueHandle } from './http-client';

// The server as MLS Delivery and Authentication Service, over raw HTTP with real MLS bytes from
// @haven/crypto: key package checks, atomic claims, commit ordering, device-targeted welcomes and the
// checks on application messages. On PGlite and, where concurrency matters, on PostgreSQL.

const SUITE1 = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;
const XWING = 'MLS_256_XWING_AES256GCM_SHA512_Ed25519' as const;
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
let cmid = 0;
const cid = () => `mls-test-${Date.now().toString(36)}-${++cmid}`;

function value<T>(r: CryptoResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

interface Dev {
  token: string;
  accountId: string;
  deviceId: string;
  handle: string;
  device: E2eeDevice;
}

async function user(url: string, suite: typeof SUITE1 | typeof XWING = SUITE1, oneTime = 3): Promise<Dev> {
  const s = await registerUser(url, uniqueHandle('m'));
  const device = await E2eeDevice.open(new MemoryStateStore(), { accountId: s.account.id, deviceId: s.deviceId }, { suite });
  // The account's first device makes its account key and certifies itself (as registration does, issue 15).
  await device.adoptAccountKeys(generateAccountKeys(s.account.id), Date.now());
  const kps = await device.generateKeyPackages({ count: oneTime, now: Date.now() });
  const up = await call(url, 'POST', '/v1/mls/key-packages', { keyPackages: kps.map((k) => b64(k.keyPackage)) }, s.token);
  expect(up.status).toBe(200);
  return { token: s.token, accountId: s.account.id, deviceId: s.deviceId, handle: s.account.handle, device };
}

async function claim(url: string, by: Dev, conversationId: string, of: Dev[]) {
  const r = await call<{ keyPackages: { keyPackage: string }[] }>(url, 'POST', `/v1/conversations/${conversationId}/mls/claim`, { devices: of.map((d) => d.deviceId) }, by.token);
  expect(r.status).toBe(200);
  return r.body.keyPackages.map((k) => unb64(k.keyPackage));
}

const submit = (url: string, by: Dev, conversationId: string, commit: Uint8Array, welcome?: Uint8Array) =>
  call(url, 'POST', `/v1/conversations/${conversationId}/mls/commits`, { clientMessageId: cid(), commit: b64(commit), ...(welcome ? { welcome: b64(welcome) } : {}) }, by.token);

const sendMls = (url: string, by: Dev, conversationId: string, body: Uint8Array, contentType = 'application/mls-message') =>
  call(url, 'POST', `/v1/conversations/${conversationId}/messages`, { clientMessageId: cid(), body: b64(body), contentType }, by.token);

const listIn = async (url: string, d: Dev, conversationId: string) =>
  (await call<{ messages: Message[] }>(url, 'GET', `/v1/conversations/${conversationId}/messages?after=0`, undefined, d.token)).body.messages;

/** alice creates the conversation's group adding bob; both end at epoch 1. */
async function pair(url: string) {
  const a = await user(url);
  const b = await user(url);
  const convo = await directConversation(url, a.token, b.handle);
  expect(convo.mode).toBe('e2ee');
  const sa = await a.device.createGroup(convo.id);
  const pc = value(await sa.addMembers(await claim(url, a, convo.id, [b]), { now: Date.now() }));
  expect((await submit(url, a, convo.id, pc.commit, pc.welcome)).status).toBe(201);
  value(await sa.mergePendingCommit());
  const sb = value(await b.device.join(pc.welcome!, { conversationId: convo.id })).session;
  return { a, b, convo, sa, sb };
}

describe.each([
  { name: 'pglite', skip: false, reason: '' },
  { name: 'postgres', skip: !PG.available, reason: PG.reason },
])('MLS delivery service on $name', ({ name, skip, reason }) => {
  const skipped = skip ? ` (skipped: ${reason})` : '';
  let server: TestServer;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (skip) return;
    const database = name === 'postgres' ? await createPgDatabase() : undefined;
    drop = database?.drop;
    server = await startTestServer({ mls: { allowedSuites: [SUITE1] }, ...(database ? { database: { url: database.url } } : {}) });
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  it.skipIf(skip)(`two concurrent claims never get the same one-time key package; then the last-resort one${skipped}`, async () => {
    const a = await user(server.url);
    const b = await user(server.url, SUITE1, 12);
    const convo = await directConversation(server.url, a.token, b.handle);
    const got = await Promise.all(Array.from({ length: 30 }, () => claim(server.url, a, convo.id, [b])));
    const all = got.map((g) => b64(g[0]!));
    const counts = new Map<string, number>();
    for (const k of all) counts.set(k, (counts.get(k) ?? 0) + 1);
    // 12 distinct one-time packages once each, and the one last-resort package for the other 18 claims.
    expect([...counts.values()].sort((x, y) => x - y)).toEqual([...Array(12).fill(1), 18]);
    const status = await call(server.url, 'GET', '/v1/mls/key-packages', undefined, b.token);
    expect(status.body).toMatchObject({ oneTime: 0, lastResort: true });
  });

  it.skipIf(skip)(`the first commit for an epoch wins; the later one gets mls.stale_epoch (409), recovers and retries${skipped}`, async () => {
    const { a, b, convo, sa, sb } = await pair(server.url);
    const ca = value(await sa.updateKeys());
    const cb = value(await sb.updateKeys());
    const [ra, rb] = await Promise.all([submit(server.url, a, convo.id, ca.commit), submit(server.url, b, convo.id, cb.commit)]);
    expect([ra.status, rb.status].sort()).toEqual([201, 409]);
    const [winner, wSession, loser, lSession, lost] = ra.status === 201 ? [a, sa, b, sb, rb] : [b, sb, a, sa, ra];
    expect(lost.body.error.code).toBe('mls.stale_epoch');
    expect((await call(server.url, 'GET', `/v1/conversations/${convo.id}/mls`, undefined, a.token)).body.epoch).toBe(2);
    value(await wSession.mergePendingCommit());
    // The loser processes the winner's commit (which discards its own), and retries at the new epoch.
    const msgs = (await call<{ messages: Message[] }>(server.url, 'GET', `/v1/conversations/${convo.id}/messages?after=0`, undefined, loser.token)).body.messages;
    const winning = msgs.filter((m) => m.contentType === 'application/mls-commit' && m.senderDeviceId === winner.deviceId).at(-1)!;
    value(await lSession.process(unb64(winning.body)));
    expect(lSession.hasPendingCommit).toBe(false);
    const retry = value(await lSession.updateKeys());
    expect((await submit(server.url, loser, convo.id, retry.commit)).status).toBe(201);
    value(await lSession.mergePendingCommit());
    expect(lSession.epoch).toBe(3);
    // A stale commit again (epoch 2 < 3) is refused without changing anything.
    expect((await submit(server.url, winner, convo.id, ca.commit)).body.error.code).toBe('mls.stale_epoch');
    expect((await call(server.url, 'GET', `/v1/conversations/${convo.id}/mls`, undefined, a.token)).body.epoch).toBe(3);
  });

  it.skipIf(skip)(`issue 13 item 6: what the server can see of a welcome must agree with its commit and conversation; a welcome is delivered once${skipped}`, async () => {
    const a = await user(server.url);
    const b = await user(server.url);
    const y = await call(server.url, 'POST', '/v1/conversations', { kind: 'group', title: 'Y', members: [b.handle] }, a.token);
    const sy = await a.device.createGroup(y.body.id);
    const [kpB] = await claim(server.url, a, y.body.id, [b]);
    const addY = value(await sy.addMembers([kpB!], { now: Date.now() }));
    expect((await submit(server.url, a, y.body.id, addY.commit, addY.welcome)).status).toBe(201);
    value(await sy.mergePendingCommit());

    const x = await call(server.url, 'POST', '/v1/conversations', { kind: 'group', title: 'X', members: [b.handle] }, a.token);
    const sx = await a.device.createGroup(x.body.id);
    // A commit of Y's group submitted in X.
    const yCommit = value(await sy.updateKeys()).commit;
    sy.discardPendingCommit();
    const wrongGroup = await submit(server.url, a, x.body.id, yCommit);
    expect([wrongGroup.status, wrongGroup.body.error.code]).toEqual([400, 'mls.bad_message']);
    // Y's welcome replayed in X with a commit that adds the same key package (its bytes were public).
    const addX = value(await sx.addMembers([kpB!], { now: Date.now() }));
    const replay = await submit(server.url, a, x.body.id, addX.commit, addY.welcome);
    expect([replay.status, replay.body.error.code, replay.body.error.message]).toEqual([400, 'mls.bad_message', 'This welcome was already delivered (a replay).']);
    // A welcome whose suite is not the one of the key packages the commit adds.
    const otherSuite = addX.welcome!.slice();
    otherSuite[5] = 83; // cipher_suite (uint16 after version and wire format): X-Wing instead of suite 1
    expect((await submit(server.url, a, x.body.id, addX.commit, otherSuite)).body.error.code).toBe('mls.bad_message');
    // Nothing moved X's epoch; its own welcome is accepted, once.
    expect((await call(server.url, 'GET', `/v1/conversations/${x.body.id}/mls`, undefined, a.token)).body.epoch).toBe(0);
    expect((await submit(server.url, a, x.body.id, addX.commit, addX.welcome)).status).toBe(201);
    expect((await listIn(server.url, b, y.body.id)).filter((m) => m.contentType === 'application/mls-welcome')).toHaveLength(1);
    expect((await listIn(server.url, b, x.body.id)).filter((m) => m.contentType === 'application/mls-welcome')).toHaveLength(1);
  });
});

describe('MLS delivery service checks', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ mls: { allowedSuites: [SUITE1] } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('key packages: suite allowed, credential of the uploader, pinned signature key, well-formed', async () => {
    const a = await user(server.url);
    const up = (token: string, kps: Uint8Array[]) => call(server.url, 'POST', '/v1/mls/key-packages', { keyPackages: kps.map(b64) }, token);
    const xwing = await generateKeyPackages(await generateDeviceKeys({ accountId: a.accountId as AccountId, deviceId: a.deviceId as DeviceId }, { suite: XWING }), { count: 1, now: Date.now() });
    expect((await up(a.token, [xwing[0]!.keyPackage])).body.error.code).toBe('mls.suite_not_allowed');
    const other = await user(server.url);
    const theirs = await other.device.generateKeyPackages({ count: 1, lastResort: false, now: Date.now() });
    expect((await up(a.token, [theirs[0]!.keyPackage])).body.error.code).toBe('mls.credential_mismatch');
    // Same account and device in the credential, but signed with another key than the one pinned at first upload.
    const rekeyed = await generateKeyPackages(await generateDeviceKeys({ accountId: a.accountId as AccountId, deviceId: a.deviceId as DeviceId }, { suite: SUITE1 }), { count: 1, now: Date.now() });
    const r = await up(a.token, [rekeyed[0]!.keyPackage]);
    expect([r.status, r.body.error.code]).toEqual([403, 'mls.credential_mismatch']);
    expect((await up(a.token, [new Uint8Array([1, 2, 3])])).body.error.code).toBe('mls.bad_key_package');
    const two = await a.device.generateKeyPackages({ count: 0, now: Date.now() });
    const two2 = await a.device.generateKeyPackages({ count: 0, now: Date.now() });
    expect((await up(a.token, [two[0]!.keyPackage, two2[0]!.keyPackage])).body.error.code).toBe('mls.bad_key_package');
    expect((await call(server.url, 'GET', '/v1/mls/key-packages', undefined, a.token)).body).toMatchObject({ oneTime: 3, lastResort: true, allowedSuites: [SUITE1] });
  });

  it('welcomes reach only the added device; commits are checked against the directory and membership', async () => {
    const { a, b, convo, sa } = await pair(server.url);
    const list = async (d: Dev) => (await call<{ messages: Message[] }>(server.url, 'GET', `/v1/conversations/${convo.id}/messages?after=0`, undefined, d.token)).body.messages;
    expect((await list(b)).map((m) => m.contentType)).toEqual(['application/mls-commit', 'application/mls-welcome']);
    expect((await list(b))[1]!.recipientDeviceId).toBe(b.deviceId);
    expect((await list(a)).map((m) => m.contentType)).toEqual(['application/mls-commit']);
    // A second device of alice's, not yet in the group, does not see bob's welcome either.
    const login = await call(server.url, 'POST', '/v1/sessions', { handle: a.handle, password: `pw-${a.handle}-long` });
    expect(login.status).toBe(200);
    expect((await call<{ messages: Message[] }>(server.url, 'GET', `/v1/conversations/${convo.id}/messages?after=0`, undefined, login.body.token)).body.messages.map((m) => m.contentType)).toEqual(['application/mls-commit']);

    // Adding a device of someone who is not a member.
    const stranger = await user(server.url);
    const strangerKp = (await stranger.device.generateKeyPackages({ count: 1, lastResort: false, now: Date.now() }))[0]!.keyPackage;
    const bad = value(await sa.addMembers([strangerKp], { now: Date.now() }));
    expect((await submit(server.url, a, convo.id, bad.commit, bad.welcome)).body.error.code).toBe('mls.not_member');
    sa.discardPendingCommit();
    // Removing a current member's device is refused.
    const kick = value(await sa.removeMembers({ devices: [{ accountId: b.accountId as AccountId, deviceId: b.deviceId as DeviceId }] }));
    expect((await submit(server.url, a, convo.id, kick.commit)).body.error.code).toBe('auth.forbidden');
    sa.discardPendingCommit();
    // Bob uploading alice's commit: the sender leaf is not his.
    const upd = value(await sa.updateKeys());
    expect((await submit(server.url, b, convo.id, upd.commit)).body.error.code).toBe('mls.credential_mismatch');
    // A commit without its welcome, or with a welcome that names other devices.
    const c = await user(server.url);
    const g = await call(server.url, 'POST', '/v1/conversations', { kind: 'group', title: 'g', members: [b.handle, c.handle] }, a.token);
    const sg = await a.device.createGroup(g.body.id);
    const add = value(await sg.addMembers(await claim(server.url, a, g.body.id, [b, c]), { now: Date.now() }));
    expect((await submit(server.url, a, g.body.id, add.commit)).body.error.code).toBe('mls.bad_message');
    expect((await submit(server.url, a, g.body.id, add.commit, pairWelcome)).body.error.code).toBe('mls.bad_message');
    expect((await call(server.url, 'GET', `/v1/conversations/${g.body.id}/mls`, undefined, a.token)).body.epoch).toBe(0);
    expect((await submit(server.url, a, g.body.id, add.commit, add.welcome)).status).toBe(201);
    // Garbage and standalone non-commits.
    expect((await submit(server.url, a, g.body.id, new Uint8Array(40))).body.error.code).toBe('mls.bad_message');
    sa.discardPendingCommit();
  });

  it('application messages: only MLS PrivateMessages with a commitment, at the current epoch, from a roster device', async () => {
    const { a, b, convo, sa, sb } = await pair(server.url);
    const msg = value(await encryptPayload(sa, { v: 1, text: 'hi' })).message;
    const ok = await sendMls(server.url, a, convo.id, msg);
    expect(ok.status).toBe(201);
    expect(ok.body.franking).toMatchObject({ keyId: 'default', timestamp: Date.parse(ok.body.sentAt) });
    // Plain JSON in an e2ee conversation, and a commit through the send path.
    expect((await call(server.url, 'POST', `/v1/conversations/${convo.id}/messages`, { clientMessageId: cid(), body: b64(new TextEncoder().encode('{"v":1,"text":"x"}')) }, a.token)).body.error.code).toBe('request.unsupported_media_type');
    const upd = value(await sb.updateKeys());
    expect((await sendMls(server.url, b, convo.id, upd.commit, 'application/mls-commit')).body.error.code).toBe('request.invalid');
    expect((await sendMls(server.url, b, convo.id, upd.commit)).body.error.code).toBe('mls.bad_message');
    sb.discardPendingCommit();
    // No franking commitment in the authenticated data.
    expect((await sendMls(server.url, a, convo.id, value(await sa.encrypt(new Uint8Array([1]))))).body.error.code).toBe('mls.bad_message');
    expect((await sendMls(server.url, a, convo.id, value(await sa.encrypt(new Uint8Array([1]), new Uint8Array(33))))).body.error.code).toBe('mls.bad_message');
    // A device of a member that is not in the group (its own group under the same id): not a roster device.
    const login = await call(server.url, 'POST', '/v1/sessions', { handle: b.handle, password: `pw-${b.handle}-long` });
    const b2keys = await generateDeviceKeys({ accountId: b.accountId as AccountId, deviceId: login.body.deviceId as DeviceId }, { suite: SUITE1 });
    const rogue = await GroupSession.create(b2keys as DeviceKeys, new TextEncoder().encode(convo.id));
    const forged = value(await rogue.encrypt(new Uint8Array([1]), encodeFrankingAad(new Uint8Array(32))));
    const ghost = { ...b, token: login.body.token, deviceId: login.body.deviceId };
    // Epoch 0 of the rogue group: refused as stale first; at the right epoch it would be not_member.
    expect((await sendMls(server.url, ghost, convo.id, forged)).body.error.code).toBe('mls.stale_epoch');
    for (let i = 0; i < 1; i++) value(await rogue.updateKeys()), value(await rogue.mergePendingCommit());
    const forged1 = value(await rogue.encrypt(new Uint8Array([1]), encodeFrankingAad(new Uint8Array(32))));
    const r = await sendMls(server.url, ghost, convo.id, forged1);
    expect([r.status, r.body.error.code]).toEqual([403, 'mls.not_member']);
    // After a commit, a message made at the old epoch is refused.
    const old = value(await encryptPayload(sa, { v: 1, text: 'old epoch' })).message;
    const u = value(await sb.updateKeys());
    expect((await submit(server.url, b, convo.id, u.commit)).status).toBe(201);
    const stale = await sendMls(server.url, a, convo.id, old);
    expect([stale.status, stale.body.error.code]).toEqual([409, 'mls.stale_epoch']);
    // A non-member account cannot even see the conversation.
    const stranger = await user(server.url);
    expect((await sendMls(server.url, stranger, convo.id, msg)).body.error.code).toBe('conversation.not_found');
    expect((await call(server.url, 'GET', `/v1/conversations/${convo.id}/mls`, undefined, stranger.token)).body.error.code).toBe('conversation.not_found');
  });
});

// A welcome of another group, for the mismatch check above.
let pairWelcome: Uint8Array;
beforeAll(async () => {
  const x = await E2eeDevice.open(new MemoryStateStore(), { accountId: crypto.randomUUID() as AccountId, deviceId: crypto.randomUUID() as DeviceId }, { suite: SUITE1 });
  const y = await E2eeDevice.open(new MemoryStateStore(), { accountId: crypto.randomUUID() as AccountId, deviceId: crypto.randomUUID() as DeviceId }, { suite: SUITE1 });
  for (const d of [x, y]) await d.adoptAccountKeys(generateAccountKeys(d.identity.accountId), Date.now());
  const kp = (await y.generateKeyPackages({ count: 1, lastResort: false, now: Date.now() }))[0]!.keyPackage;
  pairWelcome = value(await (await x.createGroup(crypto.randomUUID())).addMembers([kp], { now: Date.now() })).welcome!;
});
