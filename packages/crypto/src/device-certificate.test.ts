import type { AccountId, DeviceId } from '@haven/protocol';
import { describe, expect, it } from 'vitest';
import {
  certifyDevice,
  decodeAccountKeys,
  decodeCertificate,
  encodeAccountKeys,
  encodeCertificate,
  generateAccountKeys,
  safetyCode,
  verifyCertificate,
} from './device-certificate';
import { generateDeviceKeys } from './device-keys';
import type { CryptoResult } from './errors';
import { GroupSession } from './group-session';
import { credentialFor, certificateOfCredential, parseIdentity, encodeIdentity } from './identity';
import { generateKeyPackages } from './key-packages';
import { certifiedDeviceKeys, testAccount, uuid } from './test-helpers';

const SUITE1 = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;
const who = (accountId = uuid()) => ({ accountId: accountId as AccountId, deviceId: uuid() as DeviceId });
const gid = (s: string) => new TextEncoder().encode(s);
function value<T>(r: CryptoResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('device certificates', () => {
  it('verify only for the device, signature key and account key they were made for', async () => {
    const id = who();
    const account = generateAccountKeys(id.accountId);
    const dev = await generateDeviceKeys(id, { suite: SUITE1 });
    const cert = certifyDevice(account, id, dev.signaturePublicKey, 1_700_000_000_000);
    expect(verifyCertificate(cert, id, dev.signaturePublicKey)).toBe(true);
    const round = decodeCertificate(encodeCertificate(cert))!;
    expect(verifyCertificate(round, id, dev.signaturePublicKey)).toBe(true);
    // Another device, another signature key, a flipped bit, or a key the server made up: refused.
    expect(verifyCertificate(cert, { ...id, deviceId: uuid() as DeviceId }, dev.signaturePublicKey)).toBe(false);
    const other = await generateDeviceKeys(id, { suite: SUITE1 });
    expect(verifyCertificate(cert, id, other.signaturePublicKey)).toBe(false);
    const flipped = { ...cert, signature: cert.signature.slice() };
    flipped.signature[10]! ^= 1;
    expect(verifyCertificate(flipped, id, dev.signaturePublicKey)).toBe(false);
    const forger = generateAccountKeys(id.accountId);
    const forged = { ...cert, accountKey: forger.publicKey };
    expect(verifyCertificate(forged, id, dev.signaturePublicKey)).toBe(false);
    expect(() => certifyDevice(account, who(), dev.signaturePublicKey, 0)).toThrow();
    // Truncated or padded bytes never decode.
    const bytes = encodeCertificate(cert);
    expect(decodeCertificate(bytes.slice(0, -1))).toBeUndefined();
    expect(decodeCertificate(new Uint8Array([...bytes, 0]))).toBeUndefined();
  });

  it('account keys round-trip; a stored key whose halves do not match is refused', () => {
    const a = generateAccountKeys(uuid() as AccountId);
    expect(decodeAccountKeys(encodeAccountKeys(a))).toEqual(a);
    const b = generateAccountKeys(a.accountId);
    expect(decodeAccountKeys(encodeAccountKeys({ ...a, publicKey: b.publicKey }))).toBeUndefined();
  });

  it('credentials carry the certificate; the identity parses the same as an uncertified one', async () => {
    const keys = await certifiedDeviceKeys(SUITE1);
    const c = credentialFor(keys.identity, keys.certificate);
    expect(c.credentialType === 'basic' && parseIdentity(c.identity)).toEqual(keys.identity);
    expect(certificateOfCredential(c)).toEqual(keys.certificate);
    expect(certificateOfCredential(credentialFor(keys.identity))).toBeUndefined();
    // A certificate for another device inside this device's credential does not parse.
    const other = await certifiedDeviceKeys(SUITE1, keys.identity.accountId);
    const text = new TextDecoder().decode(encodeIdentity(keys.identity)).replace('haven:v1:', 'haven:v2:');
    const hex = [...encodeCertificate(other.certificate!)].map((b) => b.toString(16).padStart(2, '0')).join('');
    expect(parseIdentity(new TextEncoder().encode(`${text}:${hex}`))).toBeUndefined();
  });

  it('safety codes: 60 digits, the same from both sides, different for another key', () => {
    const a = { accountId: uuid(), key: generateAccountKeys(uuid() as AccountId).publicKey };
    const b = { accountId: uuid(), key: generateAccountKeys(uuid() as AccountId).publicKey };
    const code = safetyCode(a, b);
    expect(code).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(safetyCode(b, a)).toBe(code);
    const b2 = { ...b, key: generateAccountKeys(uuid() as AccountId).publicKey };
    expect(safetyCode(a, b2)).not.toBe(code);
    // Only the changed account's half moves.
    const half = (s: string, first: boolean) => s.replace(/ /g, '').slice(first ? 0 : 30, first ? 30 : 60);
    const aFirst = a.accountId < b.accountId;
    expect(half(safetyCode(a, b2), aFirst)).toBe(half(code, aFirst));
  });
});

describe('credential validation in MLS (RFC 9420 §5.3.1 through the ts-mls hook)', () => {
  it('a committer does not add an uncertified device, nor one certified by a made-up account key', async () => {
    const alice = await certifiedDeviceKeys(SUITE1);
    const s = await GroupSession.create(alice, gid(uuid()), {});
    const bare = await generateDeviceKeys(who(), { suite: SUITE1 });
    const [kpBare] = await generateKeyPackages(bare, { count: 1, lastResort: false, now: Date.now() });
    expect(await s.addMembers([kpBare!.keyPackage], { now: Date.now() })).toMatchObject({ ok: false, error: { code: 'device.not_linked' } });
    // Certified, but by a key that is not the one pinned for the account: the trust hook refuses it.
    const victim = who();
    testAccount(victim.accountId);
    const ghostRaw = await generateDeviceKeys(victim, { suite: SUITE1 });
    const serverKey = generateAccountKeys(victim.accountId);
    const ghost = { ...ghostRaw, certificate: certifyDevice(serverKey, victim, ghostRaw.signaturePublicKey, Date.now()) };
    const [kpGhost] = await generateKeyPackages(ghost, { count: 1, lastResort: false, now: Date.now() });
    const pinned = new Map([[victim.accountId, testAccount(victim.accountId).publicKey]]);
    const strict = await GroupSession.create(alice, gid(uuid()), {
      trustAccountKey: (acct, key) => !pinned.has(acct) || Buffer.from(pinned.get(acct)!).equals(Buffer.from(key)),
    });
    expect(await strict.addMembers([kpGhost!.keyPackage], { now: Date.now() })).toMatchObject({ ok: false, error: { code: 'device.not_linked' } });
    expect(strict.members()).toHaveLength(1);
  });

  it('a member refuses a commit that adds an uncertified device (made by a client that skipped the check)', async () => {
    const alice = await certifiedDeviceKeys(SUITE1);
    const bob = await certifiedDeviceKeys(SUITE1);
    const groupId = gid(uuid());
    const a = await GroupSession.create(alice, groupId, { requireCertificate: false });
    const [kpBob] = await generateKeyPackages(bob, { count: 1, lastResort: false, now: Date.now() });
    const added = value(await a.addMembers([kpBob!.keyPackage], { now: Date.now() }));
    value(await a.mergePendingCommit());
    const b = value(
      await GroupSession.join(added.welcome!, (ref) => (ref === kpBob!.ref ? kpBob!.secret : undefined), {}),
    ).session;
    // Alice's careless client adds a device with no certificate; Bob's client validates the credential.
    const ghost = await generateDeviceKeys(who(), { suite: SUITE1 });
    const [kpGhost] = await generateKeyPackages(ghost, { count: 1, lastResort: false, now: Date.now() });
    const bad = value(await a.addMembers([kpGhost!.keyPackage], { now: Date.now() }));
    const r = await b.process(bad.commit);
    expect(r.ok).toBe(false);
    expect(b.members()).toHaveLength(2);
    // And a Welcome whose tree holds an uncertified leaf is refused by the joiner.
    const carol = await certifiedDeviceKeys(SUITE1);
    const [kpCarol] = await generateKeyPackages(carol, { count: 1, lastResort: false, now: Date.now() });
    value(await a.mergePendingCommit()); // the careless client goes on with the uncertified leaf in its tree
    const withCarol = value(await a.addMembers([kpCarol!.keyPackage], { now: Date.now() }));
    const j = await GroupSession.join(withCarol.welcome!, (ref) => (ref === kpCarol!.ref ? kpCarol!.secret : undefined), {});
    expect(j.ok).toBe(false);
  });
});
