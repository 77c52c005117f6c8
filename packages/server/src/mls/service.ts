import { createHash, randomUUID } from 'node:crypto';
import {
  COMMITMENT_BYTES,
  createServerTag,
  inspectMessage,
  leavesOfDevice,
  parseFrankingAad,
  parseKeyPackage,
  rosterAfterCommit,
  rosterOfCreator,
  encodeCertificate,
  type CryptoResult,
  type DeviceCertificate,
  type DeviceIdentity,
  type Roster,
  type SuiteName,
} from '@haven/crypto';
import {
  HavenError,
  MLS_CONTENT_TYPES,
  type AccountPublic,
  type ClaimedKeyPackages,
  type CommitAccepted,
  type KeyPackageStatus,
  type MlsGroupState,
  type SubmitCommitRequest,
} from '@haven/protocol';
import type { Caller, Services } from '../services/context';
import { certificateWire, checkDeviceCertificate } from '../services/devices';
import { messageView } from '../services/views';
import type { ConversationRow, MessageRow } from '../storage/database';
import { findForSend } from '../storage/repos/conversations';
import { findByClientId, insertMessage, type CheckedMessage } from '../storage/repos/messages';
import {
  advanceEpoch,
  claimKeyPackage,
  findGroup,
  findMlsDevice,
  keyPackageCounts,
  mlsDevicesOf,
  pinMlsDevice,
  recordWelcome,
  storeKeyPackages,
  type StoredKeyPackage,
} from '../storage/repos/mls';
import { inTransaction } from '../storage/transaction';

// The server as MLS Delivery and Authentication Service (docs/decisions/0002-e2ee-delivery.md). It never
// holds a group secret: everything here reads public MLS framing with @haven/crypto's inspectors.

const nowS = (s: Services): number => Math.floor(s.now().getTime() / 1000);
const b64 = (x: string): Uint8Array => new Uint8Array(Buffer.from(x, 'base64'));
const me = (caller: Caller): DeviceIdentity => ({ accountId: caller.accountId, deviceId: caller.deviceId }) as DeviceIdentity;

function ok<T>(r: CryptoResult<T>): T {
  if (!r.ok) throw new HavenError(r.error.code, r.error.message);
  return r.value;
}

/** Max one-time packages a device may keep on the server. */
const MAX_STORED = 500;

export async function keyPackageStatus(s: Services, caller: Caller): Promise<KeyPackageStatus> {
  return { ...(await keyPackageCounts(s.db, caller.deviceId, nowS(s))), allowedSuites: [...s.config.mls.allowedSuites] };
}

/**
 * Stores a batch of the caller's key packages: each must parse, be of an allowed suite, name exactly the
 * caller's account and device, and be signed with the device's pinned signature key (pinned on first upload).
 */
export async function uploadKeyPackages(s: Services, caller: Caller, keyPackages: string[]): Promise<KeyPackageStatus> {
  const now = s.now().getTime();
  const allowedSuites = s.config.mls.allowedSuites as SuiteName[];
  let pinned = (await findMlsDevice(s.db, caller.deviceId))?.signature_key;
  const parsed: StoredKeyPackage[] = [];
  let certificate: DeviceCertificate | undefined;
  for (const [i, kp] of keyPackages.entries()) {
    const bytes = b64(kp);
    const info = ok(await parseKeyPackage(bytes, { now, allowedSuites, expect: me(caller), ...(pinned ? { expectSignatureKey: pinned } : {}) }));
    pinned ??= info.signaturePublicKey;
    // Every package of a batch carries the same certificate (issue 15: only linked devices upload).
    if (i === 0) certificate = info.certificate;
    else if (!info.certificate || !certificate || !Buffer.from(encodeCertificate(info.certificate)).equals(Buffer.from(encodeCertificate(certificate))))
      throw new HavenError('device.not_linked', 'Every key package of a batch must carry this device’s certificate.');
    parsed.push({ ref: info.ref, suite: info.suite, lastResort: info.lastResort, notAfter: info.notAfter, bytes });
  }
  if (parsed.filter((k) => k.lastResort).length > 1) throw new HavenError('mls.bad_key_package', 'Upload at most one last-resort key package at a time.');
  const before = await keyPackageCounts(s.db, caller.deviceId, Math.floor(now / 1000));
  if (before.oneTime + parsed.filter((k) => !k.lastResort).length > MAX_STORED)
    throw new HavenError('request.invalid', `A device may keep at most ${MAX_STORED} key packages on the server.`);
  await checkDeviceCertificate(s, caller, pinned!, certificate);
  const stored = await pinMlsDevice(s.db, caller.deviceId, caller.accountId, pinned!);
  if (Buffer.compare(Buffer.from(stored), Buffer.from(pinned!)) !== 0)
    throw new HavenError('mls.credential_mismatch', 'The key packages are signed with a key this device never registered.');
  await storeKeyPackages(s.db, caller.deviceId, parsed);
  return keyPackageStatus(s, caller);
}

