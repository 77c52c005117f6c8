// Plain types and helpers of GroupSession (kept apart so group-session.ts stays about behaviour).
import type { ClientConfig, ClientState, Credential } from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { verifyCertificate, type DeviceCertificate } from './device-certificate';
import { certificateOfCredential, identityOfCredential, type DeviceIdentity } from './identity';
import type { Rng } from './rng';

/** A leaf of the group: one device. */
export interface Member {
  leafIndex: number;
  identity: DeviceIdentity;
  /** The leaf's MLS signature public key (absent for members only announced, not yet in the tree). */
  signatureKey?: Uint8Array;
  /** The device certificate its credential carries (verified whenever the leaf entered the tree). */
  certificate?: DeviceCertificate;
}

/** What processing an incoming message produced. */
export type GroupEvent =
  | {
      kind: 'application';
      /** The decrypted application data (a Haven sealed payload, see `openPayload`). */
      data: Uint8Array;
      /** The sender-chosen MLS authenticated_data (Haven: the franking commitment, see `franking.ts`). */
      authenticatedData: Uint8Array;
      sender: Member;
      epoch: number;
    }
  | CommitEvent;

export interface CommitEvent {
  kind: 'commit';
  /** The epoch the group is in now. */
  epoch: number;
  sender: Member | undefined;
  added: Member[];
  removed: Member[];
  /** This device was removed: the session can no longer send or read new messages. */
  removedSelf: boolean;
}

/** A commit this device made and has not yet seen accepted: send `commit` (and `welcome`) to the server. */
export interface PendingCommit {
  /** MLSMessage (PublicMessage, so the Delivery Service can order and check it). */
  commit: Uint8Array;
  /** MLSMessage welcome for the added devices, when the commit adds any. */
  welcome: Uint8Array | undefined;
  /** The epoch the commit was made in (the server accepts it only while the group is there). */
  epoch: number;
  added: Member[];
  removed: Member[];
}

export interface SessionOptions {
  rng?: Rng;
  /**
   * Extra check of a member's credential and signature key (for example against the server's device
   * directory). The default accepts any well-formed Haven device credential.
   */
  verifyMember?: (identity: DeviceIdentity, signaturePublicKey: Uint8Array) => boolean | Promise<boolean>;
  /**
   * Refuse credentials without a valid device certificate (the account key's signature over the device's
   * ids and signature key). Default true: every leaf of a group must belong to a linked device.
   */
  requireCertificate?: boolean;
  /**
   * Is this the account key we trust for the account (pinning)? Called after the certificate verified.
   * Default: any key (pinning is then the caller's job).
   */
  trustAccountKey?: (accountId: DeviceIdentity['accountId'], accountKey: Uint8Array) => boolean | Promise<boolean>;
  /**
   * How many past epochs' receiving keys to keep, so application messages sent just before a commit
   * still decrypt after it (default 4, ts-mls's default). 0 = only the current epoch: stricter (a removed
   * member's old keys are useless at once), but a message that crosses a commit in flight is lost.
   */
  pastEpochs?: number;
}

export function clientConfigFor(opts: SessionOptions): ClientConfig {
  return {
    ...defaultClientConfig,
    keyRetentionConfig: {
      ...defaultClientConfig.keyRetentionConfig,
      // ts-mls keeps every epoch when asked for 0 (`slice(-0)`); 0 is enforced in GroupSession.process.
      retainKeysForEpochs: Math.max(1, opts.pastEpochs ?? defaultClientConfig.keyRetentionConfig.retainKeysForEpochs),
    },
    authService: {
      // RFC 9420 §5.3.1: ts-mls asks this for every credential it must validate (key packages of adds,
      // leaf nodes of update paths, every leaf of a Welcome's ratchet tree, GroupInfo signers).
      async validateCredential(c: Credential, key: Uint8Array): Promise<boolean> {
        return validateHavenCredential(c, key, opts);
      },
    },
  };
}

/** Haven's credential check: a Haven device identity, certified by its account key (unless not required), trusted. */
export async function validateHavenCredential(c: Credential, key: Uint8Array, opts: SessionOptions): Promise<boolean> {
  const id = identityOfCredential(c);
  if (!id) return false;
  const cert = certificateOfCredential(c);
  if (cert) {
    if (!verifyCertificate(cert, id, key)) return false;
    if (opts.trustAccountKey && !(await opts.trustAccountKey(id.accountId, cert.accountKey))) return false;
  } else if (opts.requireCertificate !== false) return false;
  return opts.verifyMember ? await opts.verifyMember(id, key) : true;
}

export function membersOf(state: ClientState): Member[] {
  const out: Member[] = [];
  state.ratchetTree.forEach((node, nodeIndex) => {
    if (node?.nodeType !== 'leaf') return;
    const identity = identityOfCredential(node.leaf.credential);
    const certificate = certificateOfCredential(node.leaf.credential);
    if (identity)
      out.push({ leafIndex: nodeIndex / 2, identity, signatureKey: node.leaf.signaturePublicKey, ...(certificate ? { certificate } : {}) });
  });
  return out;
}

export function diffMembers(before: Member[], after: Member[]): { added: Member[]; removed: Member[] } {
  const key = (m: Member) => `${m.leafIndex}/${m.identity.accountId}/${m.identity.deviceId}/${m.certificate ? m.certificate.created : '-'}`;
  const b = new Set(before.map(key));
  const a = new Set(after.map(key));
  return { added: after.filter((m) => !b.has(key(m))), removed: before.filter((m) => !a.has(key(m))) };
}

// ts-mls reports failures by throwing; these become typed results here, never with secret content.
export function classify(e: unknown): { code: 'mls.bad_message' | 'mls.not_member'; message: string } {
  const msg = e instanceof Error ? e.message : String(e);
  if (/gen in the past/i.test(msg)) return { code: 'mls.bad_message', message: 'This message was already processed (replay).' };
  if (/senderdata/i.test(msg))
    return { code: 'mls.not_member', message: 'The message cannot be authenticated as coming from a member of this epoch.' };
  if (/signature|confirmation tag|membership/i.test(msg))
    return { code: 'mls.bad_message', message: 'The message does not authenticate (altered or forged).' };
  if (/epoch too old|former epoch/i.test(msg))
    return { code: 'mls.bad_message', message: 'The message is from an epoch whose keys are gone.' };
  return { code: 'mls.bad_message', message: 'The MLS message could not be decrypted or applied.' };
}

