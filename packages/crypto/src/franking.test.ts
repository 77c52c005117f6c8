import { createHmac } from 'node:crypto';
import type { MessagePayload } from '@haven/protocol';
import { describe, expect, it } from 'vitest';
import { concatBytes, toHex } from './bytes';
import type { CryptoResult } from './errors';
import {
  canonicalFrankedContent,
  createServerTag,
  encodeFrankingAad,
  frankingCommitment,
  keyringProblems,
  parseFrankingAad,
  verifyCommitment,
  verifyReport,
  type FrankingContext,
  type FrankingKeyring,
  type FrankingReport,
} from './franking';
import { GroupSession } from './group-session';
import { inspectMessage } from './inspect';
import { encryptPayload, openPayload, sealPayload } from './sealed-payload';
import { testDevice, text } from './test-helpers';

function value<T>(r: CryptoResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

const KEY = new Uint8Array(32).map((_, i) => i);
const HASH = 'ab'.repeat(32);
const payload: MessagePayload = {
  v: 1,
  text: 'hello ☃',
  attachments: [{ mediaId: 'm1', contentType: 'image/png', size: 1234, sha256: HASH, key: 'c2VjcmV0', name: 'a.png' }],
};

describe('franking commitment (FRANKING.md §1)', () => {
  it('F1 canonical encoding matches the documented bytes', () => {
    const enc = canonicalFrankedContent({ v: 1, text: 'hi', attachments: [{ mediaId: 'm', contentType: 't', size: 5, sha256: HASH }] });
    const expected = concatBytes(
      new TextEncoder().encode('haven/franking/content/v1\0'),
      Uint8Array.of(1, 1, 0, 0, 0, 2, 0x68, 0x69, 1),
      Uint8Array.of(0, 1, 0x6d, 0, 1, 0x74),
      Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 5),
      new Uint8Array(32).fill(0xab),
      Uint8Array.of(0),
    );
    expect(toHex(enc)).toBe(toHex(expected));
  });

  it('F2 commitment is HMAC-SHA256(franking key, canonical content) (checked against node:crypto)', () => {
    const c = frankingCommitment(payload, KEY);
    const ref = createHmac('sha256', KEY).update(canonicalFrankedContent(payload)).digest();
    expect(toHex(c)).toBe(ref.toString('hex'));
  });

  it('F3 covers text, attachment hashes, sizes and names, but not attachment keys', () => {
    const c = frankingCommitment(payload, KEY);
    const att = payload.attachments![0]!;
    expect(frankingCommitment({ ...payload, attachments: [{ ...att, key: 'b3RoZXI=' }] }, KEY)).toEqual(c);
    expect(frankingCommitment({ ...payload, attachments: [{ ...att, key: undefined }] }, KEY)).toEqual(c);
    for (const changed of [
      { ...payload, text: 'hello ☃ ' },
      { ...payload, text: undefined },
      { ...payload, attachments: [{ ...att, sha256: 'cd'.repeat(32) }] },
      { ...payload, attachments: [{ ...att, size: 1235 }] },
      { ...payload, attachments: [{ ...att, name: undefined }] },
      { ...payload, attachments: [] },
    ] as MessagePayload[]) {
      expect(frankingCommitment(changed, KEY)).not.toEqual(c);
    }
    expect(frankingCommitment(payload, new Uint8Array(32))).not.toEqual(c);
  });

  it('F4 field boundaries are unambiguous (length prefixes)', () => {
    const a = { v: 1, attachments: [{ mediaId: 'ab', contentType: 'c', size: 1, sha256: HASH }] } as MessagePayload;
    const b = { v: 1, attachments: [{ mediaId: 'a', contentType: 'bc', size: 1, sha256: HASH }] } as MessagePayload;
    expect(toHex(canonicalFrankedContent(a))).not.toBe(toHex(canonicalFrankedContent(b)));
    expect(toHex(canonicalFrankedContent({ v: 1, text: '' }))).not.toBe(toHex(canonicalFrankedContent({ v: 1 })));
  });

  it('authenticated data round trips and rejects other shapes', () => {
    const c = frankingCommitment(payload, KEY);
    expect(parseFrankingAad(encodeFrankingAad(c))).toEqual(c);
    expect(parseFrankingAad(new Uint8Array())).toBeUndefined();
    expect(parseFrankingAad(concatBytes(Uint8Array.of(2), c))).toBeUndefined();
    expect(parseFrankingAad(concatBytes(Uint8Array.of(1), c, Uint8Array.of(0)))).toBeUndefined();
  });
});

