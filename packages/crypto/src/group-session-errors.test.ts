import { describe, expect, it } from 'vitest';
import { GroupSession } from './group-session';
import type { CryptoResult } from './errors';
import type { SuiteName } from './suites';
import { testDevice, text, untext } from './test-helpers';

const SUITE1: SuiteName = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';
const gid = () => text(globalThis.crypto.randomUUID());

function value<T>(r: CryptoResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function pair(groupId = gid()) {
  const alice = await testDevice(SUITE1);
  const bob = await testDevice(SUITE1);
  const a = await GroupSession.create(alice.keys, groupId);
  const p = value(await a.addMembers([bob.packages[0]!.keyPackage], { now: Date.now() }));
  value(await a.mergePendingCommit());
  const b = value(await GroupSession.join(p.welcome!, bob.lookup)).session;
  return { alice, bob, a, b };
}

/** Runs `f` and checks the session's persisted form did not change. */
async function unchanged<T>(s: GroupSession, f: () => Promise<T>): Promise<T> {
  const before = s.export();
  const r = await f();
  expect(s.export()).toEqual(before);
  return r;
}

describe('refusals leave the session unchanged', () => {
  it('tampered ciphertext → mls.bad_message, and the genuine message still decrypts afterwards', async () => {
    const { a, b } = await pair();
    const msg = value(await a.encrypt(text('genuine')));
    for (const at of [msg.length - 1, msg.length - 20]) {
      const bad = msg.slice();
      bad[at]! ^= 0x01;
      const r = await unchanged(b, () => b.process(bad));
      expect(r.ok).toBe(false);
      expect(!r.ok && ['mls.bad_message', 'mls.not_member']).toContain(!r.ok && r.error.code);
    }
    const e = value(await b.process(msg));
    expect(e.kind === 'application' && untext(e.data)).toBe('genuine');
  });

  it('altered authenticated data → refused', async () => {
    const { a, b } = await pair();
    const msg = value(await a.encrypt(text('x'), Uint8Array.of(1, 1, 1, 1)));
    const i = msg.findIndex((_, k) => msg[k] === 1 && msg[k + 1] === 1 && msg[k + 2] === 1 && msg[k + 3] === 1);
    expect(i).toBeGreaterThan(0);
    const bad = msg.slice();
    bad[i] = 2;
    const r = await unchanged(b, () => b.process(bad));
    expect(r.ok).toBe(false);
  });

  it('replayed message → mls.bad_message (replay)', async () => {
    const { a, b } = await pair();
    const msg = value(await a.encrypt(text('once')));
    value(await b.process(msg));
    const r = await unchanged(b, () => b.process(msg));
    expect(r).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
    expect(!r.ok && r.error.message).toMatch(/replay/);
  });

  it('a message from a non-member (own group under the same group id) → mls.not_member', async () => {
    const groupId = gid();
    const { b } = await pair(groupId);
    const mallory = await testDevice(SUITE1);
    const m = await GroupSession.create(mallory.keys, groupId);
    const eve = await testDevice(SUITE1);
    value(await m.addMembers([eve.packages[0]!.keyPackage], { now: Date.now() }));
    value(await m.mergePendingCommit());
    const forged = value(await m.encrypt(text('let me in')));
    const r = await unchanged(b, () => b.process(forged));
    expect(r).toMatchObject({ ok: false, error: { code: 'mls.not_member' } });
  });

  it('a message for another group → mls.bad_message', async () => {
    const one = await pair();
    const two = await pair();
    const msg = value(await two.a.encrypt(text('elsewhere')));
    const r = await unchanged(one.b, () => one.b.process(msg));
    expect(r).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
  });

  it('garbage, truncated and non-group MLS messages → mls.bad_message', async () => {
    const { a, b, bob } = await pair();
    const msg = value(await a.encrypt(text('x')));
    for (const bad of [new Uint8Array(), Uint8Array.of(0, 1, 0, 2), msg.subarray(0, msg.length - 5), bob.packages[1]!.keyPackage]) {
      const r = await unchanged(b, () => b.process(bad));
      expect(r).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
    }
  });

  it('a commit for a stale epoch → mls.stale_epoch; the losing committer recovers and retries', async () => {
    const { a, b } = await pair();
    const carol = await testDevice(SUITE1);
    const dave = await testDevice(SUITE1);
    // Both commit in epoch 1; the server orders a's first.
    const pa = value(await a.addMembers([carol.packages[0]!.keyPackage], { now: Date.now() }));
    const pb = value(await b.addMembers([dave.packages[0]!.keyPackage], { now: Date.now() }));
    expect(pa.epoch).toBe(1);
    expect(pb.epoch).toBe(1);
    value(await a.mergePendingCommit());
    // b receives a's commit: it wins, b's pending commit is dropped.
    const e = value(await b.process(pa.commit));
    expect(e).toMatchObject({ kind: 'commit', epoch: 2 });
    expect(b.hasPendingCommit).toBe(false);
    // b's commit arrives late at a: stale, a unchanged.
    const r = await unchanged(a, () => a.process(pb.commit));
    expect(r).toMatchObject({ ok: false, error: { code: 'mls.stale_epoch' } });
    // b retries in the new epoch.
    const retry = value(await b.addMembers([dave.packages[1]!.keyPackage], { now: Date.now() }));
    expect(retry.epoch).toBe(2);
    value(await b.mergePendingCommit());
    value(await a.process(retry.commit));
    expect(a.epoch).toBe(3);
    const c = value(await GroupSession.join(pa.welcome!, carol.lookup)).session;
    value(await c.process(retry.commit));
    const d = value(await GroupSession.join(retry.welcome!, dave.lookup)).session;
    const hello = value(await d.encrypt(text('dave here')));
    for (const s of [a, b, c]) {
      const ev = value(await s.process(hello));
      expect(ev.kind === 'application' && untext(ev.data)).toBe('dave here');
    }
  });

  it('a commit from a later epoch → mls.bad_message (process what came before first)', async () => {
    const { a, b } = await pair();
    const p1 = value(await a.updateKeys());
    value(await a.mergePendingCommit());
    const p2 = value(await a.updateKeys());
    value(await a.mergePendingCommit());
    const r = await unchanged(b, () => b.process(p2.commit));
    expect(r).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
    value(await b.process(p1.commit));
    value(await b.process(p2.commit));
    expect(b.epoch).toBe(a.epoch);
  });

  it('an echo of its own pending commit merges it', async () => {
    const { a, b } = await pair();
    const p = value(await a.updateKeys());
    const e = value(await a.process(p.commit));
    expect(e).toMatchObject({ kind: 'commit', epoch: 2 });
    expect(a.hasPendingCommit).toBe(false);
    value(await b.process(p.commit));
    const m = value(await b.encrypt(text('new epoch')));
    expect(value(await a.process(m)).kind).toBe('application');
  });

  it('a discarded commit leaves the session in its epoch', async () => {
    const { a, b } = await pair();
    const before = a.export();
    value(await a.updateKeys());
    a.discardPendingCommit();
    expect(a.export()).toEqual(before);
    const m = value(await a.encrypt(text('same epoch')));
    expect(value(await b.process(m)).kind).toBe('application');
  });

  it('key packages that are invalid, expired or already members are refused when adding', async () => {
    const { a, bob } = await pair();
    const r1 = await unchanged(a, () => a.addMembers([bob.packages[1]!.keyPackage], { now: Date.now() }));
    expect(r1).toMatchObject({ ok: false, error: { code: 'conversation.already_member' } });
    const carol = await testDevice(SUITE1);
    const twice = await a.addMembers([carol.packages[0]!.keyPackage, carol.packages[1]!.keyPackage], { now: Date.now() });
    expect(twice).toMatchObject({ ok: false, error: { code: 'conversation.already_member' } });
    const r2 = await a.addMembers([carol.packages[0]!.keyPackage], { now: Date.now() + 400 * 24 * 3600 * 1000 });
    expect(r2).toMatchObject({ ok: false, error: { code: 'mls.bad_key_package' } });
    const bad = carol.packages[0]!.keyPackage.slice();
    bad[bad.length - 10]! ^= 1;
    const r3 = await a.addMembers([bad], { now: Date.now() });
    expect(r3).toMatchObject({ ok: false, error: { code: 'mls.bad_key_package' } });
    const xwing = await testDevice('MLS_256_XWING_AES256GCM_SHA512_Ed25519', undefined, 0);
    const r4 = await a.addMembers([xwing.packages[0]!.keyPackage], { now: Date.now() });
    expect(r4).toMatchObject({ ok: false, error: { code: 'mls.suite_not_allowed' } });
    expect(a.hasPendingCommit).toBe(false);
  });

  it('a welcome for other key packages → mls.no_key_package', async () => {
    const alice = await testDevice(SUITE1);
    const bob = await testDevice(SUITE1);
    const stranger = await testDevice(SUITE1);
    const a = await GroupSession.create(alice.keys, gid());
    const p = value(await a.addMembers([bob.packages[0]!.keyPackage], { now: Date.now() }));
    expect(await GroupSession.join(p.welcome!, stranger.lookup)).toMatchObject({
      ok: false,
      error: { code: 'mls.no_key_package' },
    });
    expect(await GroupSession.join(p.commit, bob.lookup)).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
  });
});

describe('persistence', () => {
  it('export/import round trip keeps reading and sending, pending commit included', async () => {
    const { a, b } = await pair();
    const m1 = value(await a.encrypt(text('one')));
    value(await b.process(m1));
    const b2 = value(await GroupSession.import(b.export()));
    expect(b2.epoch).toBe(b.epoch);
    expect(b2.members()).toEqual(b.members());
    // replay protection survives the round trip
    expect((await b2.process(m1)).ok).toBe(false);
    const m2 = value(await a.encrypt(text('two')));
    const e = value(await b2.process(m2));
    expect(e.kind === 'application' && untext(e.data)).toBe('two');
    // a pending commit survives too, and merges after import
    const p = value(await b2.updateKeys());
    const b3 = value(await GroupSession.import(b2.export()));
    expect(b3.hasPendingCommit).toBe(true);
    value(await b3.mergePendingCommit());
    value(await a.process(p.commit));
    const m3 = value(await b3.encrypt(text('three')));
    const e3 = value(await a.process(m3));
    expect(e3.kind === 'application' && untext(e3.data)).toBe('three');
  });

  it('corrupt state bytes → mls.bad_message, not a crash', async () => {
    const { a } = await pair();
    const bytes = a.export();
    for (const bad of [new Uint8Array(), bytes.subarray(0, 50), bytes.subarray(0, bytes.length - 1)]) {
      expect(await GroupSession.import(bad)).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
    }
  });

  it('application messages read while a commit was pending cannot be replayed after the merge', async () => {
    const { a, b } = await pair();
    const p = value(await a.updateKeys());
    const m = value(await b.encrypt(text('during')));
    value(await a.process(m));
    value(await a.mergePendingCommit());
    value(await b.process(p.commit));
    expect(await a.process(m)).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
  });

  it('late application messages from the previous epoch still decrypt once', async () => {
    const { a, b } = await pair();
    const late = value(await b.encrypt(text('sent before the commit')));
    const p = value(await a.updateKeys());
    value(await a.mergePendingCommit());
    const e = value(await a.process(late));
    expect(e.kind === 'application' && e.epoch).toBe(1);
    expect((await a.process(late)).ok).toBe(false);
    value(await b.process(p.commit));
  });
});

describe('past epochs', () => {
  it('with pastEpochs: 0 a message from before a commit is refused as stale', async () => {
    const alice = await testDevice(SUITE1);
    const bob = await testDevice(SUITE1);
    const a = await GroupSession.create(alice.keys, gid(), { pastEpochs: 0 });
    const p = value(await a.addMembers([bob.packages[0]!.keyPackage], { now: Date.now() }));
    value(await a.mergePendingCommit());
    const b = value(await GroupSession.join(p.welcome!, bob.lookup)).session;
    const late = value(await b.encrypt(text('late')));
    const up = value(await a.updateKeys());
    value(await a.mergePendingCommit());
    expect(await a.process(late)).toMatchObject({ ok: false, error: { code: 'mls.stale_epoch' } });
    // the option survives export/import (it comes from the options, not the bytes)
    const strict = value(await GroupSession.import(a.export(), { pastEpochs: 0 }));
    expect((await strict.process(late)).ok).toBe(false);
    value(await b.process(up.commit));
    expect(b.epoch).toBe(a.epoch);
  });

  it('by default keys of the last 4 epochs are kept; older messages are stale', async () => {
    const { a, b } = await pair();
    const old = value(await b.encrypt(text('very late')));
    for (let i = 0; i < 5; i++) {
      const up = value(await a.updateKeys());
      value(await a.mergePendingCommit());
      value(await b.process(up.commit));
    }
    expect(await a.process(old)).toMatchObject({ ok: false, error: { code: 'mls.stale_epoch' } });
  });
});
