import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@haven/server';
import type { Conversation } from '@haven/protocol';
import { bytesToBase64 } from '../src/index.node';
import { postgres } from '../../../testing/env';
import { createPgDatabase } from '../../../testing/postgres';
import { FAST_SUITE, e2eeUser, pendingDevice, readAll, secondDevice, type E2eeUser } from './e2ee-helpers';

// Issue 15: no ghost devices. A malicious server (played by a test-only hook) inserts a device for a
// victim into the directory and the roster; a password alone signs in a device. Through a real server and
// the real SDK, on PGlite and PostgreSQL: no client adds either, every member is warned, and neither
// reads anything sent after it appeared. Removals and key changes become notices for every member.

const PG = postgres();

async function ghost(server: TestServer, accountId: string, conversation: Conversation, certify: 'none' | 'forged', name: string) {
  const res = await fetch(`${server.url}/v1/test/ghost-device`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountId, conversationIds: [conversation.id], certify, name }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { deviceId: string; token: string };
}

const texts = async (u: E2eeUser, c: Conversation) => (await readAll(u, c)).map((r) => r.text);

describe.each([
  { name: 'pglite', skip: false, reason: '' },
  { name: 'postgres', skip: !PG.available, reason: PG.reason },
])('no ghost devices ($name)', ({ name, skip, reason }) => {
  const skipped = skip ? ` (skipped: ${reason})` : '';
  let server: TestServer;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (skip) return;
    let database = {};
    if (name === 'postgres') {
      const db = await createPgDatabase();
      drop = db.drop;
      database = { database: { url: db.url } };
    }
    server = await startTestServer({ mls: { allowedSuites: [FAST_SUITE] }, ...database }, { testHooks: true });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  it.skipIf(skip)(`a device the server inserts for a victim is added by no client, and every member is warned${skipped}`, async () => {
    const ann = await e2eeUser(server.url, 'gan');
    const ann2 = await secondDevice(server.url, ann, 'tablet');
    const ben = await e2eeUser(server.url, 'gbe');
    const cai = await e2eeUser(server.url, 'gca');
    let g = await ann.client.createGroup('Ghost watch', [ben.handle, cai.handle]);
    await ann.messenger.sendText(g, 'hello all');
    expect(await texts(ben, g)).toEqual(['hello all']);
    expect(await texts(cai, g)).toEqual(['hello all']);
    expect(await texts(ann2, g)).toEqual(['hello all']);

    // The server plays the attacker: one uncertified device and one certified by a key it made up.
    const bare = await ghost(server, ann.accountId, g, 'none', 'bare ghost');
    const forged = await ghost(server, ann.accountId, g, 'forged', 'forged ghost');
    const ghosts = [bare.deviceId, forged.deviceId];
    expect((await ben.client.mlsGroup(g.id)).devices.map((d) => d.deviceId)).toEqual(expect.arrayContaining(ghosts));

    // Every member acts (each send reconciles the group with the server's directory).
    g = await ann.client.conversation(g.id);
    for (const [u, t] of [[ben, 'from ben'], [cai, 'from cai'], [ann, 'from ann'], [ann2, 'from the tablet']] as const) await u.messenger.sendText(g, t);

    // 0 clients added a ghost: no welcome was ever addressed to one, and no member's group holds one.
    const all = await ben.client.messages(g.id, { after: 0, limit: 500 });
    expect(all.filter((m) => m.recipientDeviceId && ghosts.includes(m.recipientDeviceId))).toEqual([]);
    for (const u of [ann, ann2, ben, cai]) {
      const leaves = await u.engine.conversationDevices(g.id);
      expect(leaves.map((l) => l.deviceId).sort()).toEqual([ann.deviceId, ann2.deviceId, ben.deviceId, cai.deviceId].sort());
      expect(leaves.every((l) => l.trusted)).toBe(true);
      // Every member is warned, prominently, naming the device.
      const warnings = (await u.engine.notices(g.id)).filter((n) => n.kind === 'ghost_refused');
      expect(warnings.map((n) => n.subject?.deviceId).sort()).toEqual([...ghosts].sort());
      expect(warnings.every((n) => n.prominent)).toBe(true);
      expect(warnings.map((n) => n.text).join('\n')).toMatch(/“bare ghost”[\s\S]*NOT added|NOT added[\s\S]*“bare ghost”/);
    }
    // The ghost holds a session on the server, yet what it can fetch is ciphertext with no welcome for it.
    const asGhost = await fetch(`${server.url}/v1/conversations/${g.id}/messages?after=0&limit=500`, { headers: { authorization: `Bearer ${forged.token}` } });
    const got = ((await asGhost.json()) as { messages: { contentType: string; recipientDeviceId?: string }[] }).messages;
    expect(got.some((m) => m.contentType === 'application/mls-welcome')).toBe(false);
    // Members still read each other.
    expect(await texts(ann, g)).toEqual(['from ben', 'from cai', 'from the tablet']);
  }, 240_000);

  it.skipIf(skip)(`a password-only login is pending: it cannot upload keys, is never added and reads nothing sent after it${skipped}`, async () => {
    const dan = await e2eeUser(server.url, 'gda');
    const eve = await e2eeUser(server.url, 'gev');
    const convo = await eve.messenger.directWith(dan.handle);
    await eve.messenger.sendText(convo, 'before');
    // Someone who learned dan's password signs in.
    const intruder = await pendingDevice(server.url, dan, 'intruder');
    expect(intruder.engine.linked).toBe(false);
    expect(await intruder.engine.ensureKeyPackages()).toBe(0);
    // A modified client uploads uncertified key packages anyway: the server refuses them.
    const kps = await intruder.engine.device.generateKeyPackages({ count: 2, now: Date.now() });
    await expect(intruder.client.uploadKeyPackages(kps.map((k) => bytesToBase64(k.keyPackage)))).rejects.toMatchObject({ code: 'device.not_linked' });
    // It cannot send either, and the device list shows it as not linked.
    await expect(intruder.messenger.sendText(convo, 'hi')).rejects.toMatchObject({ code: 'device.not_linked' });
    expect((await dan.client.devices()).find((d) => d.id === intruder.deviceId)).toMatchObject({ linked: false, name: 'intruder' });
    await eve.messenger.sendText(convo, 'after the login');
    await dan.messenger.sendText(convo, 'from dan');
    expect((await texts(intruder, convo)).filter((t) => t !== null)).toEqual([]);
    expect((await eve.engine.conversationDevices(convo.id)).map((l) => l.deviceId).sort()).toEqual([dan.deviceId, eve.deviceId].sort());
    // Dan removes it (haven devices remove): its token stops working.
    await dan.client.removeDevice(intruder.deviceId);
    await expect(intruder.client.me()).rejects.toMatchObject({ code: 'auth.invalid_token' });
    expect((await dan.client.devices()).map((d) => d.id)).toEqual([dan.deviceId]);
  }, 240_000);

  it.skipIf(skip)(`removing a device and logging out remove it from every group, with a notice for every member${skipped}`, async () => {
    const fay = await e2eeUser(server.url, 'gfa');
    const fay2 = await secondDevice(server.url, fay, 'old phone');
    const fay3 = await secondDevice(server.url, fay, 'laptop');
    const gus = await e2eeUser(server.url, 'ggu');
    const convo = await gus.messenger.directWith(fay.handle);
    await gus.messenger.sendText(convo, 'one');
    for (const u of [fay, fay2, fay3]) expect(await texts(u, convo)).toEqual(['one']);
    // The removal is committed by the next member who acts: the removed devices read nothing after.
    await fay.client.removeDevice(fay2.deviceId);
    await fay3.client.logout();
    await fay3.engine.wipe();
    expect(await fay3.store.list('')).toEqual([]);
    await gus.messenger.sendText(convo, 'two');
    expect(await texts(fay, convo)).toEqual(['one', 'two']);
    expect((await gus.engine.conversationDevices(convo.id)).map((l) => l.deviceId).sort()).toEqual([fay.deviceId, gus.deviceId].sort());
    for (const u of [fay, gus]) {
      const removed = (await u.engine.notices(convo.id)).filter((n) => n.kind === 'device_removed').map((n) => n.text);
      expect(removed).toHaveLength(2);
      expect(removed.join('\n')).toContain('“old phone” was removed');
      expect(removed.join('\n')).toContain('“laptop” was removed');
    }
    const added = (await gus.engine.notices(convo.id)).filter((n) => n.kind === 'device_added').map((n) => n.text);
    expect(added.join('\n')).toMatch(/gfa.*'s device “old phone” was added to this conversation’s encryption by this device/);
    // The removed device is signed out and cannot be used to log in again as itself.
    await expect(fay2.client.me()).rejects.toMatchObject({ code: 'auth.invalid_token' });
    await expect(fay.client.removeDevice(fay.deviceId)).rejects.toMatchObject({ code: 'device.current' });
  }, 240_000);

  it.skipIf(skip)(`safety codes match on both sides; losing every device is a key change, shown prominently to a verifier${skipped}`, async () => {
    const hal = await e2eeUser(server.url, 'gha');
    const ida = await e2eeUser(server.url, 'gid');
    const convo = await hal.messenger.directWith(ida.handle);
    await hal.messenger.sendText(convo, 'hi ida');
    await ida.messenger.sendText(convo, 'hi hal');
    await readAll(hal, convo);
    const fromHal = await hal.engine.safetyCode(ida.accountId);
    const fromIda = await ida.engine.safetyCode(hal.accountId);
    expect(fromHal.code).toBe(fromIda.code);
    expect(fromHal.code).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect((await hal.engine.safetyCode(ida.accountId, { confirm: true })).verified).toBe(true);

    // Ida loses her only device, signs in again and starts over with a new account key.
    await ida.client.logout();
    const idaNew = await pendingDevice(server.url, ida, 'new phone');
    await idaNew.engine.createAccountKey();
    expect(await idaNew.engine.ensureKeyPackages()).toBeGreaterThan(0);
    await hal.messenger.sendText(convo, 'are you there?');
    expect(await texts(idaNew, convo)).toEqual(['are you there?']);
    const info = await hal.engine.safetyCode(ida.accountId);
    expect(info).toMatchObject({ verified: false, changedWhileVerified: true });
    expect(info.code).not.toBe(fromHal.code);
    const change = (await hal.engine.notices(convo.id)).filter((n) => n.kind === 'key_changed');
    expect(change).toHaveLength(1);
    expect(change[0]).toMatchObject({ prominent: true });
    expect(change[0]!.text).toMatch(/IMPORTANT: .* was verified, and their account key has CHANGED/);

    // While another linked device remains, a password login cannot bring its own new key.
    const hal2 = await pendingDevice(server.url, hal, 'stranger');
    await hal2.engine.createAccountKey();
    const kps = await hal2.engine.device.generateKeyPackages({ count: 1, now: Date.now() });
    await expect(hal2.client.uploadKeyPackages(kps.map((k) => bytesToBase64(k.keyPackage)))).rejects.toMatchObject({ code: 'device.key_mismatch' });
  }, 240_000);
});