async function e2eeConversation(s: Services, caller: Caller, conversationId: string) {
  const found = await findForSend(s.db, conversationId, caller.accountId);
  if (!found) throw new HavenError('conversation.not_found');
  if (found.conversation.mode !== 'e2ee') throw new HavenError('request.invalid', 'This conversation is not end-to-end encrypted.');
  return found;
}

function parseRoster(text: string): Roster {
  return JSON.parse(text) as Roster;
}

/** Claims one key package per named device; each must be an MLS device of a member of the conversation. */
export async function claimKeyPackages(s: Services, caller: Caller, conversationId: string, deviceIds: string[]): Promise<ClaimedKeyPackages> {
  const { memberIds } = await e2eeConversation(s, caller, conversationId);
  const devices = new Map((await mlsDevicesOf(s.db, memberIds)).map((d) => [d.device_id, d]));
  // The group's suite is the one of the caller's own key packages (the creator's device keys).
  const suite = s.config.mls.allowedSuites[0]!;
  const out: ClaimedKeyPackages = { keyPackages: [], missing: [] };
  for (const id of [...new Set(deviceIds)]) {
    const d = devices.get(id);
    if (!d) throw new HavenError('device.not_found', 'That device does not belong to a member of this conversation.');
    const kp = await claimKeyPackage(s.db, id, suite, nowS(s));
    if (kp) out.keyPackages.push({ accountId: d.account_id as never, deviceId: id as never, keyPackage: Buffer.from(kp).toString('base64') });
    else out.missing.push(id as never);
  }
  return out;
}

export async function groupState(s: Services, caller: Caller, conversationId: string): Promise<MlsGroupState> {
  const { memberIds } = await e2eeConversation(s, caller, conversationId);
  const group = await findGroup(s.db, conversationId);
  const roster = group ? parseRoster(group.roster) : { leaves: [] };
  return {
    conversationId: conversationId as MlsGroupState['conversationId'],
    epoch: group?.epoch ?? 0,
    leaves: roster.leaves.map((l) => ({ leafIndex: l.leafIndex, accountId: l.identity.accountId, deviceId: l.identity.deviceId as never })),
    devices: (await mlsDevicesOf(s.db, memberIds)).map((d) => {
      const certificate = certificateWire(d.certificate);
      return { accountId: d.account_id as never, deviceId: d.device_id as never, name: d.name, ...(certificate ? { certificate } : {}) };
    }),
  };
}

const senderOf = (caller: Caller): AccountPublic => ({ id: caller.accountId as AccountPublic['id'], handle: caller.handle, displayName: caller.displayName });

/**
 * Accepts a commit (and the welcome for the devices it adds) for the group's current epoch. The first
 * commit for an epoch wins: the epoch compare-and-increment and the sequence numbers of the commit and
 * its welcomes happen in one transaction; a later commit gets `mls.stale_epoch`.
 */
