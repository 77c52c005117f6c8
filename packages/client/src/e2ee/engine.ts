import type { Connection } from '../connection';
import {
  E2eeDevice,
  decodeCertificate,
  encryptPayload,
  generateAccountKeys,
  isSuiteName,
  keyFingerprint,
  openPayload,
  parseKeyPackage,
  safetyCode,
  verifyCertificate,
  answerLinkRequest,
  completeLink,
  formatLinkCode,
  linkIdOf,
  makeLinkRequest,
  newLinkSecret,
  parseLinkCode,
  type CommitEvent,
  type DeviceCertificate,
  type DeviceIdentity,
  type GroupSession,
  type Member,
  type PendingCommit,
  type StateStore,
  type SuiteName,
} from '@haven/crypto';
import {
  HavenError,
  MLS_CONTENT_TYPES,
  MessageRemovedData,
  REMOVED_CONTENT_TYPE,
  type Conversation,
  type DeviceLink,
  type Message,
  type MessagePayload,
  type MlsDevice,
  type MlsGroupState,
  type ReportAccepted,
  type ReportReason,
} from '@haven/protocol';
import { base64ToBytes, bytesToBase64 } from '../base64';
import type { Decoded } from '../codec';
import type { HavenClient } from '../http-client';
import { newClientMessageId } from '../ids';
import { decodeRecord, encodeRecord, toDecoded, type ReceivedRecord } from './received';
import { TrustStore, type DeviceNotice, type Pin } from './trust';

/** One leaf of a conversation's encryption group, as `conversationDevices` shows it. */
export interface ConversationDevice {
  leafIndex: number;
  accountId: string;
  handle: string;
  deviceId: string;
  deviceName: string;
  /** This device. */
  self: boolean;
  /** Fingerprint of the device's MLS signature key. */
  keyFingerprint: string;
  /** Fingerprint of the account key that certified it (undefined: uncertified, never added by Haven clients). */
  accountKeyFingerprint: string | undefined;
  /** Whether its certificate's account key is the one this device has pinned (or its own account's key). */
  trusted: boolean;
  addedAt: string | undefined;
  addedBy: string | undefined;
}

/** A contact's safety code with this account, and what this device knows of their key. */
export interface SafetyCodeInfo {
  accountId: string;
  handle: string;
  code: string;
  verified: boolean;
  /** Their key changed since it was verified: compare again. */
  changedWhileVerified: boolean;
  theirKeyFingerprint: string;
}

export interface E2eeEngineOptions {
  /** Suite for this device's keys; default: the server's preferred (first allowed) suite. */
  suite?: SuiteName;
  /** One-time key packages uploaded per top-up (default 30). */
  keyPackageBatch?: number;
  /** Top up when the server holds fewer than this many (default 10). */
  lowWater?: number;
  /** Clock, ms since the epoch (default Date.now). */
  now?: () => number;
}

const SEQ = 'seq.';
const RX = 'rx.';
const PAGE = 200;
const MAX_RETRIES = 6;

/**
 * One device's end-to-end encryption over Haven: its MLS keys and sessions (an {@link E2eeDevice} in a
 * {@link StateStore}), key package upload and top-up, and each e2ee conversation's stream processed
 * strictly in sequence order, exactly once. MLS application messages decrypt only once, so every result
 * is kept in the store (`rx.<messageId>`) and read from there afterwards (by `decode`, an inbox, a report).
 *
 * Before sending, the engine catches up on the conversation (commits, welcomes, and messages, kept for a
 * later inbox), then reconciles the group with the server's membership: it creates the group, adds every
 * missing device of every member (a new member, a member's new device) and removes departed ones.
 * A commit that loses the race for an epoch (`mls.stale_epoch`) is discarded; the engine processes the
 * winner and tries again. Once a group is caught up and reconciled, later sends skip both (no requests
 * before the message goes) until something may have changed it: see {@link E2eeEngine.invalidate}.
 *
 * @example
 * const engine = await E2eeEngine.open(client, await FileStateStore.open(dir), { accountId, deviceId });
 * await engine.ensureKeyPackages();
 * const messenger = new Messenger(client, { codecs: e2eeCodecs(engine) });
 */
export class E2eeEngine {
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #now: () => number;
  /**
   * Conversations whose group this device last found in step with the server (caught up and reconciled)
   * and has heard of no change to since: a send there encrypts at once, without the catch-up and
   * reconcile requests (three round trips before every message). Whatever may change a group takes it
   * out: a commit or welcome processed, a membership frame or device change (`reconcile`,
   * `devicesChanged`), a reconnect or a refused send (`invalidate`). The server still refuses a message
   * for an old epoch (`mls.stale_epoch`), and the sender then catches up and encrypts again.
   */
  readonly #inStep = new Set<string>();
  /** Counts invalidations: a catch-up that overlapped one does not mark its group in step. */
  #changes = 0;
  /** The live connection whose frames keep `#inStep` honest (`trackChanges`). */
  #live: { connection: Pick<Connection, 'on' | 'state'>; stop: () => void } | undefined;
  /** Pins, notices, names: what this device remembers about accounts and devices (issue 15). */
  readonly trust: TrustStore;

  private constructor(
    readonly client: HavenClient,
    readonly device: E2eeDevice,
    readonly store: StateStore,
    readonly opts: E2eeEngineOptions,
  ) {
    this.#now = opts.now ?? (() => Date.now());
    this.trust = new TrustStore(store);
  }

