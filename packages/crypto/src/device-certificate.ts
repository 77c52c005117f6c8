// Account identity keys and device certificates (issue 15, docs/decisions/0011-device-linking.md).
// An account has one Ed25519 identity key, made on its first device and handed to each device it links.
// The account key signs a certificate for each device binding (account id, device id, the device's MLS
// signature key, created); the certificate rides in the device's MLS credential, so every member checks
// it wherever RFC 9420 §5.3.1 asks for a credential to be validated. A server that invents a device for
// an account cannot sign its certificate.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { AccountId, DeviceId } from '@haven/protocol';
import { Reader, concatBytes, constantTimeEqual, fromUtf8, toHex, u64, utf8, vec16, vec32 } from './bytes';
/** The ids a certificate binds (the same shape as identity.ts's DeviceIdentity, kept apart to avoid a cycle). */
interface DeviceIds {
  accountId: AccountId;
  deviceId: DeviceId;
}
import { defaultRng, type Rng } from './rng';

/** An account's identity key pair. The secret half stays on the account's linked devices. */
export interface AccountKeys {
  accountId: AccountId;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** A device certificate: the account key's signature over the device's identity and MLS signature key. */
export interface DeviceCertificate {
  accountId: AccountId;
  deviceId: DeviceId;
  /** The device's MLS signature public key (the one its leaves and key packages carry). */
  signatureKey: Uint8Array;
  /** The account identity key (Ed25519 public key) that signed. */
  accountKey: Uint8Array;
  /** When the certificate was made, ms since the epoch. */
  created: number;
  signature: Uint8Array;
}

const CERT_LABEL = utf8('haven/device-certificate/v1');
const CERT_MAGIC = utf8('HVDC');
const ACCOUNT_MAGIC = utf8('HVAK');

/**
 * Draws a fresh account identity key (Ed25519).
 * @example const account = generateAccountKeys(accountId);
 */
export function generateAccountKeys(accountId: AccountId, rng: Rng = defaultRng): AccountKeys {
  const secretKey = rng(32);
  return { accountId, secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

/** The bytes the account key signs. */
function toBeSigned(c: Omit<DeviceCertificate, 'signature'>): Uint8Array {
  return concatBytes(CERT_LABEL, vec16(utf8(c.accountId)), vec16(utf8(c.deviceId)), vec32(c.signatureKey), vec32(c.accountKey), u64(c.created));
}

/**
 * Signs a certificate for a device of the account (the device's MLS signature key, bound to its ids).
 * @example const cert = certifyDevice(account, { accountId, deviceId }, device.signaturePublicKey, Date.now());
 */
export function certifyDevice(account: AccountKeys, device: DeviceIds, signatureKey: Uint8Array, created: number): DeviceCertificate {
  if (device.accountId !== account.accountId) throw new RangeError('a device can only be certified by its own account key');
  const body = { accountId: device.accountId, deviceId: device.deviceId, signatureKey: signatureKey.slice(), accountKey: account.publicKey.slice(), created: Math.floor(created) };
  return { ...body, signature: ed25519.sign(toBeSigned(body), account.secretKey) };
}

/**
 * Whether a certificate is the account key's signature over exactly this device and signature key.
 * Pinning the account key (is `cert.accountKey` the one we know for the account?) is the caller's part.
 */
export function verifyCertificate(cert: DeviceCertificate, device: DeviceIds, signatureKey: Uint8Array): boolean {
  if (cert.accountId !== device.accountId || cert.deviceId !== device.deviceId) return false;
  if (!constantTimeEqual(cert.signatureKey, signatureKey)) return false;
  // ts-mls validates every leaf of a tree on each Welcome, and the same leaves again on later commits:
  // remember certificates that verified (the key is every signed byte plus the signature).
  const signed = toBeSigned(cert);
  const memo = toHex(sha256(concatBytes(signed, cert.signature)));
  if (verified.has(memo)) return true;
  let ok: boolean;
  try {
    ok = ed25519.verify(cert.signature, signed, cert.accountKey);
  } catch {
    ok = false;
  }
  if (ok) {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.values().next().value!);
    verified.add(memo);
  }
  return ok;
}

/** Certificates that verified, by SHA-256 of their signed bytes and signature (bounded, oldest out first). */
const verified = new Set<string>();
const VERIFIED_MAX = 4096;

export function encodeCertificate(c: DeviceCertificate): Uint8Array {
  return concatBytes(
    CERT_MAGIC,
    Uint8Array.of(1),
    vec16(utf8(c.accountId)),
    vec16(utf8(c.deviceId)),
    vec32(c.signatureKey),
    vec32(c.accountKey),
    u64(c.created),
    vec16(c.signature),
  );
}

/** Parses a certificate from untrusted bytes (no signature check: see {@link verifyCertificate}). */
export function decodeCertificate(bytes: Uint8Array): DeviceCertificate | undefined {
  const r = new Reader(bytes);
  const magic = r.bytes(4);
  if (!magic || fromUtf8(magic) !== 'HVDC' || r.u8() !== 1) return undefined;
  const a = r.vec16();
  const d = r.vec16();
  const sig = r.vec32();
  const ak = r.vec32();
  const hi = r.u32();
  const lo = r.u32();
  const s = r.vec16();
  if (!a || !d || !sig || !ak || hi === undefined || lo === undefined || !s || !r.done) return undefined;
  const accountId = AccountId.safeParse(fromUtf8(a));
  const deviceId = DeviceId.safeParse(fromUtf8(d));
  if (!accountId.success || !deviceId.success || ak.length !== 32 || s.length !== 64) return undefined;
  const created = hi * 2 ** 32 + lo;
  if (!Number.isSafeInteger(created)) return undefined;
  return { accountId: accountId.data, deviceId: deviceId.data, signatureKey: sig.slice(), accountKey: ak.slice(), created, signature: s.slice() };
}

/** Serialises the account key pair for a `StateStore` (a secret). */
export function encodeAccountKeys(k: AccountKeys): Uint8Array {
  return concatBytes(ACCOUNT_MAGIC, Uint8Array.of(1), vec16(utf8(k.accountId)), vec32(k.publicKey), vec32(k.secretKey));
}

export function decodeAccountKeys(bytes: Uint8Array): AccountKeys | undefined {
  const r = new Reader(bytes);
  const magic = r.bytes(4);
  if (!magic || fromUtf8(magic) !== 'HVAK' || r.u8() !== 1) return undefined;
  const a = r.vec16();
  const pub = r.vec32();
  const sec = r.vec32();
  const id = AccountId.safeParse(a && fromUtf8(a));
  if (!id.success || !pub || !sec || !r.done || sec.length !== 32) return undefined;
  if (!constantTimeEqual(ed25519.getPublicKey(sec), pub)) return undefined;
  return { accountId: id.data, publicKey: pub.slice(), secretKey: sec.slice() };
}

/**
 * A short fingerprint of a public key for people (first 16 bytes of SHA-256, hex in groups of four).
 * @example keyFingerprint(cert.accountKey) // "3f2a 9c01 …"
 */
export function keyFingerprint(key: Uint8Array): string {
  return toHex(sha256(key).slice(0, 16)).match(/.{4}/g)!.join(' ');
}

/** 30 digits for one account: 6 chunks of 5 bytes of SHA-256 over label, id and key, each mod 100000. */
function accountDigits(accountId: string, key: Uint8Array): string {
  let h = sha256(concatBytes(utf8('haven/safety-code/v1'), vec16(utf8(accountId)), vec32(key)));
  // Iterate as Signal's numeric fingerprints do, so a brute-force search for a collision costs more.
  for (let i = 0; i < 1024; i++) h = sha256(concatBytes(h, key));
  let out = '';
  for (let i = 0; i < 6; i++) {
    let n = 0;
    for (let j = 0; j < 5; j++) n = n * 256 + h[i * 5 + j]!;
    out += String(n % 100_000).padStart(5, '0');
  }
  return out;
}

/**
 * The safety code of a pair of accounts: 60 digits (12 groups of 5) from both account keys, the same on
 * both sides (the two halves are ordered by account id). Compared out of band, it proves that neither
 * side was shown a key the server made up.
 * @example safetyCode({ accountId: a, key: aKey }, { accountId: b, key: bKey }) // "12345 67890 …"
 */
export function safetyCode(a: { accountId: string; key: Uint8Array }, b: { accountId: string; key: Uint8Array }): string {
  const [first, second] = a.accountId < b.accountId ? [a, b] : [b, a];
  const digits = accountDigits(first.accountId, first.key) + accountDigits(second.accountId, second.key);
  return digits.match(/.{5}/g)!.join(' ');
}