export async function submitCommit(s: Services, caller: Caller, conversationId: string, req: SubmitCommitRequest): Promise<{ accepted: CommitAccepted; created: boolean }> {
  const { conversation, memberIds } = await e2eeConversation(s, caller, conversationId);
  const existing = await findByClientId(s.db, conversationId, caller.deviceId, req.clientMessageId);
  if (existing) {
    const group = await findGroup(s.db, conversationId);
    return { accepted: { epoch: group?.epoch ?? 0, commit: view(s, existing, caller), welcomes: [] }, created: false };
  }
  const commitBytes = b64(req.commit);
  if (commitBytes.length > s.config.limits.messageBytes) throw new HavenError('message.too_large');
  const now = s.now();
  const info = ok(await inspectMessage(commitBytes, { now: now.getTime() }));
  if (info.kind !== 'public' || info.contentType !== 'commit' || !info.commit)
    throw new HavenError('mls.bad_message', 'Commits must be MLS PublicMessages carrying a commit.');
  if (Buffer.from(info.groupId).toString('utf8') !== conversationId) throw new HavenError('mls.bad_message', 'The commit is for another group.');
  const group = await findGroup(s.db, conversationId);
  const epoch = group?.epoch ?? 0;
  if (info.epoch !== epoch) throw new HavenError('mls.stale_epoch');
  const uploader = me(caller);
  // Epoch 0: the first commit creates the group on the server, with its sender as the creator in leaf 0.
  const roster = group ? parseRoster(group.roster) : rosterOfCreator(uploader);
  const next = ok(rosterAfterCommit(roster, uploader, info.senderLeafIndex, info.commit));
  // Authentication Service: the committer and every added device must be registered MLS devices of
  // current members, with their pinned signature keys.
  const directory = new Map((await mlsDevicesOf(s.db, memberIds)).map((d) => [d.device_id, d]));
  const self = directory.get(caller.deviceId);
  if (!self) throw new HavenError('mls.credential_mismatch', 'This device has not uploaded key packages yet.');
  if (info.commit.committer && !Buffer.from(info.commit.committer.signaturePublicKey).equals(Buffer.from(self.signature_key)))
    throw new HavenError('mls.credential_mismatch', "The commit is signed with a key this device never registered.");
  for (const add of info.commit.adds) {
    const d = directory.get(add.identity.deviceId);
    if (!d || d.account_id !== add.identity.accountId)
      throw new HavenError('mls.not_member', 'The commit adds a device that does not belong to a member of this conversation.');
    if (!Buffer.from(add.signaturePublicKey).equals(Buffer.from(d.signature_key)))
      throw new HavenError('mls.credential_mismatch', "An added device's key package is not signed with its registered key.");
  }
  // Removing a device is allowed only when its account left the conversation or the device is gone.
  for (const leafIndex of info.commit.removes) {
    const id = roster.leaves.find((l) => l.leafIndex === leafIndex)?.identity;
    if (id && directory.has(id.deviceId) && memberIds.includes(id.accountId))
      throw new HavenError('auth.forbidden', 'A device of a current member cannot be removed from the group.');
  }
  // The welcome must name exactly the key packages the commit adds; each added device gets its own copy.
  const addedRefs = info.commit.adds.map((a) => a.ref).sort();
  let welcome: Uint8Array | undefined;
  if (req.welcome) {
    welcome = b64(req.welcome);
    const w = ok(await inspectMessage(welcome, { now: now.getTime() }));
    if (w.kind !== 'welcome') throw new HavenError('mls.bad_message', 'The welcome is not an MLS Welcome.');
    if (JSON.stringify([...w.keyPackageRefs].sort()) !== JSON.stringify(addedRefs))
      throw new HavenError('mls.bad_message', 'The welcome must name exactly the devices the commit adds.');
    // The group id inside a Welcome is encrypted to the new devices (their clients check it); what the
    // server can see must agree with the commit: the suite of the key packages it adds.
    if (info.commit.adds.some((a) => a.suite !== w.suite)) throw new HavenError('mls.bad_message', 'The welcome uses another cipher suite than the key packages the commit adds.');
  } else if (addedRefs.length > 0) throw new HavenError('mls.bad_message', 'A commit that adds devices needs their welcome.');

  const rows = await inTransaction(s.db, async (tx) => {
    if (!(await advanceEpoch(tx, conversationId, epoch, JSON.stringify(next), now))) throw new HavenError('mls.stale_epoch');
    // A Welcome is delivered once: the same bytes again (here or in another conversation) are a replay.
    if (welcome && !(await recordWelcome(tx, createHash('sha256').update(welcome).digest(), conversationId)))
      throw new HavenError('mls.bad_message', 'This welcome was already delivered (a replay).');
    const out: MessageRow[] = [];
    const commitId = randomUUID();
    const c = await insertMessage(tx, {
      id: commitId,
      conversation_id: conversationId,
      sender_account_id: caller.accountId,
      sender_device_id: caller.deviceId,
      client_message_id: req.clientMessageId,
      content_type: MLS_CONTENT_TYPES.commit,
      body: s.sealer.seal(commitBytes, commitId, conversationId),
      sent_at: now,
    });
    out.push(c.row);
    for (const [i, add] of info.commit!.adds.entries()) {
      const id = randomUUID();
      const w = await insertMessage(tx, {
        id,
        conversation_id: conversationId,
        sender_account_id: caller.accountId,
        sender_device_id: caller.deviceId,
        client_message_id: `${req.clientMessageId}-w${i}`,
        content_type: MLS_CONTENT_TYPES.welcome,
        body: s.sealer.seal(welcome!, id, conversationId),
        sent_at: now,
        recipient_device_id: add.identity.deviceId,
      });
      out.push(w.row);
    }
    return out;
  });
  const [commit, ...welcomes] = rows.map((r) => view(s, r, caller));
  for (const m of [commit!, ...welcomes]) await s.fanout.publish(memberIds, { type: 'message', message: m });
  void conversation;
  return { accepted: { epoch: epoch + 1, commit: commit!, welcomes }, created: true };
}

