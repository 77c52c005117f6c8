// Untrusted bytes never crash or hang an entry point: mutated and random inputs always come back as a
// typed result (or `undefined` from decoders), and a session that refused them is unchanged.
import { describe, expect, it } from 'vitest';
import {
  GroupSession,
  decodeDeviceKeys,
  decryptAttachment,
  encryptAttachment,
  inspectMessage,
  parseKeyPackage,
  parseIdentity,
} from '../src/index';
import type { CryptoResult } from '../src/errors';
import { ERRORS } from '@haven/protocol';
import { testDevice, text } from '../src/test-helpers';

const SUITE1 = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;

/** A typed result: a value, or a failure with a registered code and a sentence (issue 13, item 18). */
function expectTyped(r: CryptoResult<unknown>): void {
  if (r.ok) expect(r).toHaveProperty('value');
  else {
    expect(Object.keys(ERRORS)).toContain(r.error.code);
    expect(r.error.message).toMatch(/\S/);
  }
}

const same = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((v, i) => v === y[i]);

function value<T>(r: CryptoResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Deterministic mutations: bit flips, byte overwrites, truncations, extensions, random bytes. */
function* mutations(seed: Uint8Array, count: number): Generator<Uint8Array> {
  let x = 0x9e3779b9;
  const rnd = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  for (let i = 0; i < count; i++) {
    const b = seed.slice();
    switch (i % 5) {
      case 0:
        b[rnd(b.length)]! ^= 1 << rnd(8);
        yield b;
        break;
      case 1:
        for (let k = 0; k < 4; k++) b[rnd(b.length)] = rnd(256);
        yield b;
        break;
      case 2:
        yield b.subarray(0, rnd(b.length));
        break;
      case 3:
        yield new Uint8Array([...b, ...Array.from({ length: 1 + rnd(8) }, () => rnd(256))]);
        break;
      default:
        yield Uint8Array.from({ length: rnd(64) }, () => rnd(256));
    }
  }
}

describe('robustness against hostile bytes', () => {
  it('parseKeyPackage, inspectMessage, process, join, import and decoders never throw', async () => {
    const alice = await testDevice(SUITE1);
    const bob = await testDevice(SUITE1);
    const a = await GroupSession.create(alice.keys, text('g'));
    const p = value(await a.addMembers([bob.packages[0]!.keyPackage], { now: Date.now() }));
    value(await a.mergePendingCommit());
    const b = value(await GroupSession.join(p.welcome!, bob.lookup)).session;
    const app = value(await a.encrypt(text('x'), Uint8Array.of(1)));
    const upd = value(await a.updateKeys());
    a.discardPendingCommit();
    const state = b.export();
    const now = Date.now();
    let results = 0;
    for (const seed of [bob.packages[1]!.keyPackage, p.welcome!, p.commit, app, upd.commit]) {
      for (const m of mutations(seed, 60)) {
        const r1 = await parseKeyPackage(m, { now });
        const r2 = await inspectMessage(m, { now });
        const r3 = await b.process(m);
        const r4 = await GroupSession.join(m, bob.lookup);
        for (const r of [r1, r2, r3, r4]) expectTyped(r);
        // A key package is signed as a whole and a welcome decrypts only whole: any change is refused.
        if (!same(m, bob.packages[1]!.keyPackage)) expect(r1.ok).toBe(false);
        if (!same(m, p.welcome!)) expect(r4.ok).toBe(false);
        if (!r3.ok) expect(b.export()).toEqual(state);
        else throw new Error('a mutated message was accepted');
        results += 4;
      }
    }
    for (const m of mutations(state, 60)) {
      const r = await GroupSession.import(m);
      expectTyped(r);
      expect(decodeDeviceKeys(m)).toBeUndefined();
      expect(parseIdentity(m)).toBeUndefined();
    }
    expect(results).toBe(5 * 60 * 4);
  }, 60_000);

  it('decryptAttachment never throws on hostile ciphertext', () => {
    const { ciphertext, secrets } = encryptAttachment(new Uint8Array(3000).fill(7), { chunkSize: 1024 });
    for (const m of mutations(ciphertext, 200)) {
      const r = decryptAttachment(m, secrets);
      expect(r).toMatchObject({ ok: false, error: { code: 'media.corrupt' } });
    }
  });
});
