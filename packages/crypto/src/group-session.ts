import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroup,
  processMessage,
  type ClientState,
  type MLSMessage,
  type PrivateMessage,
  type Proposal,
} from 'ts-mls';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import { constantTimeEqual, toHex } from './bytes';
import type { DeviceKeys } from './device-keys';
import { fail, succeed, type CryptoResult } from './errors';
import { credentialFor, identityOfCredential, sameIdentity, type DeviceIdentity } from './identity';
import { decodeMessage, parseKeyPackage } from './inspect';
import { decodeKeyPackageSecret, havenCapabilities } from './key-packages';
import { defaultRng, type Rng } from './rng';
import { decodeSessionState, encodeSessionState } from './session-codec';
import {
  classify,
  clientConfigFor,
  diffMembers,
  membersOf,
  validateHavenCredential,
  type CommitEvent,
  type GroupEvent,
  type Member,
  type PendingCommit,
  type SessionOptions,
} from './group-types';

import { isSuiteName, suiteImpl, type SuiteName } from './suites';
import type { AccountId } from '@haven/protocol';

export type { CommitEvent, GroupEvent, Member, PendingCommit, SessionOptions } from './group-types';

const toEpoch = (e: bigint): number => Number(e);

/**
 * One device's view of one MLS group. Operations are serialised: each awaits the previous one.
 *
 * State changes only on success: a failed `process` leaves the session exactly as it was. Commits this
 * device makes are held as pending until `mergePendingCommit` (the server accepted it) or
 * `discardPendingCommit` (the server answered `mls.stale_epoch`: process the winning commit, then retry).
 * Persist `export()` after every successful call, and before sending what `encrypt` returned.
 *
 * @example
 * const alice = await GroupSession.create(aliceDevice, conversationGroupId(conversationId));
 * const pending = await alice.addMembers([bobKeyPackage], { now: Date.now() });
 * // send pending.value.commit + welcome to the server; when it accepts:
 * await alice.mergePendingCommit();
 */
export class GroupSession {
  #state: ClientState;
  #pending: { state: ClientState; commit: Uint8Array; welcome: Uint8Array | undefined } | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #rng: Rng;
  readonly #opts: SessionOptions;

  private constructor(
    readonly suite: SuiteName,
    state: ClientState,
    opts: SessionOptions,
    pending?: { state: ClientState; commit: Uint8Array; welcome: Uint8Array | undefined },
  ) {
    this.#state = state;
    this.#pending = pending;
    this.#opts = opts;
    this.#rng = opts.rng ?? defaultRng;
  }

  /** Creates a group with this device as its only member (leaf 0, epoch 0). */
  static async create(device: DeviceKeys, groupId: Uint8Array, opts: SessionOptions = {}): Promise<GroupSession> {
    const cs = await suiteImpl(device.suite, opts.rng);
    const kp = await generateKeyPackageWithKey(
      credentialFor(device.identity, device.certificate),
      havenCapabilities(),
      { notBefore: 0n, notAfter: 0xffffffffffffffffn },
      [],
      { signKey: device.signaturePrivateKey, publicKey: device.signaturePublicKey },
      cs,
    );
    const state = await createGroup(groupId, kp.publicPackage, kp.privatePackage, [], cs, clientConfigFor(opts));
    return new GroupSession(device.suite, state, opts);
  }