function view(s: Services, row: MessageRow, caller: Caller) {
  return messageView(row, senderOf(caller), s.sealer.open(row.body, row.id, row.conversation_id));
}

/**
 * The send path of an `e2ee` conversation: only MLS application messages (PrivateMessages) at the
 * group's current epoch, from a device in its roster, carrying a franking commitment in their
 * authenticated data. The group row is locked for the insert, so no commit can slip in between.
 * The server tags the commitment and stores the tag with the message. Returns the message to store and the
 * check to run under the group's lock (`hotPath(db).insert(message, check)`), so a caller can choose when
 * it enters the store (a connection keeps its sends in order).
 */
export async function prepareMlsApplication(
  s: Services,
  caller: Caller,
  conversation: ConversationRow,
  msg: { id: string; clientMessageId: string; contentType: string; body: Uint8Array; sentAt: Date },
): Promise<Required<CheckedMessage>> {
  // The content type was checked by the caller (`messageContentTypeAllowed`, services/messages.ts).
  // A resend (same client message id) is recognised in the batch, which then returns the stored message.
  const info = ok(await inspectMessage(msg.body, { now: msg.sentAt.getTime() }));
  if (info.kind !== 'private' || info.contentType !== 'application')
    throw new HavenError('mls.bad_message', 'Only MLS application messages (PrivateMessage) are sent here; commits go to the commits route.');
  if (Buffer.from(info.groupId).toString('utf8') !== conversation.id) throw new HavenError('mls.bad_message', 'The message is for another group.');
  const commitment = parseFrankingAad(info.authenticatedData);
  if (!commitment || commitment.length !== COMMITMENT_BYTES)
    throw new HavenError('mls.bad_message', 'The message carries no franking commitment in its authenticated data.');
  const tag = createServerTag(s.franking, commitment, {
    senderAccountId: caller.accountId,
    senderDeviceId: caller.deviceId,
    conversationId: conversation.id,
    timestamp: msg.sentAt.getTime(),
  });
  const digest = createHash('sha256').update(msg.body).digest();
  // Group commit (storage/hot-path): the group's epoch, roster and replays are checked under its row lock,
  // in the same transaction as the insert, together with other senders' messages.
  return {
    message: {
      id: msg.id,
      conversation_id: conversation.id,
      sender_account_id: caller.accountId,
      sender_device_id: caller.deviceId,
      client_message_id: msg.clientMessageId,
      content_type: msg.contentType,
      body: s.sealer.seal(msg.body, msg.id, conversation.id),
      sent_at: msg.sentAt,
      franking_key_id: tag.keyId,
      franking_tag: tag.tag,
      mls_digest: digest,
    },
    check: ({ group, replayed }) => {
      if (!group) return new HavenError('mls.not_member', 'The group of this conversation has not been set up yet.');
      if (info.epoch !== group.epoch) return new HavenError('mls.stale_epoch', 'The message is not for the group’s current epoch; process the latest commits and send again.');
      if (leavesOfDevice(parseRoster(group.roster), me(caller)).length === 0) return new HavenError('mls.not_member');
      // Replay: the same MLS ciphertext again (under another client message id).
      if (replayed) return new HavenError('mls.bad_message', 'This message was already delivered (a replay).');
      return undefined;
    },
  };
}
