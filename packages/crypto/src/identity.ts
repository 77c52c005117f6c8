import { AccountId, DeviceId } from '@haven/protocol';
import type { Credential } from 'ts-mls';
import { fromHex, fromUtf8, toHex, utf8 } from './bytes';
import { decodeCertificate, encodeCertificate, type DeviceCertificate } from './device-certificate';

/** Who a leaf in a group is: one device of one account. */
export interface DeviceIdentity {
  accountId: AccountId;
  deviceId: DeviceId;
}

const PREFIX = 'haven:v1:';
/** A certified device: `haven:v2:<accountId>:<deviceId>:<hex of its device certificate>`. */
const PREFIX_V2 = 'haven:v2:';

/**
 * The MLS basic-credential identity of a device: UTF-8 `haven:v1:<accountId>:<deviceId>` (both UUIDs).
 * @example encodeIdentity({ accountId, deviceId }) // bytes of "haven:v1:3f…:9a…"
 */
export function encodeIdentity(id: DeviceIdentity): Uint8Array {
  return utf8(`${PREFIX}${id.accountId}:${id.deviceId}`);
}

/** Parses an identity from untrusted bytes; `undefined` unless it is exactly one of the forms above. */
export function parseIdentity(bytes: Uint8Array): DeviceIdentity | undefined {
  return parseCredentialIdentity(bytes)?.identity;
}

function parseCredentialIdentity(bytes: Uint8Array): { identity: DeviceIdentity; certificate?: DeviceCertificate } | undefined {
  const s = fromUtf8(bytes);
  const v2 = s?.startsWith(PREFIX_V2);
  if (!s || (!v2 && !s.startsWith(PREFIX))) return undefined;
  const parts = s.slice(PREFIX.length).split(':');
  if (parts.length !== (v2 ? 3 : 2)) return undefined;
  const a = AccountId.safeParse(parts[0]);
  const d = DeviceId.safeParse(parts[1]);
  if (!a.success || !d.success) return undefined;
  // Lower case only, so that case variants of one UUID are never two identities.
  if (s !== s.toLowerCase()) return undefined;
  const identity = { accountId: a.data, deviceId: d.data };
  if (!v2) return { identity };
  const raw = fromHex(parts[2]!);
  const certificate = raw && decodeCertificate(raw);
  if (!certificate || certificate.accountId !== identity.accountId || certificate.deviceId !== identity.deviceId) return undefined;
  return { identity, certificate };
}

/** The device certificate a Haven credential carries (`undefined`: an uncertified device). Not verified here. */
export function certificateOfCredential(c: Credential): DeviceCertificate | undefined {
  return c.credentialType === 'basic' ? parseCredentialIdentity(c.identity)?.certificate : undefined;
}

/** The identity in a ts-mls credential, when it is a Haven basic credential. */
export function identityOfCredential(c: Credential): DeviceIdentity | undefined {
  return c.credentialType === 'basic' ? parseIdentity(c.identity) : undefined;
}

/** The credential of a device: with its certificate when it has one (a linked device), else the bare label. */
export function credentialFor(id: DeviceIdentity, certificate?: DeviceCertificate): Credential {
  if (!certificate) return { credentialType: 'basic', identity: encodeIdentity(id) };
  return { credentialType: 'basic', identity: utf8(`${PREFIX_V2}${id.accountId}:${id.deviceId}:${toHex(encodeCertificate(certificate))}`) };
}

export function sameIdentity(a: DeviceIdentity, b: DeviceIdentity): boolean {
  return a.accountId === b.accountId && a.deviceId === b.deviceId;
}

/** The MLS group id of a conversation: the UTF-8 bytes of its id (the server checks it matches). */
export function groupIdForConversation(conversationId: string): Uint8Array {
  return utf8(conversationId);
}