  /**
   * Joins from a Welcome, using whichever of this device's key packages it names (`lookup` by ref hex
   * returns the `secret` of `generateKeyPackages`). Delete that key package afterwards unless `lastResort`.
   */
  static async join(
    welcome: Uint8Array,
    lookup: (ref: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>,
    opts: SessionOptions = {},
  ): Promise<CryptoResult<{ session: GroupSession; keyPackageRef: string; lastResort: boolean }>> {
    const m = decodeMessage(welcome);
    if (!m.ok) return m;
    if (m.value.wireformat !== 'mls_welcome') return fail('mls.bad_message', 'The MLS message is not a welcome.');
    const w = m.value.welcome;
    for (const s of w.secrets) {
      const ref = toHex(s.newMember);
      const bytes = await lookup(ref);
      if (!bytes) continue;
      const secret = decodeKeyPackageSecret(bytes);
      if (!secret) return fail('mls.no_key_package', 'The stored key package for this welcome is unreadable.');
      const suite = secret.publicPackage.cipherSuite;
      if (!isSuiteName(suite)) return fail('mls.suite_not_allowed', 'The key package uses an unsupported suite.');
      if (w.cipherSuite !== suite) return fail('mls.bad_message', 'The welcome uses another suite than the key package.');
      try {
        const cs = await suiteImpl(suite, opts.rng);
        const state = await joinGroup(
          w,
          secret.publicPackage,
          secret.privatePackage,
          emptyPskIndex,
          cs,
          undefined,
          undefined,
          clientConfigFor(opts),
        );
        return succeed({ session: new GroupSession(suite, state, opts), keyPackageRef: ref, lastResort: secret.lastResort });
      } catch (e) {
        const c = classify(e);
        return fail('mls.bad_message', `The welcome could not be processed: ${c.message}`);
      }
    }
    return fail('mls.no_key_package', 'The welcome names none of this device’s key packages.');
  }

  /** Restores a session from `export()` bytes. */
  static async import(bytes: Uint8Array, opts: SessionOptions = {}): Promise<CryptoResult<GroupSession>> {
    const config = clientConfigFor(opts);
    const d = decodeSessionState(bytes, config);
    if (!d) return fail('mls.bad_message', 'The stored group state is unreadable.');
    return succeed(new GroupSession(d.suite, d.state, opts, d.pending));
  }

  /** Serialises the whole session (secrets included: store it as a secret), pending commit too. */
  export(): Uint8Array {
    return encodeSessionState(this.suite, this.#state, this.#pending);
  }

  get epoch(): number {
    return toEpoch(this.#state.groupContext.epoch);
  }

  get groupId(): Uint8Array {
    return this.#state.groupContext.groupId;
  }

  get ownLeafIndex(): number {
    return this.#state.privatePath.leafIndex;
  }

  /** False once this device has been removed from the group. */
  get active(): boolean {
    return this.#state.groupActiveState.kind === 'active';
  }

  get hasPendingCommit(): boolean {
    return this.#pending !== undefined;
  }

  members(): Member[] {
    return membersOf(this.#state);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #requireCanCommit(): CryptoResult<void> {
    if (!this.active) return fail('mls.not_member', 'This device is no longer a member of the group.');
    if (this.#pending) throw new Error('a commit is already pending: merge or discard it first');
    return succeed(undefined);
  }

  async #commit(proposals: Proposal[]): Promise<CryptoResult<PendingCommit>> {
    const cs = await suiteImpl(this.suite, this.#rng);
    const before = membersOf(this.#state);
    let r: Awaited<ReturnType<typeof createCommit>>;
    try {
      r = await createCommit(
        { state: this.#state, cipherSuite: cs },
        { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true },
      );
    } catch (e) {
      return fail('mls.bad_message', `The commit could not be made: ${classify(e).message}`);
    }
    const commit = encodeMlsMessage(r.commit);
    const welcome = r.welcome
      ? encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: r.welcome } as MLSMessage)
      : undefined;
    this.#pending = { state: r.newState, commit, welcome };
    return succeed({ commit, welcome, epoch: this.epoch, ...diffMembers(before, membersOf(r.newState)) });
  }

  /**
   * Makes a commit adding devices by their key packages (as downloaded from the server). Each key package
   * is checked (signatures, lifetime at `now`, same suite, not already a member).
   */
  addMembers(keyPackages: Uint8Array[], opts: { now: number }): Promise<CryptoResult<PendingCommit>> {
    return this.#serial(async () => {
      const can = this.#requireCanCommit();
      if (!can.ok) return can;
      if (keyPackages.length === 0) return fail('request.invalid', 'Name at least one key package to add.');
      const proposals: Proposal[] = [];
      const current = this.members();
      const adding: Member[] = [];
      for (const bytes of keyPackages) {
        const info = await parseKeyPackage(bytes, { now: opts.now, allowedSuites: [this.suite] });
        if (!info.ok) return info;
        if ([...current, ...adding].some((m) => sameIdentity(m.identity, info.value.identity)))
          return fail('conversation.already_member', 'That device is already a member of the group.');
        const d = decodeMessage(bytes);
        if (!d.ok || d.value.wireformat !== 'mls_key_package') return fail('mls.bad_key_package', 'Not a key package.');
        const leaf = d.value.keyPackage.leafNode;
        const { verifyMember: _checkedBelow, ...credentialOpts } = this.#opts;
        if (!(await validateHavenCredential(leaf.credential, leaf.signaturePublicKey, credentialOpts)))
          return fail('device.not_linked', 'That device is not linked: its credential carries no valid certificate from a trusted account key.');
        if (this.#opts.verifyMember && !(await this.#opts.verifyMember(info.value.identity, info.value.signaturePublicKey)))
          return fail('mls.credential_mismatch', 'That device’s credential or signing key is not the one on record.');
        proposals.push({ proposalType: 'add', add: { keyPackage: d.value.keyPackage } });
        adding.push({ leafIndex: -1, identity: info.value.identity });
      }
      return this.#commit(proposals);
    });
  }

  /** Makes a commit removing devices: every device of each account in `accounts`, and each of `devices`. */
  removeMembers(targets: { accounts?: AccountId[]; devices?: DeviceIdentity[] }): Promise<CryptoResult<PendingCommit>> {
    return this.#serial(async () => {
      const can = this.#requireCanCommit();
      if (!can.ok) return can;
      const leaves = this.members().filter(
        (m) =>
          (targets.accounts ?? []).includes(m.identity.accountId) ||
          (targets.devices ?? []).some((d) => sameIdentity(d, m.identity)),
      );
      if (leaves.length === 0) return fail('mls.not_member', 'None of those devices is a member of the group.');
      if (leaves.some((m) => m.leafIndex === this.ownLeafIndex))
        return fail('request.invalid', 'A device cannot remove itself; another member removes it.');
      return this.#commit(leaves.map((m) => ({ proposalType: 'remove', remove: { removed: m.leafIndex } })));
    });
  }

  /** Makes an empty commit that refreshes this device's keys (post-compromise security). */
  updateKeys(): Promise<CryptoResult<PendingCommit>> {
    return this.#serial(async () => {
      const can = this.#requireCanCommit();
      if (!can.ok) return can;
      return this.#commit([]);
    });
  }

