// What the server, as MLS Delivery and Authentication Service, can learn from MLS bytes without any
// group secret: key packages (suite, credential, lifetime, signatures), the public framing of messages
// (group, epoch, content type, authenticated data) and, for handshakes sent as PublicMessage, who commits
// and whom the commit adds and removes. Every input is untrusted; every failure is a typed error.
import { decodeMlsMessage, type KeyPackage, type MLSMessage } from 'ts-mls';
import { makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { verifyLeafNodeSignature, verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { constantTimeEqual, toHex } from './bytes';
import { fail, succeed, type CryptoResult } from './errors';
import { certificateOfCredential, identityOfCredential, sameIdentity, type DeviceIdentity } from './identity';
import type { DeviceCertificate } from './device-certificate';
import { LAST_RESORT_EXTENSION } from './key-packages';
import { SUITES, isSuiteName, suiteImpl, type SuiteName } from './suites';

// Leaf signatures only need the signature algorithm, which is Ed25519 in every Haven suite.
const SIGNATURE_SUITE: SuiteName = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

/** Largest MLS message the inspectors look at (a 1000-member X-Wing welcome is well under this). */
export const MAX_MLS_MESSAGE_BYTES = 8 * 1024 * 1024;

export interface KeyPackageInfo {
  suite: SuiteName;
  identity: DeviceIdentity;
  signaturePublicKey: Uint8Array;
  /** KeyPackageRef, lower-case hex: the id under which the server stores it and Welcomes name it. */
  ref: string;
  lastResort: boolean;
  /** Lifetime, seconds since the epoch. */
  notBefore: number;
  notAfter: number;
  /** The device certificate its credential carries, when it has one (not verified here). */
  certificate?: DeviceCertificate;
}

/** Decodes exactly one MLSMessage from untrusted bytes. */
export function decodeMessage(bytes: Uint8Array): CryptoResult<MLSMessage> {
  if (bytes.length > MAX_MLS_MESSAGE_BYTES) return fail('mls.bad_message', 'The MLS message is too large.');
  let d: ReturnType<typeof decodeMlsMessage>;
  try {
    d = decodeMlsMessage(bytes, 0);
  } catch {
    d = undefined;
  }
  if (!d || d[1] !== bytes.length) return fail('mls.bad_message', 'The bytes are not one well-formed MLS message.');
  if (d[0].version !== 'mls10') return fail('mls.bad_message', 'Only MLS 1.0 is supported.');
  return succeed(d[0]);
}

async function keyPackageInfo(kp: KeyPackage, now: number): Promise<CryptoResult<KeyPackageInfo>> {
  const suite = kp.cipherSuite;
  if (!isSuiteName(suite)) return fail('mls.suite_not_allowed', `Cipher suite ${String(suite)} is not supported.`);
  const identity = identityOfCredential(kp.leafNode.credential);
  if (!identity) return fail('mls.bad_key_package', 'The key package does not carry a Haven device credential.');
  const certificate = certificateOfCredential(kp.leafNode.credential);
  const cs = await suiteImpl(suite);
  const sigOk =
    (await verifyKeyPackage(kp, cs.signature).catch(() => false)) &&
    (await verifyLeafNodeSignatureKeyPackage(kp.leafNode, cs.signature).catch(() => false));
  if (!sigOk) return fail('mls.bad_key_package', 'The key package signature does not verify.');
  if (constantTimeEqual(kp.initKey, kp.leafNode.hpkePublicKey))
    return fail('mls.bad_key_package', 'The key package reuses its leaf key as init key.');
  const nowS = BigInt(Math.floor(now / 1000));
  const { notBefore, notAfter } = kp.leafNode.lifetime;
  if (notBefore > nowS || notAfter < nowS) return fail('mls.bad_key_package', 'The key package is expired or not yet valid.');
  return succeed({
    suite,
    identity,
    signaturePublicKey: kp.leafNode.signaturePublicKey,
    ref: toHex(await makeKeyPackageRef(kp, cs.hash)),
    lastResort: kp.extensions.some((e) => e.extensionType === LAST_RESORT_EXTENSION),
    notBefore: Number(notBefore),
    notAfter: Number(notAfter > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : notAfter),
    ...(certificate ? { certificate } : {}),
  });
}

export interface ParseKeyPackageOptions {
  /** Milliseconds since the epoch, to check the lifetime. */
  now: number;
  /** Suites this server accepts (default: all Haven suites). */
  allowedSuites?: readonly SuiteName[];
  /** The uploader: the credential must name exactly this device. */
  expect?: DeviceIdentity;
  /** The device's pinned signature key, when the server already knows it. */
  expectSignatureKey?: Uint8Array;
}

/**
 * Parses and checks an uploaded key package (MLSMessage, wire format `mls_key_package`): signatures,
 * lifetime, suite allowed, credential is a Haven device identity (and the uploader's, with `expect`).
 * @example const r = await parseKeyPackage(bytes, { now: Date.now(), expect: { accountId, deviceId } });
 */
export async function parseKeyPackage(bytes: Uint8Array, opts: ParseKeyPackageOptions): Promise<CryptoResult<KeyPackageInfo>> {
  const m = decodeMessage(bytes);
  if (!m.ok) return fail('mls.bad_key_package', 'The bytes are not an MLS key package.');
  if (m.value.wireformat !== 'mls_key_package') return fail('mls.bad_key_package', 'The MLS message is not a key package.');
  const info = await keyPackageInfo(m.value.keyPackage, opts.now);
  if (!info.ok) return info;
  if (!(opts.allowedSuites ?? Object.keys(SUITES)).includes(info.value.suite))
    return fail('mls.suite_not_allowed', `This server does not allow ${info.value.suite}.`);
  if (opts.expect && !sameIdentity(opts.expect, info.value.identity))
    return fail('mls.credential_mismatch', 'The key package credential names another account or device.');
  if (opts.expectSignatureKey && !constantTimeEqual(opts.expectSignatureKey, info.value.signaturePublicKey))
    return fail('mls.credential_mismatch', 'The key package is signed with a key this device never registered.');
  return info;
}

export type ContentType = 'application' | 'proposal' | 'commit';

/** A change a public commit makes, visible to the server. */
export interface CommitInfo {
  /** Committer from the commit's UpdatePath leaf node, when it has one (its signature checked). */
  committer?: { identity: DeviceIdentity; signaturePublicKey: Uint8Array };
  /** Added devices, with each key package checked as `parseKeyPackage` does (without `expect`). */
  adds: KeyPackageInfo[];
  /** Leaf indexes removed. */
  removes: number[];
  /** Proposal types other than add/remove, by name (Haven clients send none; the server may refuse). */
  others: string[];
}

export type MessageInfo =
  | {
      kind: 'private';
      groupId: Uint8Array;
      epoch: number;
      contentType: ContentType;
      authenticatedData: Uint8Array;
    }
  | {
      kind: 'public';
      groupId: Uint8Array;
      epoch: number;
      contentType: ContentType;
      authenticatedData: Uint8Array;
      /** Leaf index of a member sender; `undefined` for external or new-member senders. */
      senderLeafIndex: number | undefined;
      commit?: CommitInfo;
    }
  | { kind: 'welcome'; suite: SuiteName; keyPackageRefs: string[] };

function epochNumber(e: bigint): number | undefined {
  return e >= 0n && e <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(e) : undefined;
}

/**
 * Reads what the Delivery Service may see of an MLS message. For handshake ordering: the server keeps
 * the group's epoch and accepts a commit only when `epoch` equals it (then increments), answering
 * `mls.stale_epoch` otherwise; application messages are accepted only at the current epoch too.
 * @example const r = await inspectMessage(bytes, { now: Date.now() }); if (r.ok && r.value.kind === 'public') …
 */
export async function inspectMessage(bytes: Uint8Array, opts: { now: number }): Promise<CryptoResult<MessageInfo>> {
  const m = decodeMessage(bytes);
  if (!m.ok) return m;
  const msg = m.value;
  switch (msg.wireformat) {
    case 'mls_private_message': {
      const pm = msg.privateMessage;
      const epoch = epochNumber(pm.epoch);
      if (epoch === undefined) return fail('mls.bad_message', 'The epoch is out of range.');
      return succeed({
        kind: 'private',
        groupId: pm.groupId,
        epoch,
        contentType: pm.contentType,
        authenticatedData: pm.authenticatedData,
      });
    }
    case 'mls_public_message': {
      const { content } = msg.publicMessage;
      const epoch = epochNumber(content.epoch);
      if (epoch === undefined) return fail('mls.bad_message', 'The epoch is out of range.');
      const senderLeafIndex = content.sender.senderType === 'member' ? content.sender.leafIndex : undefined;
      const base = {
        kind: 'public' as const,
        groupId: content.groupId,
        epoch,
        contentType: content.contentType,
        authenticatedData: content.authenticatedData,
        senderLeafIndex,
      };
      if (content.contentType !== 'commit') return succeed(base);
      const commit = content.commit;
      const info: CommitInfo = { adds: [], removes: [], others: [] };
      for (const p of commit.proposals) {
        if (p.proposalOrRefType !== 'proposal') {
          info.others.push('reference');
          continue;
        }
        const prop = p.proposal;
        if (prop.proposalType === 'add') {
          const kp = await keyPackageInfo(prop.add.keyPackage, opts.now);
          if (!kp.ok) return fail(kp.error.code, `An added member's key package is not valid: ${kp.error.message}`);
          info.adds.push(kp.value);
        } else if (prop.proposalType === 'remove') info.removes.push(prop.remove.removed);
        else info.others.push(String(prop.proposalType));
      }
      if (commit.path) {
        const leaf = commit.path.leafNode;
        const identity = identityOfCredential(leaf.credential);
        if (!identity || senderLeafIndex === undefined)
          return fail('mls.bad_message', 'The commit does not carry a Haven device credential.');
        const cs = await suiteImpl(SIGNATURE_SUITE);
        const ok = await verifyLeafNodeSignature(leaf, content.groupId, senderLeafIndex, cs.signature).catch(() => false);
        if (!ok) return fail('mls.bad_message', "The committer's leaf signature does not verify.");
        info.committer = { identity, signaturePublicKey: leaf.signaturePublicKey };
      }
      return succeed({ ...base, commit: info });
    }
    case 'mls_welcome': {
      const w = msg.welcome;
      if (!isSuiteName(w.cipherSuite)) return fail('mls.suite_not_allowed', 'The welcome uses an unsupported suite.');
      return succeed({ kind: 'welcome', suite: w.cipherSuite, keyPackageRefs: w.secrets.map((s) => toHex(s.newMember)) });
    }
    case 'mls_key_package':
    case 'mls_group_info':
      return fail('mls.bad_message', `A ${msg.wireformat} is not accepted here.`);
  }
}

