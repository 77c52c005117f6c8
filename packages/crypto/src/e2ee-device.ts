// One device's end-to-end encryption state over a StateStore: its signing keys, its unused key packages
// and its group sessions, under the keys `device`, `kp.<ref>` and `group.<conversationId>`. The client SDK
// keeps one per signed-in device; everything it stores is secret.
import { decodeDeviceKeys, encodeDeviceKeys, generateDeviceKeys, type DeviceKeys } from './device-keys';
import {
  certifyDevice,
  decodeAccountKeys,
  decodeCertificate,
  encodeAccountKeys,
  encodeCertificate,
  verifyCertificate,
  type AccountKeys,
  type DeviceCertificate,
} from './device-certificate';
import { constantTimeEqual } from './bytes';
import { fail, succeed, type CryptoResult } from './errors';
import { fromUtf8 } from './bytes';
import { GroupSession, type SessionOptions } from './group-session';
import { groupIdForConversation, sameIdentity, type DeviceIdentity } from './identity';
import { decodeKeyPackageSecret, generateKeyPackages, type GeneratedKeyPackage } from './key-packages';
import { isStateKey, type StateStore } from './state-store';
import type { SuiteName } from './suites';

const DEVICE = 'device';
const ACCOUNT = 'account';
const CERT = 'cert';
const KP = 'kp.';
const GROUP = 'group.';

/**
 * A device's keys, key packages and sessions, persisted in `store`.
 * @example
 * const dev = await E2eeDevice.open(await FileStateStore.open(dir), { accountId, deviceId });
 * await upload(await dev.generateKeyPackages({ count: 20, now: Date.now() }));
 * const s = await dev.createGroup(conversationId);
 */
export class E2eeDevice {
  readonly #sessions = new Map<string, GroupSession>();
  readonly #opts: SessionOptions;

  #keys: DeviceKeys;

  private constructor(
    readonly store: StateStore,
    keys: DeviceKeys,
    opts: SessionOptions,
  ) {
    this.#keys = keys;
    this.#opts = opts;
  }

  /** The device's keys (with its certificate once linked). */
  get keys(): DeviceKeys {
    return this.#keys;
  }

  /** The account identity key pair, on a linked device (or the first device, which made it). */
  async accountKeys(): Promise<AccountKeys | undefined> {
    const b = await this.store.get(ACCOUNT);
    return b && decodeAccountKeys(b);
  }

  /** This device's certificate, once linked. */
  get certificate(): DeviceCertificate | undefined {
    return this.#keys.certificate;
  }

