import type { AccountId, DeviceId } from '@haven/protocol';
import { describe, expect, it } from 'vitest';
import { decodeDeviceKeys, encodeDeviceKeys, generateDeviceKeys } from './device-keys';
import type { CryptoResult } from './errors';
import { GroupSession } from './group-session';
import { encodeIdentity, parseIdentity } from './identity';
import { inspectMessage, parseKeyPackage } from './inspect';
import { generateKeyPackages } from './key-packages';
import { rosterAfterCommit, rosterOfCreator, type Roster } from './roster';
import { testDevice, text, uuid } from './test-helpers';

const SUITE1 = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;
const XWING = 'MLS_256_XWING_AES256GCM_SHA512_Ed25519' as const;

function value<T>(r: CryptoResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('device identity in credentials', () => {
  it('encodes account and device and parses back; refuses anything else', () => {
    const id = { accountId: uuid() as AccountId, deviceId: uuid() as DeviceId };
    expect(parseIdentity(encodeIdentity(id))).toEqual(id);
    const enc = (s: string) => new TextEncoder().encode(s);
    for (const bad of [
      '',
      `haven:v1:${id.accountId}`,
      `haven:v1:${id.accountId}:${id.deviceId}:x`,
      `haven:v2:${id.accountId}:${id.deviceId}`,
      `haven:v1:${id.accountId.toUpperCase()}:${id.deviceId}`,
      `haven:v1:alice:${id.deviceId}`,
    ]) {
      expect(parseIdentity(enc(bad)), bad).toBeUndefined();
    }
    expect(parseIdentity(Uint8Array.of(0xff, 0xfe))).toBeUndefined();
  });

  it('device keys round trip through their encoding', async () => {
    const k = await generateDeviceKeys({ accountId: uuid() as AccountId, deviceId: uuid() as DeviceId }, { suite: SUITE1 });
    expect(decodeDeviceKeys(encodeDeviceKeys(k))).toEqual(k);
    expect(decodeDeviceKeys(encodeDeviceKeys(k).subarray(1))).toBeUndefined();
  });
});

describe('parseKeyPackage (server, no secrets)', () => {
  it('batches: one-time packages plus one last-resort, each checked and named by ref', async () => {
    const d = await testDevice(SUITE1, undefined, 3);
    expect(d.packages.map((p) => p.lastResort)).toEqual([false, false, false, true]);
    expect(new Set(d.packages.map((p) => p.ref)).size).toBe(4);
    for (const p of d.packages) {
      const info = value(await parseKeyPackage(p.keyPackage, { now: Date.now(), expect: d.keys.identity, expectSignatureKey: d.keys.signaturePublicKey }));
      expect(info).toMatchObject({ suite: SUITE1, identity: d.keys.identity, ref: p.ref, lastResort: p.lastResort });
      expect(info.notAfter - info.notBefore).toBeGreaterThan(80 * 24 * 3600);
    }
    const none = await generateKeyPackages(d.keys, { count: 2, lastResort: false, now: Date.now() });
    expect(none.map((p) => p.lastResort)).toEqual([false, false]);
  });

  it('X-Wing (default suite) key packages parse too', async () => {
    const d = await testDevice(XWING, undefined, 0);
    expect(value(await parseKeyPackage(d.packages[0]!.keyPackage, { now: Date.now() })).suite).toBe(XWING);
  });

  it('refuses another device, another signing key, a suite not allowed, expiry, tampering and garbage', async () => {
    const d = await testDevice(SUITE1, undefined, 1);
    const other = await testDevice(SUITE1, d.keys.identity.accountId, 0);
    const kp = d.packages[0]!.keyPackage;
    const now = Date.now();
    expect(await parseKeyPackage(kp, { now, expect: other.keys.identity })).toMatchObject({ ok: false, error: { code: 'mls.credential_mismatch' } });
    expect(await parseKeyPackage(kp, { now, expectSignatureKey: other.keys.signaturePublicKey })).toMatchObject({
      ok: false,
      error: { code: 'mls.credential_mismatch' },
    });
    expect(await parseKeyPackage(kp, { now, allowedSuites: [XWING] })).toMatchObject({ ok: false, error: { code: 'mls.suite_not_allowed' } });
    expect(await parseKeyPackage(kp, { now: now + 100 * 24 * 3600 * 1000 })).toMatchObject({ ok: false, error: { code: 'mls.bad_key_package' } });
    expect(await parseKeyPackage(kp, { now: now - 2 * 24 * 3600 * 1000 })).toMatchObject({ ok: false, error: { code: 'mls.bad_key_package' } });
    for (let i = 20; i < kp.length; i += 37) {
      const bad = kp.slice();
      bad[i]! ^= 0x04;
      const r = await parseKeyPackage(bad, { now });
      expect(r.ok, `flip at ${i}`).toBe(false);
    }
    for (const bad of [new Uint8Array(), Uint8Array.of(0, 1, 0, 5), kp.subarray(0, kp.length - 1)]) {
      expect(await parseKeyPackage(bad, { now })).toMatchObject({ ok: false, error: { code: 'mls.bad_key_package' } });
    }
  });
});

describe('inspectMessage and the roster (server as Delivery and Authentication Service)', () => {
  it('reads group, epoch, content type and authenticated data; commits show committer, adds and removes; welcomes name key packages', async () => {
    const alice = await testDevice(SUITE1);
    const bob = await testDevice(SUITE1);
    const carol = await testDevice(SUITE1);
    const groupId = text(uuid());
    const a = await GroupSession.create(alice.keys, groupId);
    let roster: Roster = rosterOfCreator(alice.keys.identity);

    const add = value(await a.addMembers([bob.packages[0]!.keyPackage, carol.packages[0]!.keyPackage], { now: Date.now() }));
    const info = value(await inspectMessage(add.commit, { now: Date.now() }));
    if (info.kind !== 'public' || !info.commit) throw new Error('expected a public commit');
    expect(info).toMatchObject({ groupId, epoch: 0, contentType: 'commit', senderLeafIndex: 0 });
    expect(info.commit.adds.map((x) => x.identity)).toEqual([bob.keys.identity, carol.keys.identity]);
    expect(info.commit.adds.map((x) => x.ref)).toEqual([bob.packages[0]!.ref, carol.packages[0]!.ref]);
    expect(info.commit.removes).toEqual([]);
    roster = value(rosterAfterCommit(roster, alice.keys.identity, info.senderLeafIndex, info.commit));
    expect(roster.leaves.map((l) => l.leafIndex)).toEqual([0, 1, 2]);

    const w = value(await inspectMessage(add.welcome!, { now: Date.now() }));
    expect(w).toEqual({ kind: 'welcome', suite: SUITE1, keyPackageRefs: [bob.packages[0]!.ref, carol.packages[0]!.ref] });

    // the server refuses the commit when someone else uploads it
    expect(rosterAfterCommit(rosterOfCreator(alice.keys.identity), bob.keys.identity, info.senderLeafIndex, info.commit)).toMatchObject({
      ok: false,
      error: { code: 'mls.credential_mismatch' },
    });

    value(await a.mergePendingCommit());
    const b = value(await GroupSession.join(add.welcome!, bob.lookup)).session;
    const c = value(await GroupSession.join(add.welcome!, carol.lookup)).session;

    const msg = value(await b.encrypt(text('secret'), Uint8Array.of(7)));
    const mi = value(await inspectMessage(msg, { now: Date.now() }));
    expect(mi).toEqual({ kind: 'private', groupId, epoch: 1, contentType: 'application', authenticatedData: Uint8Array.of(7) });

    // bob removes carol: commit with a path, so the committer's credential is visible and checked
    const rm = value(await b.removeMembers({ devices: [carol.keys.identity] }));
    const ri = value(await inspectMessage(rm.commit, { now: Date.now() }));
    if (ri.kind !== 'public' || !ri.commit) throw new Error('expected a public commit');
    expect(ri.epoch).toBe(1);
    expect(ri.commit.removes).toEqual([2]);
    expect(ri.commit.committer?.identity).toEqual(bob.keys.identity);
    roster = value(rosterAfterCommit(roster, bob.keys.identity, ri.senderLeafIndex, ri.commit));
    expect(roster.leaves.map((l) => l.identity)).toEqual([alice.keys.identity, bob.keys.identity]);
    // carol, now gone, cannot commit
    expect(rosterAfterCommit(roster, carol.keys.identity, 2, { adds: [], removes: [], others: [] })).toMatchObject({
      ok: false,
      error: { code: 'mls.not_member' },
    });
    void c;

    // a new device fills the leftmost blank leaf, as the clients' trees do
    const dave = await testDevice(SUITE1);
    value(await b.mergePendingCommit());
    value(await a.process(rm.commit));
    const addD = value(await a.addMembers([dave.packages[0]!.keyPackage], { now: Date.now() }));
    const di = value(await inspectMessage(addD.commit, { now: Date.now() }));
    if (di.kind !== 'public' || !di.commit) throw new Error('expected a public commit');
    roster = value(rosterAfterCommit(roster, alice.keys.identity, di.senderLeafIndex, di.commit));
    value(await a.mergePendingCommit());
    expect(roster.leaves.map((l) => [l.leafIndex, l.identity])).toEqual(a.members().map((m) => [m.leafIndex, m.identity]));
    // adding a device that is already a member is refused
    expect(rosterAfterCommit(roster, alice.keys.identity, 0, di.commit)).toMatchObject({
      ok: false,
      error: { code: 'conversation.already_member' },
    });
  });

  it('refuses key packages and group infos as messages, and garbage', async () => {
    const d = await testDevice(SUITE1, undefined, 0);
    expect(await inspectMessage(d.packages[0]!.keyPackage, { now: Date.now() })).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
    expect(await inspectMessage(Uint8Array.of(1, 2, 3), { now: Date.now() })).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
  });

  it('a commit whose path leaf signature was altered is refused', async () => {
    const { a, b } = await (async () => {
      const alice = await testDevice(SUITE1);
      const bob = await testDevice(SUITE1);
      const a = await GroupSession.create(alice.keys, text('g'));
      const p = value(await a.addMembers([bob.packages[0]!.keyPackage], { now: Date.now() }));
      value(await a.mergePendingCommit());
      return { a, b: value(await GroupSession.join(p.welcome!, bob.lookup)).session };
    })();
    const up = value(await a.updateKeys());
    let refused = 0;
    for (let i = 40; i < up.commit.length; i += 23) {
      const bad = up.commit.slice();
      bad[i]! ^= 0x10;
      const r = await inspectMessage(bad, { now: Date.now() });
      const pr = await b.process(bad);
      expect(pr.ok, `client accepted a commit altered at ${i}`).toBe(false);
      if (!r.ok) refused++;
    }
    expect(refused).toBeGreaterThan(0);
  });
});
