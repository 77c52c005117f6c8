import { AccountId, DeviceId } from '@haven/protocol';
import type { Credential } from 'ts-mls';
import { fromUtf8, utf8 } from './bytes';

/** Who a leaf in a group is: one device of one account. */
export interface DeviceIdentity {
  accountId: AccountId;
  deviceId: DeviceId;
}

const PREFIX = 'haven:v1:';

/**
 * The MLS basic-credential identity of a device: UTF-8 `haven:v1:<accountId>:<deviceId>` (both UUIDs).
 * @example encodeIdentity({ accountId, deviceId }) // bytes of "haven:v1:3f…:9a…"
 */
export function encodeIdentity(id: DeviceIdentity): Uint8Array {
  return utf8(`${PREFIX}${id.accountId}:${id.deviceId}`);
}

/** Parses an identity from untrusted bytes; `undefined` unless it is exactly the form above. */
export function parseIdentity(bytes: Uint8Array): DeviceIdentity | undefined {
  const s = fromUtf8(bytes);
  if (!s?.startsWith(PREFIX)) return undefined;
  const parts = s.slice(PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const a = AccountId.safeParse(parts[0]);
  const d = DeviceId.safeParse(parts[1]);
  if (!a.success || !d.success) return undefined;
  // Lower case only, so that case variants of one UUID are never two identities.
  if (s !== s.toLowerCase()) return undefined;
  return { accountId: a.data, deviceId: d.data };
}

/** The identity in a ts-mls credential, when it is a Haven basic credential. */
export function identityOfCredential(c: Credential): DeviceIdentity | undefined {
  return c.credentialType === 'basic' ? parseIdentity(c.identity) : undefined;
}

export function credentialFor(id: DeviceIdentity): Credential {
  return { credentialType: 'basic', identity: encodeIdentity(id) };
}

export function sameIdentity(a: DeviceIdentity, b: DeviceIdentity): boolean {
  return a.accountId === b.accountId && a.deviceId === b.deviceId;
}

/** The MLS group id of a conversation: the UTF-8 bytes of its id (the server checks it matches). */
export function groupIdForConversation(conversationId: string): Uint8Array {
  return utf8(conversationId);
}