  /** Linked: this device holds a certificate from its account key (it may join and read e2ee conversations). */
  get linked(): boolean {
    return this.device.certificate !== undefined;
  }

  /**
   * Makes the account identity key on the account's first device (at registration) and certifies this
   * device with it. The server refuses a new key while another linked device of the account remains.
   */
  async createAccountKey(): Promise<void> {
    if (this.device.certificate) return;
    await this.device.adoptAccountKeys(generateAccountKeys(this.identity.accountId as never), this.#now());
  }

  #requireLinked(): void {
    if (!this.device.certificate) throw new HavenError('device.not_linked');
  }

  /** Opens the device's state (making its keys on first use, in the suite the server prefers). */
  static async open(client: HavenClient, store: StateStore, identity: DeviceIdentity, opts: E2eeEngineOptions = {}): Promise<E2eeEngine> {
    let suite = opts.suite;
    if (!suite && !(await store.get('device'))) {
      const preferred = (await client.keyPackageStatus()).allowedSuites[0];
      if (preferred && isSuiteName(preferred)) suite = preferred;
    }
    const device = await E2eeDevice.open(store, identity, suite ? { suite } : {});
    return new E2eeEngine(client, device, store, opts);
  }

  get identity(): DeviceIdentity {
    return this.device.identity;
  }