  /** The server accepted the pending commit: move to the new epoch. */
  mergePendingCommit(): Promise<CryptoResult<CommitEvent>> {
    return this.#serial(async () => this.#merge());
  }

  #merge(): CryptoResult<CommitEvent> {
    const p = this.#pending;
    if (!p) return fail('request.invalid', 'There is no pending commit.');
    const before = membersOf(this.#state);
    // Application messages read while the commit was pending advanced the old epoch's ratchets; keep
    // that in the history so they cannot be replayed after the merge.
    const oldEpoch = this.#state.groupContext.epoch;
    const hist = p.state.historicalReceiverData.get(oldEpoch);
    const history = new Map(p.state.historicalReceiverData);
    if (hist) history.set(oldEpoch, { ...hist, secretTree: this.#state.secretTree });
    this.#state = { ...p.state, historicalReceiverData: history };
    this.#pending = undefined;
    const own = before.find((m) => m.leafIndex === this.ownLeafIndex);
    return succeed({
      kind: 'commit',
      epoch: this.epoch,
      sender: own,
      ...diffMembers(before, membersOf(this.#state)),
      removedSelf: false,
    });
  }

  /** The server refused the pending commit (`mls.stale_epoch`): forget it; process the winner and retry. */
  discardPendingCommit(): void {
    this.#pending = undefined;
  }

  /**
   * Encrypts application data for the group, with `authenticatedData` (sent in clear, authenticated).
   * The session advances even if the message is never sent: persist it first.
   */
  encrypt(data: Uint8Array, authenticatedData: Uint8Array = new Uint8Array()): Promise<CryptoResult<Uint8Array>> {
    return this.#serial(async () => {
      if (!this.active) return fail('mls.not_member', 'This device is no longer a member of the group.');
      const cs = await suiteImpl(this.suite, this.#rng);
      try {
        const r = await createApplicationMessage(this.#state, data, cs, authenticatedData);
        this.#state = r.newState;
        return succeed(
          encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: r.privateMessage }),
        );
      } catch (e) {
        return fail('mls.bad_message', `The message could not be encrypted: ${classify(e).message}`);
      }
    });
  }

  /**
   * Processes an incoming commit or application message (as ordered by the server). On failure the
   * session is unchanged. A commit that is this device's own pending commit merges it; any other commit
   * for the current epoch discards the pending one (it lost the race).
   */
  process(bytes: Uint8Array): Promise<CryptoResult<GroupEvent>> {
    return this.#serial(async () => this.#process(bytes));
  }

  async #process(bytes: Uint8Array): Promise<CryptoResult<GroupEvent>> {
    const m = decodeMessage(bytes);
    if (!m.ok) return m;
    const msg = m.value;
    if (msg.wireformat !== 'mls_private_message' && msg.wireformat !== 'mls_public_message')
      return fail('mls.bad_message', `A ${msg.wireformat} is not a group message.`);
    const framing =
      msg.wireformat === 'mls_private_message'
        ? { groupId: msg.privateMessage.groupId, epoch: msg.privateMessage.epoch, contentType: msg.privateMessage.contentType }
        : { groupId: msg.publicMessage.content.groupId, epoch: msg.publicMessage.content.epoch, contentType: msg.publicMessage.content.contentType };
    if (!constantTimeEqual(framing.groupId, this.groupId)) return fail('mls.bad_message', 'The message is for another group.');
    const current = this.#state.groupContext.epoch;
    if (framing.contentType === 'proposal') return fail('mls.bad_message', 'Standalone proposals are not accepted.');
    if (framing.epoch > current)
      return fail('mls.bad_message', 'The message is from a later epoch: process the commits before it first.');
    if (framing.contentType === 'commit') {
      if (framing.epoch < current) return fail('mls.stale_epoch', 'The commit is for an epoch this group has left.');
      if (this.#pending && constantTimeEqual(bytes, this.#pending.commit)) return this.#merge();
      if (!this.active) return fail('mls.not_member', 'This device is no longer a member of the group.');
    }
    if (
      framing.contentType === 'application' &&
      framing.epoch < current &&
      (this.#opts.pastEpochs === 0 || !this.#state.historicalReceiverData.has(framing.epoch))
    )
      return fail('mls.stale_epoch', 'The message is from an epoch whose keys are gone.');

    // Sender data is encrypted under the epoch's sender-data secret: only a member of that epoch can
    // produce it, so failing here means the sender is not a member (or the header was altered).
    const privateSender = msg.wireformat === 'mls_private_message' ? await this.#privateSender(msg.privateMessage) : undefined;
    if (msg.wireformat === 'mls_private_message' && !privateSender)
      return fail('mls.not_member', 'The message cannot be authenticated as coming from a member of this epoch.');

    const before = membersOf(this.#state);
    const cs = await suiteImpl(this.suite, this.#rng);
    let r: Awaited<ReturnType<typeof processMessage>>;
    try {
      r = await processMessage(msg, this.#state, emptyPskIndex, acceptAll, cs);
    } catch (e) {
      const c = classify(e);
      return fail(c.code, c.message);
    }
    if (r.kind === 'applicationMessage') {
      if (msg.wireformat !== 'mls_private_message')
        return fail('mls.bad_message', 'Application data must be encrypted.');
      const sender = privateSender;
      if (!sender) return fail('mls.not_member', 'The sender is not a member of this group.');
      this.#state = r.newState;
      return succeed({
        kind: 'application',
        data: r.message,
        authenticatedData: msg.privateMessage.authenticatedData,
        sender,
        epoch: toEpoch(msg.privateMessage.epoch),
      });
    }
    if (r.actionTaken !== 'accept') return fail('mls.bad_message', 'The commit was rejected.');
    const after = membersOf(r.newState);
    const senderLeaf =
      msg.wireformat === 'mls_public_message'
        ? msg.publicMessage.content.sender.senderType === 'member'
          ? msg.publicMessage.content.sender.leafIndex
          : undefined
        : privateSender?.leafIndex;
    this.#state = r.newState;
    this.#pending = undefined;
    return succeed({
      kind: 'commit',
      epoch: this.epoch,
      sender: before.find((x) => x.leafIndex === senderLeaf),
      ...diffMembers(before, after),
      removedSelf: r.newState.groupActiveState.kind === 'removedFromGroup',
    });
  }

  // ts-mls does not return the sender of a private message: read it from the sender data (ts-mls then
  // decrypts it again, and authenticates the content with that leaf's signature key).
  async #privateSender(pm: PrivateMessage): Promise<Member | undefined> {
    const epoch = pm.epoch;
    const isCurrent = epoch === this.#state.groupContext.epoch;
    const hist = this.#state.historicalReceiverData.get(epoch);
    const secret = isCurrent ? this.#state.keySchedule.senderDataSecret : hist?.senderDataSecret;
    const tree = isCurrent ? this.#state.ratchetTree : hist?.ratchetTree;
    if (!secret || !tree) return undefined;
    const cs = await suiteImpl(this.suite, this.#rng);
    const sd = await decryptSenderData(pm, secret, cs).catch(() => undefined);
    const node = sd ? tree[sd.leafIndex * 2] : undefined;
    if (!sd || node?.nodeType !== 'leaf') return undefined;
    const identity = identityOfCredential(node.leaf.credential);
    return identity ? membersOf(isCurrent ? this.#state : { ...this.#state, ratchetTree: tree }).find((m) => m.leafIndex === sd.leafIndex) : undefined;
  }
}
