import { describe, expect, it } from 'vitest';
import { GroupSession, type GroupEvent } from './group-session';
import type { CryptoResult } from './errors';
import { SUITES, type SuiteName } from './suites';
import { testDevice, text, untext, type TestDevice } from './test-helpers';

const SUITE1: SuiteName = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';
const XWING: SuiteName = 'MLS_256_XWING_AES256GCM_SHA512_Ed25519';
const gid = () => text(globalThis.crypto.randomUUID());

function value<T>(r: CryptoResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function join(welcome: Uint8Array | undefined, d: TestDevice): Promise<GroupSession> {
  if (!welcome) throw new Error('no welcome');
  return value(await GroupSession.join(welcome, d.lookup)).session;
}

async function appOf(s: GroupSession, bytes: Uint8Array): Promise<Extract<GroupEvent, { kind: 'application' }>> {
  const e = value(await s.process(bytes));
  if (e.kind !== 'application') throw new Error('expected application');
  return e;
}

/** Alice creates, adds the others in one commit; everyone joins. */
async function group(suite: SuiteName, n: number) {
  const devices = await Promise.all(Array.from({ length: n }, () => testDevice(suite)));
  const creator = await GroupSession.create(devices[0]!.keys, gid());
  const p = value(await creator.addMembers(devices.slice(1).map((d) => d.packages[0]!.keyPackage), { now: Date.now() }));
  value(await creator.mergePendingCommit());
  const others = await Promise.all(devices.slice(1).map((d) => join(p.welcome, d)));
  return { devices, sessions: [creator, ...others] };
}

describe.each([
  ['suite 1', SUITE1],
  ['X-Wing (default)', XWING],
] as const)('two-party group, %s', (_, suite) => {
  it('creates, adds by key package, joins from welcome, and both directions decrypt with authenticated data', async () => {
    const { devices, sessions } = await group(suite, 2);
    const [a, b] = sessions as [GroupSession, GroupSession];
    expect(a.epoch).toBe(1);
    expect(b.epoch).toBe(1);
    expect(a.suite).toBe(suite);
    expect(b.members().map((m) => m.identity)).toEqual(devices.map((d) => d.keys.identity));
    const ad = Uint8Array.of(1, 2, 3);
    const m1 = value(await a.encrypt(text('hello bob'), ad));
    const e1 = await appOf(b, m1);
    expect(untext(e1.data)).toBe('hello bob');
    expect(e1.authenticatedData).toEqual(ad);
    expect(e1.sender).toMatchObject({ leafIndex: 0, identity: devices[0]!.keys.identity });
    const e2 = await appOf(a, value(await b.encrypt(text('hi alice'))));
    expect(untext(e2.data)).toBe('hi alice');
    expect(e2.sender.leafIndex).toBe(1);
    // persisted and restored in this suite too
    const b2 = value(await GroupSession.import(b.export()));
    expect(b2.suite).toBe(suite);
    const e3 = await appOf(b2, value(await a.encrypt(text('after restore'))));
    expect(untext(e3.data)).toBe('after restore');
  });
});

describe.each([
  ['suite 1', SUITE1],
  ['X-Wing (default)', XWING],
] as const)('three-party group, %s', (_, suite) => {
  it('everyone reads everyone; a removed member cannot read later messages', async () => {
    const { devices, sessions } = await group(suite, 3);
    const [a, b, c] = sessions as [GroupSession, GroupSession, GroupSession];
    for (const [from, to] of [[a, b], [b, c], [c, a]] as const) {
      const msg = value(await from.encrypt(text(`from ${from.ownLeafIndex}`)));
      expect(untext((await appOf(to, msg)).data)).toBe(`from ${from.ownLeafIndex}`);
    }
    // a removes c (all of c's devices, by account)
    const rm = value(await a.removeMembers({ accounts: [devices[2]!.keys.identity.accountId] }));
    expect(rm.removed.map((m) => m.leafIndex)).toEqual([2]);
    expect(rm.welcome).toBeUndefined();
    value(await a.mergePendingCommit());
    const eb = value(await b.process(rm.commit));
    expect(eb).toMatchObject({ kind: 'commit', epoch: 2, removedSelf: false });
    const ec = value(await c.process(rm.commit));
    expect(ec).toMatchObject({ kind: 'commit', removedSelf: true });
    expect(c.active).toBe(false);
    const secret = value(await a.encrypt(text('after removal')));
    expect(untext((await appOf(b, secret)).data)).toBe('after removal');
    const r = await c.process(secret);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toMatch(/^mls\./);
    const send = await c.encrypt(text('still here?'));
    expect(send).toMatchObject({ ok: false, error: { code: 'mls.not_member' } });
  });
});

describe('multi-device', () => {
  it('two devices of one account are two leaves, both receive and send', async () => {
    const alice = await testDevice(SUITE1);
    const bobPhone = await testDevice(SUITE1);
    const bobLaptop = await testDevice(SUITE1, bobPhone.keys.identity.accountId);
    const a = await GroupSession.create(alice.keys, gid());
    const p = value(
      await a.addMembers([bobPhone.packages[0]!.keyPackage, bobLaptop.packages[1]!.keyPackage], { now: Date.now() }),
    );
    value(await a.mergePendingCommit());
    const phone = await join(p.welcome, bobPhone);
    const laptop = await join(p.welcome, bobLaptop);
    expect(a.members().filter((m) => m.identity.accountId === bobPhone.keys.identity.accountId)).toHaveLength(2);
    const m = value(await a.encrypt(text('to both')));
    expect(untext((await appOf(phone, m)).data)).toBe('to both');
    expect(untext((await appOf(laptop, m)).data)).toBe('to both');
    const fromLaptop = value(await laptop.encrypt(text('from laptop')));
    const seen = await appOf(phone, fromLaptop);
    expect(seen.sender.identity).toEqual(bobLaptop.keys.identity);
    expect(untext((await appOf(a, fromLaptop)).data)).toBe('from laptop');
  });

  it('a new device of a member is added later and reads from then on, not before', async () => {
    const { devices, sessions } = await group(SUITE1, 2);
    const [a, b] = sessions as [GroupSession, GroupSession];
    const before = value(await a.encrypt(text('before')));
    await appOf(b, before);
    const bob2 = await testDevice(SUITE1, devices[1]!.keys.identity.accountId);
    const p = value(await b.addMembers([bob2.packages[0]!.keyPackage], { now: Date.now() }));
    value(await b.mergePendingCommit());
    value(await a.process(p.commit));
    const b2 = await join(p.welcome, bob2);
    expect(b2.epoch).toBe(a.epoch);
    expect((await b2.process(before)).ok).toBe(false);
    const after = value(await a.encrypt(text('after')));
    expect(untext((await appOf(b2, after)).data)).toBe('after');
  });
});

describe('member verification hook', () => {
  it('a joiner whose verifyMember refuses a member does not join; a committer does not add a refused device', async () => {
    const alice = await testDevice(SUITE1);
    const bob = await testDevice(SUITE1);
    const carol = await testDevice(SUITE1);
    const a = await GroupSession.create(alice.keys, gid(), {
      verifyMember: (id) => id.accountId !== carol.keys.identity.accountId,
    });
    const p = value(await a.addMembers([bob.packages[0]!.keyPackage], { now: Date.now() }));
    value(await a.mergePendingCommit());
    const refused = await GroupSession.join(p.welcome!, bob.lookup, {
      verifyMember: (id) => id.accountId !== alice.keys.identity.accountId,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
    const before = a.export();
    const r = await a.addMembers([carol.packages[0]!.keyPackage], { now: Date.now() });
    expect(r).toMatchObject({ ok: false, error: { code: 'mls.credential_mismatch' } });
    expect(a.export()).toEqual(before);
    const ok = await GroupSession.join(p.welcome!, bob.lookup, {
      verifyMember: async (id, key) =>
        id.accountId !== alice.keys.identity.accountId || key.every((x, i) => x === alice.keys.signaturePublicKey[i]),
    });
    expect(ok.ok).toBe(true);
  });
});