const ctx: FrankingContext = {
  senderAccountId: '0b6f3c52-7d38-4c36-9c21-8f3f4e0e9a11',
  senderDeviceId: '5d2c1a8e-3b41-4f0a-8a55-2a8d8c4f7b22',
  conversationId: '9e1f7a64-1c5d-4e2b-b7a9-3d6c0f8e2c33',
  timestamp: 1_790_000_000_000,
};
const k1: FrankingKeyring = { currentKeyId: 'k1', secrets: { k1: new Uint8Array(32).fill(1) } };

function report(over: Partial<FrankingReport> = {}): FrankingReport {
  const commitment = frankingCommitment(payload, KEY);
  return { payload, frankingKey: KEY, commitment, tag: createServerTag(k1, commitment, ctx), context: ctx, ...over };
}

describe('server tags and reports (FRANKING.md §2–3)', () => {
  it('F5 a genuine report verifies', () => {
    expect(verifyReport(k1, report())).toEqual({ ok: true, value: undefined });
  });

  it('F6 forged reports are rejected with report.unverified', () => {
    const other = frankingCommitment({ v: 1, text: 'another message' }, KEY);
    const forged: [string, FrankingReport][] = [
      ['changed plaintext', report({ payload: { ...payload, text: 'something worse' } })],
      ['changed attachment hash', report({ payload: { ...payload, attachments: [{ ...payload.attachments![0]!, sha256: 'cd'.repeat(32) }] } })],
      ['wrong franking key', report({ frankingKey: new Uint8Array(32).fill(9) })],
      ['short franking key', report({ frankingKey: new Uint8Array(16) })],
      ['tag from another message', report({ tag: createServerTag(k1, other, ctx) })],
      ['commitment of another message with its tag', report({ commitment: other, tag: createServerTag(k1, other, ctx) })],
      ['tag from another sender account', report({ tag: createServerTag(k1, frankingCommitment(payload, KEY), { ...ctx, senderAccountId: 'x' }) })],
      ['other sender device', report({ context: { ...ctx, senderDeviceId: '6d2c1a8e-3b41-4f0a-8a55-2a8d8c4f7b22' } })],
      ['other conversation', report({ context: { ...ctx, conversationId: 'aaaaaaaa-1c5d-4e2b-b7a9-3d6c0f8e2c33' } })],
      ['other timestamp', report({ context: { ...ctx, timestamp: ctx.timestamp + 1 } })],
      ['bad timestamp', report({ context: { ...ctx, timestamp: -1 } })],
      ['unknown key id', report({ tag: { ...report().tag, keyId: 'k9' } })],
      ['truncated tag', report({ tag: { ...report().tag, tag: report().tag.tag.subarray(0, 16) } })],
      ['flipped tag bit', report({ tag: { ...report().tag, tag: report().tag.tag.map((b, i) => (i === 0 ? b ^ 1 : b)) } })],
    ];
    for (const [why, r] of forged) {
      const v = verifyReport(k1, r);
      expect(v.ok, why).toBe(false);
      expect(!v.ok && v.error.code, why).toBe('report.unverified');
    }
  });

  it('F7 rotation: new tags use the new key id; tags of the old key still verify until it is retired', () => {
    const old = report();
    const k2: FrankingKeyring = { currentKeyId: 'k2', secrets: { ...k1.secrets, k2: new Uint8Array(32).fill(2) } };
    const fresh = createServerTag(k2, old.commitment, ctx);
    expect(fresh.keyId).toBe('k2');
    expect(verifyReport(k2, old).ok).toBe(true);
    expect(verifyReport(k2, { ...old, tag: fresh }).ok).toBe(true);
    const retired: FrankingKeyring = { currentKeyId: 'k2', secrets: { k2: k2.secrets.k2! } };
    expect(verifyReport(retired, old)).toMatchObject({ ok: false, error: { code: 'report.unverified' } });
    // a tag cannot be moved to another key id
    expect(verifyReport(k2, { ...old, tag: { keyId: 'k2', tag: old.tag.tag } }).ok).toBe(false);
  });

  it('keyring problems are named', () => {
    expect(keyringProblems(k1)).toEqual([]);
    expect(keyringProblems({ currentKeyId: 'nope', secrets: { 'bad id!': new Uint8Array(8) } })).toHaveLength(3);
  });
});