  /**
   * Keeps the account key (made here on the first device, or received when linked) and certifies this
   * device with it. Key packages made before (uncertified) are dropped.
   */
  async adoptAccountKeys(account: AccountKeys, now: number): Promise<DeviceCertificate> {
    if (account.accountId !== this.identity.accountId) throw new Error('the account key belongs to another account');
    const cert = certifyDevice(account, this.identity, this.#keys.signaturePublicKey, now);
    await this.store.put(ACCOUNT, encodeAccountKeys(account));
    await this.#setCertificate(cert);
    return cert;
  }

  /** Keeps what linking brought: the account key and the certificate a linked device made for this one. */
  async linkWith(account: AccountKeys, cert: DeviceCertificate): Promise<boolean> {
    if (account.accountId !== this.identity.accountId || !constantTimeEqual(account.publicKey, cert.accountKey)) return false;
    if (!verifyCertificate(cert, this.identity, this.#keys.signaturePublicKey)) return false;
    await this.store.put(ACCOUNT, encodeAccountKeys(account));
    await this.#setCertificate(cert);
    return true;
  }

  /** Deletes everything this device kept (logout): keys, account key, key packages, sessions, records. */
  async wipe(): Promise<void> {
    this.#sessions.clear();
    for (const key of await this.store.list('')) await this.store.delete(key);
  }

  /** Keeps a certificate made for this device by a linked device (verified against this device's key). */
  async acceptCertificate(cert: DeviceCertificate): Promise<boolean> {
    if (!verifyCertificate(cert, this.identity, this.#keys.signaturePublicKey)) return false;
    await this.#setCertificate(cert);
    return true;
  }

  async #setCertificate(cert: DeviceCertificate): Promise<void> {
    const had = this.#keys.certificate;
    await this.store.put(CERT, encodeCertificate(cert));
    this.#keys = { ...this.#keys, certificate: cert };
    if (!had || !constantTimeEqual(had.accountKey, cert.accountKey)) {
      for (const key of await this.store.list(KP)) await this.store.delete(key);
    }
  }

  /** Loads the device's keys from the store, or makes and stores them on first use. */
  static async open(
    store: StateStore,
    identity: DeviceIdentity,
    opts: SessionOptions & { suite?: SuiteName } = {},
  ): Promise<E2eeDevice> {
    const stored = await store.get(DEVICE);
    let keys = stored && decodeDeviceKeys(stored);
    if (stored && !keys) throw new Error('the stored device keys are unreadable');
    if (keys && !sameIdentity(keys.identity, identity)) throw new Error('the store belongs to another device');
    if (!keys) {
      keys = await generateDeviceKeys(identity, { ...(opts.suite ? { suite: opts.suite } : {}), ...(opts.rng ? { rng: opts.rng } : {}) });
      await store.put(DEVICE, encodeDeviceKeys(keys));
    }
    const certBytes = await store.get(CERT);
    const cert = certBytes && decodeCertificate(certBytes);
    if (cert && verifyCertificate(cert, keys.identity, keys.signaturePublicKey)) keys = { ...keys, certificate: cert };
    const { suite: _suite, ...sessionOpts } = opts;
    return new E2eeDevice(store, keys, sessionOpts);
  }

  get identity(): DeviceIdentity {
    return this.keys.identity;
  }

  /** Makes key packages, stores their secrets, and returns them for upload (`keyPackage` of each). */
  async generateKeyPackages(opts: { count: number; now: number; lastResort?: boolean }): Promise<GeneratedKeyPackage[]> {
    const kps = await generateKeyPackages(this.keys, { ...opts, ...(this.#opts.rng ? { rng: this.#opts.rng } : {}) });
    if (kps.some((k) => k.lastResort)) {
      // One last-resort package at a time: the new one replaces the old.
      for (const key of await this.store.list(KP)) {
        const s = await this.store.get(key);
        if (s && decodeKeyPackageSecret(s)?.lastResort) await this.store.delete(key);
      }
    }
    for (const k of kps) await this.store.put(kpKey(k.ref), k.secret);
    return kps;
  }

  /** How many unused one-time key packages this device still holds (replenish when low). */
  async oneTimeKeyPackageCount(): Promise<number> {
    let n = 0;
    for (const key of await this.store.list(KP)) {
      const s = await this.store.get(key);
      if (s && decodeKeyPackageSecret(s)?.lastResort === false) n++;
    }
    return n;
  }

  /** Deletes stored key packages whose lifetime ended before `now` (ms); returns their refs. */
  async pruneExpiredKeyPackages(now: number): Promise<string[]> {
    const gone: string[] = [];
    const nowS = BigInt(Math.floor(now / 1000));
    for (const key of await this.store.list(KP)) {
      const s = await this.store.get(key);
      const d = s && decodeKeyPackageSecret(s);
      if (!d || d.publicPackage.leafNode.lifetime.notAfter < nowS) {
        await this.store.delete(key);
        gone.push(key.slice(KP.length));
      }
    }
    return gone;
  }

  /** Creates and stores the group of a new conversation, with this device as its only member. */
  async createGroup(conversationId: string): Promise<GroupSession> {
    const key = groupKey(conversationId);
    const s = await GroupSession.create(this.keys, groupIdForConversation(conversationId), this.#opts);
    await this.store.put(key, s.export());
    this.#sessions.set(key, s);
    return s;
  }

  /**
   * Joins from a Welcome with one of this device's key packages (deleted afterwards unless last-resort),
   * and stores the session under the conversation its group id names.
   *
   * `expect` is the conversation the Welcome arrived in. The group id inside the Welcome is checked
   * against it before anything is stored or deleted: a Welcome built for another conversation's group
   * (submitted where the victim is being added) must never replace that other conversation's session.
   */
  async join(welcome: Uint8Array, expect: { conversationId: string }): Promise<CryptoResult<{ conversationId: string; session: GroupSession }>> {
    const r = await GroupSession.join(welcome, (ref) => this.store.get(kpKey(ref)), this.#opts);
    if (!r.ok) return r;
    const conversationId = fromUtf8(r.value.session.groupId);
    if (conversationId === undefined || !isStateKey(GROUP + conversationId))
      return fail('mls.bad_message', 'The group id of the welcome is not a Haven conversation id.');
    if (conversationId !== expect.conversationId)
      return fail('mls.bad_message', 'The welcome is for the group of another conversation than the one it arrived in.');
    if (!r.value.lastResort) await this.store.delete(kpKey(r.value.keyPackageRef));
    await this.save(conversationId, r.value.session);
    return succeed({ conversationId, session: r.value.session });
  }

  /** The stored session of a conversation (cached after the first load); `undefined` if none. */
  async session(conversationId: string): Promise<CryptoResult<GroupSession | undefined>> {
    const key = groupKey(conversationId);
    const cached = this.#sessions.get(key);
    if (cached) return succeed(cached);
    const bytes = await this.store.get(key);
    if (!bytes) return succeed(undefined);
    const r = await GroupSession.import(bytes, this.#opts);
    if (!r.ok) return r;
    this.#sessions.set(key, r.value);
    return succeed(r.value);
  }

  /** Persists a session after any successful operation (and before sending what `encrypt` returned). */
  async save(conversationId: string, session: GroupSession): Promise<void> {
    const key = groupKey(conversationId);
    await this.store.put(key, session.export());
    this.#sessions.set(key, session);
  }

  /** Drops a conversation's session (after leaving or being removed). */
  async forget(conversationId: string): Promise<void> {
    const key = groupKey(conversationId);
    this.#sessions.delete(key);
    await this.store.delete(key);
  }
}

/**
 * State key of a key package secret: `kp.` + the first 64 hex digits (256 bits) of its ref. Refs of
 * SHA-512 suites (X-Wing) are 128 hex digits, too long for a state key with its prefix.
 */
function kpKey(ref: string): string {
  return KP + ref.slice(0, 64);
}

function groupKey(conversationId: string): string {
  const key = GROUP + conversationId;
  if (!isStateKey(key)) throw new RangeError('conversation id is not usable as a state key');
  return key;
}