  /** Uploads key packages when the server holds few (or no last-resort one). Returns how many were uploaded. */
  async ensureKeyPackages(): Promise<number> {
    // A pending device (password login, not linked) has nothing to upload: no one may add it.
    if (!this.device.certificate) return 0;
    const status = await this.client.keyPackageStatus();
    const low = this.opts.lowWater ?? 10;
    if (status.oneTime >= low && status.lastResort) return 0;
    const count = status.oneTime >= low ? 0 : (this.opts.keyPackageBatch ?? 30);
    const kps = await this.device.generateKeyPackages({ count, now: this.#now(), lastResort: !status.lastResort || count > 0 });
    for (let i = 0; i < kps.length; i += PAGE) {
      await this.client.uploadKeyPackages(kps.slice(i, i + PAGE).map((k) => bytesToBase64(k.keyPackage)));
    }
    return kps.length;
  }

  #serial<T>(conversationId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(conversationId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    this.#locks.set(conversationId, run.catch(() => undefined));
    return run;
  }

  /** Processes every message of the conversation not processed yet (in order, once). */
  sync(conversationId: string): Promise<void> {
    return this.#serial(conversationId, () => this.#sync(conversationId));
  }

  /** What a received message says: processed in order up to it first, then read from the store. */
  decode(conversation: Conversation, message: Message): Promise<Decoded> {
    return this.#serial(conversation.id, async () => {
      await this.#sync(conversation.id, message.seq, message);
      // Removed by a moderator since this device read it (the live event missed): drop the copy now.
      if (message.contentType === REMOVED_CONTENT_TYPE) {
        await this.#forget(message.id);
        return { kind: 'removed' };
      }
      const rec = await this.record(message.id);
      if (rec) return toDecoded(rec);
      if (message.contentType !== MLS_CONTENT_TYPES.message) return { kind: 'control' };
      if (message.senderDeviceId === this.identity.deviceId)
        return { kind: 'undecodable', code: 'e2ee.own_message', reason: 'sent from this device (MLS senders cannot decrypt their own messages)' };
      return { kind: 'undecodable', code: 'e2ee.not_processed', reason: 'this device has not processed the message' };
    });
  }

  /** The stored result of processing a message, if this device processed it. */
  async record(messageId: string): Promise<ReceivedRecord | undefined> {
    return decodeRecord(await this.store.get(RX + messageId));
  }

  /**
   * Encrypts `payload` with franking: the body to send. Catches up and reconciles the group first, unless
   * it is known to be in step (see `invalidate`).
   */
  encrypt(conversation: Conversation, payload: MessagePayload): Promise<Uint8Array> {
    return this.#serial(conversation.id, async () => {
      this.#requireLinked();
      const hearing = this.#live?.connection.state === 'ready' && this.#inStep.has(conversation.id);
      let s = hearing ? await this.#session(conversation.id) : undefined;
      if (!s?.active) s = await this.#catchUp(conversation.id);
      const r = await encryptPayload(s, payload);
      if (!r.ok) throw new HavenError(r.error.code, r.error.message);
      // The sending ratchet moved: persist before the bytes leave.
      await this.device.save(conversation.id, s);
      return r.value.message;
    });
  }

  /** Catches up and reconciles; the group is then in step until something says otherwise. */
  async #catchUp(conversationId: string): Promise<GroupSession> {
    this.#inStep.delete(conversationId);
    const before = this.#changes;
    await this.#sync(conversationId);
    const s = await this.#reconcile(conversationId);
    if (this.#live?.connection.state === 'ready' && this.#changes === before) this.#inStep.add(conversationId);
    return s;
  }

  /**
   * Forgets that a conversation's group (or every group) is in step, so that the next send catches up
   * and reconciles first: after a reconnect (frames may have been missed), or when the server refused
   * a message as stale (`mls.stale_epoch`).
   */
  invalidate(conversationId?: string): void {
    this.#changes++;
    if (conversationId === undefined) this.#inStep.clear();
    else this.#inStep.delete(conversationId);
  }

  /** Brings the MLS group in line with the server's membership (create, add, remove); after a membership change. */
  reconcile(conversation: Conversation | string): Promise<void> {
    const id = typeof conversation === 'string' ? conversation : conversation.id;
    return this.#serial(id, async () => {
      this.#requireLinked();
      await this.#catchUp(id);
    });
  }

  /**
   * Reconciles the group only when the server's roster and membership disagree (a member joined, by
   * invite or by being added, or got a new device; a device is gone) and this device is in the group.
   * One request when nothing is to be done. Returns whether it reconciled.
   */
  async reconcileIfNeeded(conversationId: string): Promise<boolean> {
    if (!(await this.#session(conversationId))?.active) return false;
    const state = await this.client.mlsGroup(conversationId);
    const inRoster = new Set(state.leaves.map((l) => l.deviceId as string));
    const wanted = new Set(state.devices.map((d) => d.deviceId as string));
    if (state.devices.every((d) => inRoster.has(d.deviceId)) && state.leaves.every((l) => wanted.has(l.deviceId))) return false;
    await this.reconcile(conversationId);
    return true;
  }

  /**
   * Keeps this device's groups in step with membership while `connection` is open: when the server
   * announces a change to an e2ee conversation (someone joined by invite, was added, left), the group is
   * reconciled at once, so a new member can send as soon as any member's device is online, not only
   * after one of them sends. Returns a function that stops following.
   * @example const stop = engine.followMembership(conn, (e) => console.warn(e));
   */
  followMembership(connection: Pick<Connection, 'on'>, onError?: (e: unknown) => void): () => void {
    return connection.on('conversation', (c) => {
      if (c.mode !== 'e2ee') return;
      this.invalidate(c.id);
      this.reconcileIfNeeded(c.id).catch((e: unknown) => onError?.(e));
    });
  }

  /**
   * Lets sends skip the catch-up while this device hears every change live: `connection` is ready and
   * its membership frames and device events reach the engine. Without it (a CLI command, a script that
   * only sends) every send catches up and reconciles first, as the server's state may have changed
   * unheard. Any change of the connection's state (down, or back with frames possibly missed) forgets
   * every group's standing. One connection at a time; returns a function that stops.
   * @example const stop = engine.trackChanges(conn);
   */
  trackChanges(connection: Pick<Connection, 'on' | 'state'>): () => void {
    this.#live?.stop();
    this.invalidate();
    const offs = [
      connection.on('state', () => this.invalidate()),
      connection.on('conversation', (c) => this.invalidate(c.id)),
      connection.on('event', (e) => {
        if (e.event === 'devices.changed') this.invalidate();
      }),
    ];
    const live = {
      connection,
      stop: () => {
        for (const off of offs) off();
        if (this.#live === live) this.#live = undefined;
        this.invalidate();
      },
    };
    this.#live = live;
    return live.stop;
  }

  /** Sends a franked report of a message this device decrypted (reason from the fixed list; a note is free text). */
  async report(messageId: string, reason: ReportReason, opts: { note?: string; notifyOutcome?: boolean } = {}): Promise<ReportAccepted> {
    const rec = await this.record(messageId);
    if (!rec || rec.kind !== 'payload') throw new HavenError('message.not_found', 'This device has no readable copy of that message to report.');
    if (!rec.tag) throw new HavenError('report.unverified', 'The message came without the server’s franking tag.');
    return this.client.report({
      messageId: messageId as never,
      reason,
      ...(opts.note ? { note: opts.note } : {}),
      ...(opts.notifyOutcome === undefined ? {} : { notifyOutcome: opts.notifyOutcome }),
      payload: rec.payload,
      frankingKey: rec.frankingKey,
      commitment: rec.commitment,
      tag: rec.tag,
      context: {
        senderAccountId: rec.senderAccountId as never,
        senderDeviceId: rec.senderDeviceId as never,
        conversationId: rec.conversationId as never,
        timestamp: rec.tag.timestamp,
      },
    });
  }

  async #cursor(conversationId: string): Promise<number> {
    const b = await this.store.get(SEQ + conversationId);
    return b ? Number(new TextDecoder().decode(b)) || 0 : 0;
  }

  /**
   * Processes the conversation's messages after this device's cursor, in order, up to `untilSeq` (or all).
   * `pushed` is the message the caller holds (pushed over the WebSocket): when it is the very next one,
   * it is processed as it came, without asking the server for the same message again.
   */
  async #sync(conversationId: string, untilSeq?: number, pushed?: Message): Promise<void> {
    let after = await this.#cursor(conversationId);
    if (pushed && pushed.conversationId === conversationId && pushed.seq === after + 1) {
      await this.#handle(conversationId, pushed);
      await this.store.put(SEQ + conversationId, new TextEncoder().encode(String(pushed.seq)));
      return;
    }
    for (;;) {
      if (untilSeq !== undefined && after >= untilSeq) return;
      const page = await this.client.messages(conversationId, { after, limit: PAGE });
      for (const m of page) {
        await this.#handle(conversationId, m);
        after = m.seq;
        await this.store.put(SEQ + conversationId, new TextEncoder().encode(String(after)));
      }
      if (page.length < PAGE) return;
    }
  }

  /** Replaces whatever this device kept of a message (its decrypted text too) with a 'removed' record. */
  async #forget(messageId: string): Promise<void> {
    const rec = await this.record(messageId);
    // Handshake records are not messages: a removal never names them (the server refuses to remove them).
    if (rec?.kind === 'control') return;
    if (rec?.kind === 'removed') return;
    await this.store.delete(RX + messageId);
    await this.store.put(RX + messageId, encodeRecord({ kind: 'removed' }));
  }

  /**
   * Handles the server's `message.removed` event (a moderator removed messages, issue 9, 3): the stored
   * record of each (the decrypted payload, the franking opening) is deleted and marked removed, so this
   * device shows "This message was removed by a moderator." from now on. A modified client could keep its
   * copy; honest ones do not. Returns the ids now removed here.
   */
  async messageRemoved(data: unknown): Promise<string[]> {
    const parsed = MessageRemovedData.safeParse(data);
    if (!parsed.success) return [];
    const { conversationId, messageIds } = parsed.data;
    return this.#serial(conversationId, async () => {
      for (const id of messageIds) await this.#forget(id);
      return [...messageIds];
    });
  }

  async #keep(m: Message, r: ReceivedRecord): Promise<void> {
    await this.store.put(RX + m.id, encodeRecord(r));
  }

  async #session(conversationId: string): Promise<GroupSession | undefined> {
    const r = await this.device.session(conversationId);
    return r.ok ? r.value : undefined;
  }

  async #handle(conversationId: string, m: Message): Promise<void> {
    if (await this.store.get(RX + m.id)) return;
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(m.body);
    } catch {
      return this.#keep(m, { kind: 'undecodable', code: 'codec.base64', reason: 'the body is not base64' });
    }
    const mine = m.senderDeviceId === this.identity.deviceId;
    switch (m.contentType) {
      case MLS_CONTENT_TYPES.welcome: {
        if (m.recipientDeviceId !== this.identity.deviceId) return this.#keep(m, { kind: 'control' });
        const s = await this.#session(conversationId);
        if (s?.active) return this.#keep(m, { kind: 'control', note: 'already a member' });
        // The group id is checked against this conversation inside `join`, before any stored state changes.
        const j = await this.device.join(bytes, { conversationId });
        if (!j.ok) return this.#keep(m, { kind: 'undecodable', code: j.error.code, reason: j.error.message });
        // A new group here: the next send catches up and reconciles first.
        this.invalidate(conversationId);
        await this.#afterJoin(conversationId, j.value.session, m);
        return this.#keep(m, { kind: 'control', note: 'joined' });
      }
      case MLS_CONTENT_TYPES.commit: {
        const s = await this.#session(conversationId);
        if (!s?.active) return this.#keep(m, { kind: 'control', note: 'not in the group' });
        const r = await s.process(bytes);
        if (r.ok) await this.device.save(conversationId, s);
        // Another device changed the group (this device's own commits were merged when the server took them).
        if (r.ok) this.invalidate(conversationId);
        if (r.ok && r.value.kind === 'commit') await this.#afterCommit(conversationId, r.value, m.sentAt);
        // A commit already applied (our own, merged when the server accepted it) or before we joined.
        if (r.ok || r.error.code === 'mls.stale_epoch' || mine) return this.#keep(m, { kind: 'control' });
        return this.#keep(m, { kind: 'undecodable', code: r.error.code, reason: r.error.message });
      }
      case MLS_CONTENT_TYPES.message: {
        if (mine) return this.#keep(m, { kind: 'undecodable', code: 'e2ee.own_message', reason: 'sent from this device' });
        const s = await this.#session(conversationId);
        if (!s) return this.#keep(m, { kind: 'control', note: 'sent before this device joined' });
        const r = await s.process(bytes);
        if (!r.ok) return this.#keep(m, { kind: 'undecodable', code: r.error.code, reason: r.error.message });
        await this.device.save(conversationId, s);
        if (r.value.kind !== 'application') return this.#keep(m, { kind: 'control' });
        const opened = openPayload(r.value);
        if (!opened.ok) return this.#keep(m, { kind: 'undecodable', code: opened.error.code, reason: opened.error.message });
        // The MLS sender must be the device the server says sent it.
        const who = opened.value.sender.identity;
        if (who.deviceId !== m.senderDeviceId || who.accountId !== m.sender.id)
          return this.#keep(m, { kind: 'undecodable', code: 'mls.credential_mismatch', reason: 'the message was not sent by the device the server names' });
        return this.#keep(m, {
          kind: 'payload',
          payload: opened.value.payload,
          conversationId,
          senderAccountId: m.sender.id,
          senderDeviceId: m.senderDeviceId,
          frankingKey: bytesToBase64(opened.value.frankingKey),
          commitment: bytesToBase64(opened.value.commitment),
          ...(m.franking ? { tag: m.franking } : {}),
        });
      }
      case REMOVED_CONTENT_TYPE:
        // A moderator removed it before this device read it: nothing to decrypt, and none needed. An MLS
        // application message missing from a device's sequence does not break the group (the epoch is
        // changed only by commits, which are never removable); later messages decrypt as usual.
        return this.#keep(m, { kind: 'removed' });
      default:
        return this.#keep(m, { kind: 'undecodable', code: 'codec.content_type', reason: `unexpected content type ${m.contentType}` });
    }
  }

  /** Submits a pending commit: merged when accepted; discarded on `mls.stale_epoch` (returns false). */
  async #submit(conversationId: string, s: GroupSession, pc: PendingCommit): Promise<boolean> {
    await this.device.save(conversationId, s);
    try {
      await this.client.submitCommit(conversationId, {
        clientMessageId: newClientMessageId(),
        commit: bytesToBase64(pc.commit),
        ...(pc.welcome ? { welcome: bytesToBase64(pc.welcome) } : {}),
      });
    } catch (e) {
      s.discardPendingCommit();
      await this.device.save(conversationId, s);
      if (e instanceof HavenError && e.code === 'mls.stale_epoch') return false;
      throw e;
    }
    const merged = await s.mergePendingCommit();
    if (!merged.ok) throw new HavenError(merged.error.code, merged.error.message);
    await this.device.save(conversationId, s);
    await this.#afterCommit(conversationId, merged.value, new Date(this.#now()).toISOString());
    return true;
  }

  async #addCommit(conversationId: string, s: GroupSession, approved: Map<string, Uint8Array>, allowEmpty: boolean): Promise<boolean | 'nothing'> {
    const deviceIds = [...approved.keys()];
    const claimed = deviceIds.length ? await this.client.claimKeyPackages(conversationId, deviceIds) : { keyPackages: [], missing: [] };
    // The key package the server hands out must carry a certificate under the account key approved for
    // that device (the directory's certificate could differ from the key package's).
    const packages: Uint8Array[] = [];
    for (const k of claimed.keyPackages) {
      const bytes = base64ToBytes(k.keyPackage);
      const info = await parseKeyPackage(bytes, { now: this.#now() });
      const key = approved.get(k.deviceId);
      const cert = info.ok ? info.value.certificate : undefined;
      if (!info.ok || !key || !cert || info.value.identity.deviceId !== k.deviceId || info.value.identity.accountId !== k.accountId ||
        !verifyCertificate(cert, info.value.identity, info.value.signaturePublicKey) || !sameBytes(cert.accountKey, key)) {
        await this.#refuse(conversationId, { accountId: k.accountId, deviceId: k.deviceId }, 'its key package carries no valid certificate from the account key');
        continue;
      }
      packages.push(bytes);
    }
    let pc;
    if (packages.length > 0) pc = await s.addMembers(packages, { now: this.#now() });
    else if (allowEmpty) pc = await s.updateKeys();
    else return 'nothing';
    if (!pc.ok) throw new HavenError(pc.error.code, pc.error.message);
    return this.#submit(conversationId, s, pc.value);
  }

  async #reconcile(conversationId: string): Promise<GroupSession> {
    const me = this.identity.deviceId;
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const state = await this.client.mlsGroup(conversationId);
      // The server's directory must know this device before it may commit (its key packages pin its key).
      if (!state.devices.some((d) => d.deviceId === me)) {
        await this.ensureKeyPackages();
        continue;
      }
      await this.#learnNames(conversationId, state);
      // Only devices certified by their account's (pinned) key are ever added (issue 15).
      const approved = await this.#approve(conversationId, state);
      let s = await this.#session(conversationId);
      if (!s?.active) {
        if (state.epoch > 0) {
          throw new HavenError(
            'mls.not_member',
            'This device has not been added to the conversation’s encryption yet; it will be as soon as another member’s device is online.',
          );
        }
        // No group on the server yet: create it, adding every device of every member, and claim epoch 0.
        if (s) await this.device.forget(conversationId);
        s = await this.device.createGroup(conversationId);
        await this.trust.setLeaf(conversationId, me, { addedAt: new Date(this.#now()).toISOString(), addedBy: 'this device (it created the group)' });
        approved.delete(me);
        if ((await this.#addCommit(conversationId, s, approved, true)) === false) {
          await this.device.forget(conversationId);
          await this.#sync(conversationId); // the winner's welcome may be there already
        }
        continue;
      }
      if (s.epoch !== state.epoch) {
        await this.#sync(conversationId);
        if ((await this.#session(conversationId))?.epoch !== state.epoch) continue;
      }
      const intended = new Set(state.devices.map((d) => `${d.accountId}/${d.deviceId}`));
      const leaves = s.members();
      await this.#checkRoster(conversationId, state, leaves);
      const departed = leaves.filter((l) => l.identity.deviceId !== me && !intended.has(`${l.identity.accountId}/${l.identity.deviceId}`));
      if (departed.length > 0) {
        const pc = await s.removeMembers({ devices: departed.map((l) => l.identity) });
        if (!pc.ok) throw new HavenError(pc.error.code, pc.error.message);
        if (!(await this.#submit(conversationId, s, pc.value))) await this.#sync(conversationId);
        continue;
      }
      const missing = new Map([...approved].filter(([id]) => !leaves.some((l) => l.identity.deviceId === id)));
      if (missing.size > 0) {
        const r = await this.#addCommit(conversationId, s, missing, false);
        if (r === false) await this.#sync(conversationId);
        if (r !== 'nothing') continue;
      }
      return s;
    }
    throw new HavenError('mls.stale_epoch', 'The group kept changing while this device tried to catch up; try again.');
  }

  // ——— Devices, keys and notices (issue 15) ———

  /** The account key this device expects for an account: its own account's key, else the pinned one. */
  async #expectedKey(accountId: string): Promise<{ key: Uint8Array; pin: Pin | undefined } | undefined> {
    if (accountId === this.identity.accountId) {
      const own = await this.device.accountKeys();
      return own ? { key: own.publicKey, pin: undefined } : undefined;
    }
    const pin = await this.trust.pin(accountId);
    return pin ? { key: this.trust.pinnedKey(pin), pin } : undefined;
  }

  /**
   * Which directory devices may be added, with the account key each must be certified by. A device
   * without a valid certificate, or certified by a key other than the pinned one while the account's
   * other devices still use the pinned key, is refused and every member who sees it is warned. When every
   * device of a contact carries one new key, that is a key change (all their devices were replaced): it
   * is accepted and shown as a notice in every shared conversation.
   */
  async #approve(conversationId: string, state: MlsGroupState): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    const byAccount = new Map<string, { d: MlsDevice; cert: DeviceCertificate | undefined }[]>();
    for (const d of state.devices) {
      const raw = d.certificate ? decodeCertificate(base64ToBytes(d.certificate)) : undefined;
      const cert = raw && verifyCertificate(raw, { accountId: d.accountId, deviceId: d.deviceId }, raw.signatureKey) ? raw : undefined;
      const list = byAccount.get(d.accountId) ?? [];
      list.push({ d, cert });
      byAccount.set(d.accountId, list);
    }
    for (const [accountId, devices] of byAccount) {
      const expected = await this.#expectedKey(accountId);
      const keys = new Map<string, Uint8Array>();
      for (const { cert } of devices) if (cert) keys.set(bytesToBase64(cert.accountKey), cert.accountKey);
      let trusted: Uint8Array | undefined;
      if (expected && keys.has(bytesToBase64(expected.key))) trusted = expected.key;
      else if (!expected && keys.size === 1) trusted = [...keys.values()][0]; // first sight: trust on first use
      else if (expected && expected.pin && keys.size === 1 && devices.every((x) => x.cert)) trusted = [...keys.values()][0]; // a key change
      for (const { d, cert } of devices) {
        if (d.deviceId === this.identity.deviceId) continue;
        if (await this.trust.refused(conversationId, d.deviceId)) continue;
        if (!cert) {
          await this.#refuse(conversationId, d, 'it carries no valid certificate from the account’s key (it was never linked)');
          continue;
        }
        if (!trusted || !sameBytes(cert.accountKey, trusted)) {
          await this.#refuse(conversationId, d, 'its certificate is signed by a key that is not the account’s key');
          continue;
        }
        out.set(d.deviceId, cert.accountKey);
      }
    }
    return out;
  }

  /** Records a refused device once, with a prominent warning in the conversation. */
  async #refuse(conversationId: string, d: { accountId: string; deviceId: string }, why: string): Promise<void> {
    if (await this.trust.refused(conversationId, d.deviceId)) return;
    await this.trust.setRefused(conversationId, d.deviceId);
    const owner = await this.#owner(d.accountId, true);
    const name = (await this.trust.deviceName(d.deviceId)) ?? d.deviceId.slice(0, 8);
    await this.trust.addNotice({
      conversationId,
      at: new Date(this.#now()).toISOString(),
      kind: 'ghost_refused',
      prominent: true,
      subject: { accountId: d.accountId, deviceId: d.deviceId },
      text:
        `Warning: the server listed a device “${name}” for ${owner}, but ${why}. It was NOT added and cannot read this conversation. ` +
        `If ${owner === 'you' ? 'you did' : `${owner} did`} not just add a device, someone may be trying to listen in: compare safety codes (haven verify).`,
    });
  }

  /** Warns when the server's roster names a device that is not in the group this device holds. */
  async #checkRoster(conversationId: string, state: MlsGroupState, leaves: Member[]): Promise<void> {
    for (const l of state.leaves) {
      if (leaves.some((m) => m.identity.deviceId === l.deviceId && m.identity.accountId === l.accountId)) continue;
      const owner = await this.#owner(l.accountId, true);
      const name = (await this.trust.deviceName(l.deviceId)) ?? l.deviceId.slice(0, 8);
      await this.trust.addNotice(
        {
          conversationId,
          at: new Date(this.#now()).toISOString(),
          kind: 'roster_mismatch',
          prominent: true,
          subject: { accountId: l.accountId, deviceId: l.deviceId },
          text: `Warning: the server says ${owner === 'you' ? 'your' : `${owner}'s`} device “${name}” is in this conversation, but it is not in its encryption: it cannot read anything here.`,
        },
        `roster-${l.deviceId}`,
      );
    }
  }

  /** Remembers handles and device names the server shows, so notices can name devices later. */
  async #learnNames(conversationId: string, state?: MlsGroupState): Promise<void> {
    const st = state ?? (await this.client.mlsGroup(conversationId).catch(() => undefined));
    for (const d of st?.devices ?? []) if (d.name) await this.trust.setDeviceName(d.deviceId, d.name);
    const convo = await this.client.conversation(conversationId).catch(() => undefined);
    for (const m of convo?.members ?? []) await this.trust.setHandle(m.id, m.handle);
  }

  async #owner(accountId: string, plain = false): Promise<string> {
    if (accountId === this.identity.accountId) return plain ? 'you' : 'your';
    const h = (await this.trust.handle(accountId)) ?? 'someone';
    return plain ? h : `${h}'s`;
  }

  /** "this device", "your device “laptop”", "sam's device “phone”". */
  async #describe(id: DeviceIdentity | undefined): Promise<string> {
    if (!id) return 'a device that is no longer in the group';
    if (id.deviceId === this.identity.deviceId) return 'this device';
    const name = (await this.trust.deviceName(id.deviceId)) ?? id.deviceId.slice(0, 8);
    return `${await this.#owner(id.accountId)} device “${name}”`;
  }

  /** Notices for what a commit changed, leaf records for added devices, and key pins. */
  async #afterCommit(conversationId: string, ev: CommitEvent, at: string): Promise<void> {
    if (ev.added.length === 0 && ev.removed.length === 0) return;
    if (ev.added.some((a) => a.identity.deviceId !== this.identity.deviceId)) await this.#learnNames(conversationId);
    const by = await this.#describe(ev.sender?.identity);
    const byId = ev.sender ? { by: { accountId: ev.sender.identity.accountId, deviceId: ev.sender.identity.deviceId } } : {};
    for (const a of ev.added) {
      await this.#observeKey(conversationId, a);
      await this.trust.setLeaf(conversationId, a.identity.deviceId, { addedAt: at, addedBy: by });
      const what = await this.#describe(a.identity);
      await this.trust.addNotice({
        conversationId,
        at,
        kind: 'device_added',
        prominent: false,
        subject: { accountId: a.identity.accountId, deviceId: a.identity.deviceId },
        ...byId,
        text: `${capital(what)} was added to this conversation’s encryption by ${by}.`,
      });
    }
    for (const r of ev.removed) {
      const what = await this.#describe(r.identity);
      await this.trust.addNotice({
        conversationId,
        at,
        kind: 'device_removed',
        prominent: false,
        subject: { accountId: r.identity.accountId, deviceId: r.identity.deviceId },
        ...byId,
        text: `${capital(what)} was removed from this conversation’s encryption by ${by}; it cannot read anything sent from now on.`,
      });
    }
  }

  /** After joining from a Welcome: who added this device, and every device already there. */
  async #afterJoin(conversationId: string, session: GroupSession, m: Message): Promise<void> {
    await this.#learnNames(conversationId);
    const by = await this.#describe({ accountId: m.sender.id, deviceId: m.senderDeviceId });
    const members = session.members();
    const others: string[] = [];
    for (const leaf of members) {
      await this.#observeKey(conversationId, leaf);
      if (leaf.identity.deviceId === this.identity.deviceId) {
        await this.trust.setLeaf(conversationId, leaf.identity.deviceId, { addedAt: m.sentAt, addedBy: by });
        continue;
      }
      if (!(await this.trust.leaf(conversationId, leaf.identity.deviceId)))
        await this.trust.setLeaf(conversationId, leaf.identity.deviceId, { addedAt: '', addedBy: 'before this device joined' });
      others.push(await this.#describe(leaf.identity));
    }
    await this.trust.addNotice({
      conversationId,
      at: m.sentAt,
      kind: 'joined',
      prominent: false,
      by: { accountId: m.sender.id, deviceId: m.senderDeviceId },
      text: `This device joined the conversation’s encryption, added by ${by}. Devices in it: ${others.length ? others.join(', ') : 'none other'}.`,
    });
  }

  /** Trust on first use of an account key; a different key is a key change, shown in every shared conversation. */
  async #observeKey(conversationId: string, member: Member): Promise<void> {
    const cert = member.certificate;
    const accountId = member.identity.accountId;
    if (!cert || accountId === this.identity.accountId) return;
    const pin = await this.trust.pin(accountId);
    const at = new Date(this.#now()).toISOString();
    if (!pin) {
      await this.trust.setPin(accountId, { key: bytesToBase64(cert.accountKey), firstSeen: at, verified: false });
      return;
    }
    if (sameBytes(this.trust.pinnedKey(pin), cert.accountKey)) return;
    await this.trust.setPin(accountId, {
      key: bytesToBase64(cert.accountKey),
      firstSeen: pin.firstSeen,
      verified: false,
      previousKey: pin.key,
      changedAt: at,
      changedWhileVerified: pin.verified || pin.changedWhileVerified === true,
    });
    const who = await this.#owner(accountId, true);
    const text = pin.verified
      ? `IMPORTANT: ${who} was verified, and their account key has CHANGED. Until you compare safety codes again (haven verify ${who}), you cannot be sure you are talking to ${who}.`
      : `${who}'s account key changed, so your safety code with ${who} changed. This happens when someone loses all their devices and starts again, or when someone pretends to be them. Compare safety codes: haven verify ${who}.`;
    const conversations = new Set([conversationId]);
    for (const key of await this.store.list('group.')) {
      const id = key.slice('group.'.length);
      const sess = await this.#session(id);
      if (sess?.members().some((x) => x.identity.accountId === accountId)) conversations.add(id);
    }
    for (const c of conversations)
      await this.trust.addNotice({ conversationId: c, at, kind: 'key_changed', prominent: pin.verified, subject: { accountId }, text });
  }

  /**
   * Handles the server's `devices.changed` event (a member linked or removed a device): an online member
   * reconciles each named conversation at once, committing the addition or removal.
   */
  async devicesChanged(data: unknown): Promise<void> {
    if (!this.linked) return;
    // Whichever conversations it names, a device change may touch any group this device holds.
    this.invalidate();
    const ids = (data as { conversationIds?: unknown } | undefined)?.conversationIds;
    if (!Array.isArray(ids)) return;
    for (const id of ids) {
      if (typeof id !== 'string' || !(await this.#session(id))?.active) continue;
      await this.reconcile(id).catch(() => undefined); // another member may win the race: fine
    }
  }

  /** Notices of a conversation (or all), oldest first: device additions and removals, key changes, warnings. */
  notices(conversationId?: string): Promise<DeviceNotice[]> {
    return this.trust.notices(conversationId);
  }

  /**
   * Every leaf of a conversation's encryption group as this device holds it: account, device name, key
   * fingerprints, when and by whom it was added. Catches up on the conversation first.
   */
  async conversationDevices(conversationId: string): Promise<ConversationDevice[]> {
    await this.sync(conversationId);
    const s = await this.#session(conversationId);
    if (!s) return [];
    await this.#learnNames(conversationId);
    const out: ConversationDevice[] = [];
    for (const m of s.members()) {
      const expected = await this.#expectedKey(m.identity.accountId);
      const leaf = await this.trust.leaf(conversationId, m.identity.deviceId);
      out.push({
        leafIndex: m.leafIndex,
        accountId: m.identity.accountId,
        handle: m.identity.accountId === this.identity.accountId ? 'you' : ((await this.trust.handle(m.identity.accountId)) ?? 'unknown'),
        deviceId: m.identity.deviceId,
        deviceName: (await this.trust.deviceName(m.identity.deviceId)) ?? '(unnamed)',
        self: m.identity.deviceId === this.identity.deviceId,
        keyFingerprint: m.signatureKey ? keyFingerprint(m.signatureKey) : '',
        accountKeyFingerprint: m.certificate ? keyFingerprint(m.certificate.accountKey) : undefined,
        trusted: !!m.certificate && !!expected && sameBytes(expected.key, m.certificate.accountKey),
        addedAt: leaf?.addedAt || undefined,
        addedBy: leaf?.addedBy,
      });
    }
    return out;
  }

  /**
   * The safety code of this account and another, from both account keys (the other's as pinned here).
   * Compare it with them out of band; `confirm` marks them verified.
   */
  async safetyCode(accountId: string, opts: { confirm?: boolean } = {}): Promise<SafetyCodeInfo> {
    const own = await this.device.accountKeys();
    if (!own) throw new HavenError('device.not_linked');
    const pin = await this.trust.pin(accountId);
    if (!pin) throw new HavenError('account.not_found', 'This device has not seen that account’s key yet: exchange an end-to-end encrypted message with them first.');
    const theirs = this.trust.pinnedKey(pin);
    let next = pin;
    if (opts.confirm) {
      const { changedWhileVerified: _c, ...rest } = pin;
      next = { ...rest, verified: true };
      await this.trust.setPin(accountId, next);
    }
    return {
      accountId,
      handle: (await this.trust.handle(accountId)) ?? 'unknown',
      code: safetyCode({ accountId: own.accountId, key: own.publicKey }, { accountId, key: theirs }),
      verified: next.verified,
      changedWhileVerified: next.changedWhileVerified === true,
      theirKeyFingerprint: keyFingerprint(theirs),
    };
  }

  /** Finds the account id of a handle among the members of conversations this device knows. */
  async accountIdOf(handle: string): Promise<string | undefined> {
    for (const c of await this.client.conversations()) {
      const m = c.members.find((x) => x.handle === handle);
      if (m) {
        await this.trust.setHandle(m.id, m.handle);
        return m.id;
      }
    }
    return undefined;
  }

  /**
   * On a linked device: offers a link for a new device. Show `code` to the user; `done` resolves with the
   * new device's id once it sent its request and this device answered it (certificate + sealed account key).
   * @example const { code, done } = await engine.offerLink(); console.log(code); await done;
   */
  async offerLink(opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<{ code: string; linkId: string; done: Promise<{ deviceId: string }> }> {
    const account = await this.device.accountKeys();
    if (!account || !this.device.certificate) throw new HavenError('device.not_linked', 'Only a linked device can link another: this one is not linked yet.');
    const secret = newLinkSecret();
    const linkId = linkIdOf(secret);
    await this.client.createDeviceLink(linkId);
    const done = (async () => {
      const link = await this.#poll(linkId, (l) => l.request !== null, opts);
      const ans = answerLinkRequest(secret, base64ToBytes(link.request!), account, this.#now());
      if (!ans.ok) throw new HavenError(ans.error.code, ans.error.message);
      await this.client.answerDeviceLink(linkId, bytesToBase64(ans.value.response));
      return { deviceId: ans.value.device.deviceId };
    })();
    done.catch(() => undefined); // the caller awaits it; never an unhandled rejection in between
    return { code: formatLinkCode(secret), linkId, done };
  }

  /**
   * On a new device (signed in with the password, pending): completes a link with the code shown on a
   * linked device, then uploads key packages so members' devices can add it.
   */
  async acceptLink(code: string, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<void> {
    const secret = parseLinkCode(code);
    if (!secret) throw new HavenError('device.link_failed', 'That is not a link code: it has 16 letters and digits, like 7KQ2-M9XD-4TPA-H3WZ.');
    const linkId = linkIdOf(secret);
    const mine = makeLinkRequest(secret, this.identity, this.device.keys.signaturePublicKey);
    await this.client.requestDeviceLink(linkId, bytesToBase64(mine.request));
    const link = await this.#poll(linkId, (l) => l.response !== null, opts);
    const done = completeLink(secret, mine, base64ToBytes(link.response!), this.identity, this.device.keys.signaturePublicKey);
    if (!done.ok) throw new HavenError(done.error.code, done.error.message);
    if (!(await this.device.linkWith(done.value.account, done.value.certificate))) throw new HavenError('device.link_failed');
    await this.ensureKeyPackages();
  }

  async #poll(linkId: string, ready: (l: DeviceLink) => boolean, opts: { timeoutMs?: number; pollMs?: number }): Promise<DeviceLink> {
    const deadline = this.#now() + (opts.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const l = await this.client.deviceLink(linkId);
      if (ready(l)) return l;
      if (this.#now() > deadline) throw new HavenError('device.link_not_found', 'The other device did not answer in time; start linking again.');
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 300));
    }
  }

  /** Deletes everything this device kept (logout). */
  async wipe(): Promise<void> {
    await this.device.wipe();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

// Sentence case for "this device …" and "your device …"; handles keep their own spelling.
const capital = (s: string): string => (/^(this|your|a) /.test(s) ? s.charAt(0).toUpperCase() + s.slice(1) : s);