describe('franking end to end over MLS', () => {
  it('F8 sender commits, server tags from the public framing, recipient checks and reports, server verifies', async () => {
    const SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;
    const alice = await testDevice(SUITE);
    const bob = await testDevice(SUITE);
    const a = await GroupSession.create(alice.keys, text(ctx.conversationId));
    const p = value(await a.addMembers([bob.packages[0]!.keyPackage], { now: Date.now() }));
    value(await a.mergePendingCommit());
    const b = value(await GroupSession.join(p.welcome!, bob.lookup)).session;

    const sent = value(await encryptPayload(a, payload));
    // server: reads the commitment without any secret, tags it
    const info = value(await inspectMessage(sent.message, { now: Date.now() }));
    if (info.kind !== 'private') throw new Error('expected private');
    const commitment = parseFrankingAad(info.authenticatedData)!;
    expect(commitment).toEqual(sent.commitment);
    const context = { ...ctx, senderAccountId: alice.keys.identity.accountId, senderDeviceId: alice.keys.identity.deviceId };
    const tag = createServerTag(k1, commitment, context);
    // recipient
    const ev = value(await b.process(sent.message));
    if (ev.kind !== 'application') throw new Error('expected application');
    const opened = value(openPayload(ev));
    expect(opened.payload).toEqual(payload);
    expect(opened.sender.identity).toEqual(alice.keys.identity);
    // report
    const r = { payload: opened.payload, frankingKey: opened.frankingKey, commitment: opened.commitment, tag, context };
    expect(verifyReport(k1, r).ok).toBe(true);
    expect(verifyReport(k1, { ...r, payload: { v: 1, text: 'fabricated' } }).ok).toBe(false);
  });

  it('F9 a recipient refuses a message whose commitment does not open (malicious sender)', async () => {
    const SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;
    const alice = await testDevice(SUITE);
    const bob = await testDevice(SUITE);
    const a = await GroupSession.create(alice.keys, text('g'));
    const p = value(await a.addMembers([bob.packages[0]!.keyPackage], { now: Date.now() }));
    value(await a.mergePendingCommit());
    const b = value(await GroupSession.join(p.welcome!, bob.lookup)).session;
    const honest = sealPayload({ v: 1, text: 'harmless' });
    const abusive = sealPayload({ v: 1, text: 'abusive' });
    // commitment of one message, content of another
    const msg = value(await a.encrypt(abusive.data, honest.authenticatedData));
    const ev = value(await b.process(msg));
    if (ev.kind !== 'application') throw new Error('expected application');
    expect(openPayload(ev)).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
    const noAad = value(await a.encrypt(abusive.data));
    const ev2 = value(await b.process(noAad));
    if (ev2.kind !== 'application') throw new Error('expected application');
    expect(openPayload(ev2)).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
    expect(verifyCommitment({ v: 1, text: 'abusive' }, abusive.frankingKey, abusive.commitment)).toBe(true);
  });
});
