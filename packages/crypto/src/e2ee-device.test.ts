import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountId, DeviceId } from '@haven/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { E2eeDevice } from './e2ee-device';
import type { CryptoResult } from './errors';
import { FileStateStore } from './file-store.node';
import { MemoryStateStore } from './state-store';
import { testAccount, text, untext, uuid } from './test-helpers';

// Every device here is linked: certified by its account's key (made on first open, as registration does).
async function openCertified(...args: Parameters<typeof E2eeDevice.open>): Promise<E2eeDevice> {
  const d = await E2eeDevice.open(...args);
  if (!d.certificate) await d.adoptAccountKeys(testAccount(args[1].accountId), Date.now());
  return d;
}

const SUITE1 = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;
const who = () => ({ accountId: uuid() as AccountId, deviceId: uuid() as DeviceId });

function value<T>(r: CryptoResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('E2eeDevice', () => {
  it('keeps keys, key packages and sessions across restarts (file store)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'haven-dev-'));
    const aliceId = who();
    const bobId = who();
    const conv = uuid();
    let alice = await openCertified(await FileStateStore.open(join(dir, 'a')), aliceId, { suite: SUITE1 });
    let bob = await openCertified(await FileStateStore.open(join(dir, 'b')), bobId, { suite: SUITE1 });
    const kps = await bob.generateKeyPackages({ count: 3, now: Date.now() });
    expect(await bob.oneTimeKeyPackageCount()).toBe(3);

    const a = await alice.createGroup(conv);
    const p = value(await a.addMembers([kps[0]!.keyPackage], { now: Date.now() }));
    value(await a.mergePendingCommit());
    await alice.save(conv, a);
    const j = value(await bob.join(p.welcome!, { conversationId: conv }));
    expect(j.conversationId).toBe(conv);
    expect(await bob.oneTimeKeyPackageCount()).toBe(2);

    // restart both devices
    const keysBefore = bob.keys;
    alice = await openCertified(await FileStateStore.open(join(dir, 'a')), aliceId);
    bob = await openCertified(await FileStateStore.open(join(dir, 'b')), bobId);
    expect(bob.keys).toEqual(keysBefore);
    const a2 = value(await alice.session(conv))!;
    const b2 = value(await bob.session(conv))!;
    const m = value(await a2.encrypt(text('after restart')));
    await alice.save(conv, a2);
    const ev = value(await b2.process(m));
    expect(ev.kind === 'application' && untext(ev.data)).toBe('after restart');
    await bob.save(conv, b2);
    expect(value(await bob.session(uuid()))).toBeUndefined();
    await bob.forget(conv);
    expect(value(await bob.session(conv))).toBeUndefined();
  });

  it('keeps one last-resort package, reuses it for several joins, and prunes expired ones', async () => {
    const store = new MemoryStateStore();
    const bob = await openCertified(store, who(), { suite: SUITE1 });
    await bob.generateKeyPackages({ count: 0, now: Date.now() });
    const [lr] = await bob.generateKeyPackages({ count: 0, now: Date.now() });
    expect((await store.list('kp.')).length).toBe(1);
    for (let i = 0; i < 2; i++) {
      const alice = await openCertified(new MemoryStateStore(), who(), { suite: SUITE1 });
      const c = uuid();
      const a = await alice.createGroup(c);
      const p = value(await a.addMembers([lr!.keyPackage], { now: Date.now() }));
      value(await bob.join(p.welcome!, { conversationId: c }));
    }
    expect((await store.list('kp.')).length).toBe(1);
    const old = await bob.generateKeyPackages({ count: 2, lastResort: false, now: Date.now() - 200 * 24 * 3600 * 1000 });
    expect((await bob.pruneExpiredKeyPackages(Date.now())).sort()).toEqual(old.map((k) => k.ref).sort());
    expect(await store.list('kp.')).toEqual([`kp.${lr!.ref}`]);
  });

  it('works in the default (X-Wing, SHA-512) suite, whose 128-hex-digit refs exceed a state key', async () => {
    const bob = await openCertified(new MemoryStateStore(), who());
    const [kp] = await bob.generateKeyPackages({ count: 1, lastResort: false, now: Date.now() });
    expect(kp!.ref).toHaveLength(128);
    const alice = await openCertified(new MemoryStateStore(), who());
    const c = uuid();
    const a = await alice.createGroup(c);
    const p = value(await a.addMembers([kp!.keyPackage], { now: Date.now() }));
    value(await a.mergePendingCommit());
    const b = value(await bob.join(p.welcome!, { conversationId: c })).session;
    expect(await bob.oneTimeKeyPackageCount()).toBe(0);
    const ev = value(await b.process(value(await a.encrypt(text('pq hello')))));
    expect(ev.kind === 'application' && untext(ev.data)).toBe('pq hello');
  });

  it('a welcome for another conversation\'s group is refused before any stored state changes (issue 13, item 6)', async () => {
    const store = new MemoryStateStore();
    const bob = await openCertified(store, who(), { suite: SUITE1 });
    const kps = await bob.generateKeyPackages({ count: 2, lastResort: false, now: Date.now() });
    const alice = await openCertified(new MemoryStateStore(), who(), { suite: SUITE1 });
    // bob is in conversation Y with alice.
    const y = uuid();
    const ay = await alice.createGroup(y);
    const py = value(await ay.addMembers([kps[0]!.keyPackage], { now: Date.now() }));
    value(await ay.mergePendingCommit());
    value(await bob.join(py.welcome!, { conversationId: y }));
    const ySession = await store.get(`group.${y}`);
    const keysBefore = (await store.list('kp.')).sort();
    // The attacker builds a fresh group under Y's group id, adding bob's other key package, and delivers
    // its Welcome in conversation X.
    const mallory = await openCertified(new MemoryStateStore(), who(), { suite: SUITE1 });
    const fake = await mallory.createGroup(y);
    const pf = value(await fake.addMembers([kps[1]!.keyPackage], { now: Date.now() }));
    const x = uuid();
    expect(await bob.join(pf.welcome!, { conversationId: x })).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
    expect(await store.get(`group.${y}`)).toEqual(ySession);
    expect(await store.get(`group.${x}`)).toBeUndefined();
    expect((await store.list('kp.')).sort()).toEqual(keysBefore);
    // bob still reads Y.
    const again = await E2eeDevice.open(store, bob.identity);
    const b = value(await again.session(y))!;
    const ev = value(await b.process(value(await ay.encrypt(text('still here')))));
    expect(ev.kind === 'application' && untext(ev.data)).toBe('still here');
  });

  it('refuses a store of another device', async () => {
    const store = new MemoryStateStore();
    await openCertified(store, who(), { suite: SUITE1 });
    await expect(openCertified(store, who())).rejects.toThrow(/another device/);
  });
});
