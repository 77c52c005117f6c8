// Linking a new device to an account (docs/decisions/0011-device-linking.md). The existing device shows a
// code of 80 random bits; the new device enters it. Both derive from it a link id (which the server
// routes by) and a MAC key (which the server never sees). The new device's request (its ids, MLS signature
// key and an ephemeral X25519 key) and the existing device's answer (the certificate, and the account key
// sealed to the ephemeral key) are each authenticated with that MAC key, so a server that relays them
// cannot substitute a key of its own, and cannot read the account key.
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { gcm } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { AccountId, DeviceId } from '@haven/protocol';
import { Reader, concatBytes, constantTimeEqual, fromUtf8, toHex, utf8, vec16, vec32 } from './bytes';
import { certifyDevice, decodeCertificate, encodeCertificate, verifyCertificate, type AccountKeys, type DeviceCertificate } from './device-certificate';
import { fail, succeed, type CryptoResult } from './errors';
import type { DeviceIdentity } from './identity';
import { defaultRng, type Rng } from './rng';

/** Bytes of secret in a link code: 80 bits, 16 characters of Crockford base32. */
export const LINK_SECRET_BYTES = 10;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Draws the secret of a new link (on the existing device). */
export function newLinkSecret(rng: Rng = defaultRng): Uint8Array {
  return rng(LINK_SECRET_BYTES);
}

/**
 * The code people copy from one device to the other: 16 characters in groups of four.
 * @example formatLinkCode(secret) // "7KQ2-M9XD-4TPA-H3WZ"
 */
export function formatLinkCode(secret: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of secret) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out.match(/.{4}/g)!.join('-');
}

/** Reads a typed code (any case, with or without dashes and spaces; O→0, I and L→1); `undefined` if malformed. */
export function parseLinkCode(text: string): Uint8Array | undefined {
  const clean = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (clean.length !== 16) return undefined;
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return undefined;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
      value &= (1 << bits) - 1;
    }
  }
  return Uint8Array.from(out);
}

/** The id the server knows the link by (it cannot recover the secret from it). */
export function linkIdOf(secret: Uint8Array): string {
  return toHex(sha256(concatBytes(utf8('haven/link/id'), secret)).slice(0, 16));
}

const macKey = (secret: Uint8Array) => sha256(concatBytes(utf8('haven/link/mac'), secret));
const mac = (secret: Uint8Array, label: string, body: Uint8Array) => hmac(sha256, macKey(secret), concatBytes(utf8(label), body));

export interface LinkRequestSecret {
  /** The ephemeral X25519 secret: keep it in memory until the answer arrives. */
  ephemeralSecret: Uint8Array;
  request: Uint8Array;
}

/** The new device's request: its identity, MLS signature key and an ephemeral key, under the code's MAC. */
export function makeLinkRequest(secret: Uint8Array, device: DeviceIdentity, signatureKey: Uint8Array, rng: Rng = defaultRng): LinkRequestSecret {
  const ephemeralSecret = rng(32);
  const body = concatBytes(
    utf8('HVLQ'),
    Uint8Array.of(1),
    vec16(utf8(device.accountId)),
    vec16(utf8(device.deviceId)),
    vec32(signatureKey),
    vec32(x25519.getPublicKey(ephemeralSecret)),
  );
  return { ephemeralSecret, request: concatBytes(body, mac(secret, 'request', body)) };
}

export interface OpenedLinkRequest {
  identity: DeviceIdentity;
  signatureKey: Uint8Array;
  ephemeralPublic: Uint8Array;
}

