import {
  E2eeDevice,
  encryptPayload,
  isSuiteName,
  openPayload,
  type DeviceIdentity,
  type GroupSession,
  type PendingCommit,
  type StateStore,
  type SuiteName,
} from '@haven/crypto';
import { HavenError, MLS_CONTENT_TYPES, type Conversation, type Message, type MessagePayload, type ReportAccepted } from '@haven/protocol';
import { base64ToBytes, bytesToBase64 } from '../base64';
import type { Decoded } from '../codec';
import type { HavenClient } from '../http-client';
import { newClientMessageId } from '../ids';
import { decodeRecord, encodeRecord, toDecoded, type ReceivedRecord } from './received';

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
 * winner and tries again.
 *
 * @example
 * const engine = await E2eeEngine.open(client, await FileStateStore.open(dir), { accountId, deviceId });
 * await engine.ensureKeyPackages();
 * const messenger = new Messenger(client, { codecs: e2eeCodecs(engine) });
 */
export class E2eeEngine {
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #now: () => number;

  private constructor(
    readonly client: HavenClient,
    readonly device: E2eeDevice,
    readonly store: StateStore,
    readonly opts: E2eeEngineOptions,
  ) {
    this.#now = opts.now ?? (() => Date.now());
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
      await this.#sync(conversation.id, message.seq);
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

  /** Catches up, reconciles the group, encrypts `payload` with franking: the body to send. */
  encrypt(conversation: Conversation, payload: MessagePayload): Promise<Uint8Array> {
    return this.#serial(conversation.id, async () => {
      await this.#sync(conversation.id);
      const s = await this.#reconcile(conversation.id);
      const r = await encryptPayload(s, payload);
      if (!r.ok) throw new HavenError(r.error.code as never, r.error.message);
      // The sending ratchet moved: persist before the bytes leave.
      await this.device.save(conversation.id, s);
      return r.value.message;
    });
  }

  /** Brings the MLS group in line with the server's membership (create, add, remove); after a membership change. */
  reconcile(conversation: Conversation | string): Promise<void> {
    const id = typeof conversation === 'string' ? conversation : conversation.id;
    return this.#serial(id, async () => {
      await this.#sync(id);
      await this.#reconcile(id);
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
  followMembership(connection: { on(event: 'conversation', fn: (c: Conversation) => void): () => void }, onError?: (e: unknown) => void): () => void {
    return connection.on('conversation', (c) => {
      if (c.mode !== 'e2ee') return;
      this.reconcileIfNeeded(c.id).catch((e: unknown) => onError?.(e));
    });
  }

  /** Sends a franked report of a message this device decrypted. */
  async report(messageId: string, reason: string): Promise<ReportAccepted> {
    const rec = await this.record(messageId);
    if (!rec || rec.kind !== 'payload') throw new HavenError('message.not_found', 'This device has no readable copy of that message to report.');
    if (!rec.tag) throw new HavenError('report.unverified', 'The message came without the server’s franking tag.');
    return this.client.report({
      messageId: messageId as never,
      reason,
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

  async #sync(conversationId: string, untilSeq?: number): Promise<void> {
    let after = await this.#cursor(conversationId);
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
        return this.#keep(m, { kind: 'control', note: 'joined' });
      }
      case MLS_CONTENT_TYPES.commit: {
        const s = await this.#session(conversationId);
        if (!s?.active) return this.#keep(m, { kind: 'control', note: 'not in the group' });
        const r = await s.process(bytes);
        if (r.ok) await this.device.save(conversationId, s);
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
    if (!merged.ok) throw new HavenError(merged.error.code as never, merged.error.message);
    await this.device.save(conversationId, s);
    return true;
  }

  async #addCommit(conversationId: string, s: GroupSession, deviceIds: string[], allowEmpty: boolean): Promise<boolean | 'nothing'> {
    const claimed = deviceIds.length ? await this.client.claimKeyPackages(conversationId, deviceIds) : { keyPackages: [], missing: [] };
    let pc;
    if (claimed.keyPackages.length > 0) pc = await s.addMembers(claimed.keyPackages.map((k) => base64ToBytes(k.keyPackage)), { now: this.#now() });
    else if (allowEmpty) pc = await s.updateKeys();
    else return 'nothing';
    if (!pc.ok) throw new HavenError(pc.error.code as never, pc.error.message);
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
        const others = state.devices.filter((d) => d.deviceId !== me).map((d) => d.deviceId);
        if ((await this.#addCommit(conversationId, s, others, true)) === false) {
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
      const departed = leaves.filter((l) => l.identity.deviceId !== me && !intended.has(`${l.identity.accountId}/${l.identity.deviceId}`));
      if (departed.length > 0) {
        const pc = await s.removeMembers({ devices: departed.map((l) => l.identity) });
        if (!pc.ok) throw new HavenError(pc.error.code as never, pc.error.message);
        if (!(await this.#submit(conversationId, s, pc.value))) await this.#sync(conversationId);
        continue;
      }
      const missing = state.devices.filter((d) => !leaves.some((l) => l.identity.deviceId === d.deviceId)).map((d) => d.deviceId);
      if (missing.length > 0) {
        const r = await this.#addCommit(conversationId, s, missing, false);
        if (r === false) await this.#sync(conversationId);
        if (r !== 'nothing') continue;
      }
      return s;
    }
    throw new HavenError('mls.stale_epoch', 'The group kept changing while this device tried to catch up; try again.');
  }
}
