import { decodeCertificate, encodeCertificate, verifyCertificate, type DeviceCertificate, type DeviceIdentity } from '@haven/crypto';
import { HavenError, type Device, type DeviceLink } from '@haven/protocol';
import type { Caller, Services } from './context';
import type { DeviceLinksTable } from '../storage/database';
import type { Selectable } from 'kysely';
import { findLink, insertLink, setLinkRequest, setLinkResponse } from '../storage/repos/device-links';
import { certifiedDevices, findAccountKey, findCertificate, listDevices, removeDevice, setAccountKey, storeCertificate } from '../storage/repos/devices';
import { listConversationsForMember, membersOf } from '../storage/repos/conversations';

// Devices (issue 15, issue 13 item 8; docs/decisions/0011-device-linking.md). The server is an honest
// relay here, not the authority: members' clients verify every certificate themselves. What the server
// checks spares honest users confusing failures (a pending device gets `device.not_linked` at once).

const LINK_TTL_MS = 10 * 60 * 1000;
const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** The caller's devices (not removed), with which are linked and which is the caller's. */
export async function devicesOf(s: Services, caller: Caller): Promise<Device[]> {
  return (await listDevices(s.db, caller.accountId)).map((d) => ({
    id: d.id as Device['id'],
    name: d.name,
    createdAt: d.created_at.toISOString(),
    lastSeenAt: d.last_seen_at ? d.last_seen_at.toISOString() : null,
    linked: d.account_key !== null,
    current: d.id === caller.deviceId,
  }));
}

/**
 * Tells every member of the account's conversations that its devices changed, so that an online member's
 * client reconciles its groups at once (adds a linked device, removes a removed one).
 */
export async function announceDeviceChange(s: Services, accountId: string, change: { deviceId: string; change: 'removed' | 'linked' }): Promise<void> {
  const conversations = (await listConversationsForMember(s.db, accountId)).filter((c) => c.mode === 'e2ee');
  if (conversations.length === 0) return;
  const members = await membersOf(s.db, conversations.map((c) => c.id));
  const everyone = new Set<string>();
  for (const ids of members.values()) for (const id of ids) everyone.add(id);
  await s.fanout.publish([...everyone], {
    type: 'event',
    event: 'devices.changed',
    data: { accountId, ...change, conversationIds: conversations.map((c) => c.id) },
  });
}

/**
 * Removes a device of the caller's account: it is marked removed (kept for history), signed out, its key
 * packages dropped; members' clients then commit its removal from every group (at once when online).
 */
export async function removeDeviceOf(s: Services, caller: Caller, deviceId: string, opts: { self?: boolean } = {}): Promise<void> {
  if (deviceId === caller.deviceId && !opts.self) throw new HavenError('device.current');
  const ended = await removeDevice(s.db, caller.accountId, deviceId, caller.deviceId, s.now());
  if (!ended) throw new HavenError('device.not_found');
  for (const tokenHash of ended) await s.fanout.publish([caller.accountId], { type: 'session_ended', tokenHash });
  await announceDeviceChange(s, caller.accountId, { deviceId, change: 'removed' });
}

/**
 * Checks the certificate a device's key packages carry before the server stores them: it must certify
 * exactly this device and signature key, under the account's key. The first linked device sets the
 * account key; a new key is accepted only when no linked device of the account remains (every device
 * lost), and contacts' clients show it as a key change.
 */
export async function checkDeviceCertificate(s: Services, caller: Caller, signatureKey: Uint8Array, cert: DeviceCertificate | undefined): Promise<void> {
  const me: DeviceIdentity = { accountId: caller.accountId, deviceId: caller.deviceId } as DeviceIdentity;
  if (!cert || !verifyCertificate(cert, me, signatureKey)) throw new HavenError('device.not_linked');
  const stored = await findCertificate(s.db, caller.deviceId);
  if (stored && same(stored.certificate, encodeCertificate(cert))) return;
  const key = await findAccountKey(s.db, caller.accountId);
  if (key && !same(key.public_key, cert.accountKey)) {
    const others = (await certifiedDevices(s.db, caller.accountId)).filter((d) => d.device_id !== caller.deviceId);
    if (others.length > 0) throw new HavenError('device.key_mismatch');
  }
  if (!key || !same(key.public_key, cert.accountKey)) await setAccountKey(s.db, caller.accountId, cert.accountKey, s.now());
  await storeCertificate(s.db, { device_id: caller.deviceId, account_id: caller.accountId, account_key: cert.accountKey, certificate: encodeCertificate(cert) });
  if (!stored) await announceDeviceChange(s, caller.accountId, { deviceId: caller.deviceId, change: 'linked' });
}

/** The stored certificate bytes of a device, base64, for the directory. */
export function certificateWire(bytes: Uint8Array | null | undefined): string | undefined {
  if (!bytes) return undefined;
  return decodeCertificate(bytes) ? b64(bytes) : undefined;
}

function linkView(l: Selectable<DeviceLinksTable>): DeviceLink {
  return {
    linkId: l.id,
    expiresAt: l.expires_at.toISOString(),
    offeredByDeviceId: l.offered_by_device_id as DeviceLink['offeredByDeviceId'],
    requestedByDeviceId: (l.requested_by_device_id ?? null) as DeviceLink['requestedByDeviceId'],
    request: l.request ? b64(l.request) : null,
    response: l.response ? b64(l.response) : null,
  };
}

async function link(s: Services, caller: Caller, linkId: string) {
  const l = await findLink(s.db, caller.accountId, linkId, s.now());
  if (!l) throw new HavenError('device.link_not_found');
  return l;
}

/** A linked device offers a link (the code stays on the user's devices; the server sees only its id). */
export async function offerLink(s: Services, caller: Caller, linkId: string): Promise<DeviceLink> {
  if (!(await findCertificate(s.db, caller.deviceId))) throw new HavenError('device.not_linked', 'Only a linked device can link another: this one is not linked yet.');
  const expires = new Date(s.now().getTime() + LINK_TTL_MS);
  if (!(await insertLink(s.db, { id: linkId, account_id: caller.accountId, offered_by_device_id: caller.deviceId, expires_at: expires })))
    throw new HavenError('device.link_state', 'That link id is already in use; make a new code.');
  return linkView(await link(s, caller, linkId));
}

export async function getLink(s: Services, caller: Caller, linkId: string): Promise<DeviceLink> {
  return linkView(await link(s, caller, linkId));
}

/** The new device (another device of the same account) posts its request, once. */
export async function requestLink(s: Services, caller: Caller, linkId: string, request: string): Promise<DeviceLink> {
  const l = await link(s, caller, linkId);
  if (l.offered_by_device_id === caller.deviceId) throw new HavenError('device.link_state', 'Enter the code on the new device, not on the one that shows it.');
  if (!(await setLinkRequest(s.db, linkId, caller.deviceId, unb64(request)))) throw new HavenError('device.link_state');
  return linkView(await link(s, caller, linkId));
}

/** The offering device posts its answer, once, after the request. */
export async function answerLink(s: Services, caller: Caller, linkId: string, response: string): Promise<DeviceLink> {
  await link(s, caller, linkId);
  if (!(await setLinkResponse(s.db, linkId, caller.deviceId, unb64(response)))) throw new HavenError('device.link_state');
  return linkView(await link(s, caller, linkId));
}