/** Checks a request against the code (the existing device does this); `undefined` if it was not made with it. */
export function openLinkRequest(secret: Uint8Array, request: Uint8Array): OpenedLinkRequest | undefined {
  if (request.length < 32) return undefined;
  const body = request.subarray(0, request.length - 32);
  if (!constantTimeEqual(mac(secret, 'request', body), request.subarray(request.length - 32))) return undefined;
  const r = new Reader(body);
  const magic = r.bytes(4);
  if (!magic || fromUtf8(magic) !== 'HVLQ' || r.u8() !== 1) return undefined;
  const a = r.vec16();
  const d = r.vec16();
  const sig = r.vec32();
  const eph = r.vec32();
  const accountId = AccountId.safeParse(a && fromUtf8(a));
  const deviceId = DeviceId.safeParse(d && fromUtf8(d));
  if (!accountId.success || !deviceId.success || !sig || !eph || eph.length !== 32 || !r.done) return undefined;
  return { identity: { accountId: accountId.data, deviceId: deviceId.data }, signatureKey: sig.slice(), ephemeralPublic: eph.slice() };
}

function sealKey(shared: Uint8Array, secret: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8('haven/link/seal'), shared, secret));
}

/**
 * The existing device's answer: a certificate for the requesting device, and the account key sealed to
 * the request's ephemeral key, all under the code's MAC and bound to the request.
 */
export function answerLinkRequest(
  secret: Uint8Array,
  request: Uint8Array,
  account: AccountKeys,
  now: number,
  rng: Rng = defaultRng,
): CryptoResult<{ response: Uint8Array; certificate: DeviceCertificate; device: DeviceIdentity }> {
  const req = openLinkRequest(secret, request);
  if (!req) return fail('device.link_failed', 'The request was not made with this link code.');
  if (req.identity.accountId !== account.accountId) return fail('device.link_failed', 'The requesting device belongs to another account.');
  const certificate = certifyDevice(account, req.identity, req.signatureKey, now);
  const eph = rng(32);
  const key = sealKey(x25519.getSharedSecret(eph, req.ephemeralPublic), secret);
  const nonce = rng(12);
  const sealed = gcm(key, nonce, sha256(request)).encrypt(account.secretKey);
  const body = concatBytes(utf8('HVLR'), Uint8Array.of(1), vec32(encodeCertificate(certificate)), vec32(x25519.getPublicKey(eph)), vec32(concatBytes(nonce, sealed)));
  const tag = mac(secret, 'response', concatBytes(sha256(request), body));
  return succeed({ response: concatBytes(body, tag), certificate, device: req.identity });
}

/**
 * The new device checks the answer to its request and takes the account key and its certificate. Fails
 * unless the answer was made with the code, for this request, and certifies this device's key.
 */
export function completeLink(
  secret: Uint8Array,
  mine: LinkRequestSecret,
  response: Uint8Array,
  device: DeviceIdentity,
  signatureKey: Uint8Array,
): CryptoResult<{ account: AccountKeys; certificate: DeviceCertificate }> {
  const bad = fail('device.link_failed', 'The answer was not made with this link code (mistyped, or tampered with).');
  if (response.length < 32) return bad;
  const body = response.subarray(0, response.length - 32);
  if (!constantTimeEqual(mac(secret, 'response', concatBytes(sha256(mine.request), body)), response.subarray(response.length - 32))) return bad;
  const r = new Reader(body);
  const magic = r.bytes(4);
  if (!magic || fromUtf8(magic) !== 'HVLR' || r.u8() !== 1) return bad;
  const certBytes = r.vec32();
  const eph = r.vec32();
  const sealed = r.vec32();
  const certificate = certBytes && decodeCertificate(certBytes);
  if (!certificate || !eph || eph.length !== 32 || !sealed || sealed.length < 12 || !r.done) return bad;
  if (!verifyCertificate(certificate, device, signatureKey)) return bad;
  let secretKey: Uint8Array;
  try {
    const key = sealKey(x25519.getSharedSecret(mine.ephemeralSecret, eph), secret);
    secretKey = gcm(key, sealed.subarray(0, 12), sha256(mine.request)).decrypt(sealed.subarray(12));
  } catch {
    return bad;
  }
  if (secretKey.length !== 32 || !constantTimeEqual(ed25519.getPublicKey(secretKey), certificate.accountKey)) return bad;
  return succeed({ account: { accountId: device.accountId, publicKey: certificate.accountKey.slice(), secretKey }, certificate });
}
