import { z } from 'zod';
import type { StateStore } from '@haven/crypto';
import { base64ToBytes, bytesToBase64 } from '../base64';

// What a device remembers about other accounts and about its conversations' devices (issue 15): each
// contact's pinned account key (trust on first use, or verified by comparing safety codes), the notices
// shown in each conversation, and when and by whom each device was added. All in the device's StateStore.

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
function dec<T>(schema: z.ZodType<T>, b: Uint8Array | undefined): T | undefined {
  if (!b) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(new TextDecoder().decode(b)));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export const Pin = z.object({
  /** base64 Ed25519 account key. */
  key: z.string(),
  firstSeen: z.string(),
  /** Set by `verify --confirm` after comparing safety codes; cleared when the key changes. */
  verified: z.boolean(),
  /** The key before the last change, when it changed (base64). */
  previousKey: z.string().optional(),
  changedAt: z.string().optional(),
  /** The contact was verified when their key changed: shown prominently until verified again. */
  changedWhileVerified: z.boolean().optional(),
});
export type Pin = z.infer<typeof Pin>;

/** A notice in one conversation: what this device saw change in its encryption, in plain words. */
export const DeviceNotice = z.object({
  id: z.string(),
  conversationId: z.string(),
  at: z.string(),
  kind: z.enum(['device_added', 'device_removed', 'joined', 'key_changed', 'ghost_refused', 'roster_mismatch']),
  text: z.string(),
  /** Shown before everything else (a refused ghost device, a verified contact's key change). */
  prominent: z.boolean(),
  subject: z.object({ accountId: z.string(), deviceId: z.string().optional() }).optional(),
  by: z.object({ accountId: z.string(), deviceId: z.string() }).optional(),
});
export type DeviceNotice = z.infer<typeof DeviceNotice>;

/** When and by whom a device entered a conversation's group, as this device saw it. */
export const LeafRecord = z.object({
  addedAt: z.string(),
  /** In words: "Ann's device “phone”", "this device", or "before this device joined, by …". */
  addedBy: z.string(),
});
export type LeafRecord = z.infer<typeof LeafRecord>;

const PIN = 'pin.';
const NOTICE = 'notice.';
const LEAF = 'leaf.';
const NAME = 'name.';
const HANDLE = 'handle.';
const REFUSED = 'refused.';

/** The device's memory of accounts, names and notices. */
export class TrustStore {
  #counter = 0;
  constructor(readonly store: StateStore) {}

  async pin(accountId: string): Promise<Pin | undefined> {
    return dec(Pin, await this.store.get(PIN + accountId));
  }
  async setPin(accountId: string, pin: Pin): Promise<void> {
    await this.store.put(PIN + accountId, enc(pin));
  }
  pinnedKey(pin: Pin): Uint8Array {
    return base64ToBytes(pin.key);
  }
  static keyText(key: Uint8Array): string {
    return bytesToBase64(key);
  }

  /** Appends a notice; the same `dedupe` id is stored once. */
  async addNotice(n: Omit<DeviceNotice, 'id'>, dedupe?: string): Promise<DeviceNotice | undefined> {
    const id = dedupe ?? `${Date.now().toString(36).padStart(9, '0')}-${(this.#counter++).toString(36).padStart(4, '0')}`;
    const key = `${NOTICE}${n.conversationId}.${id}`;
    if (dedupe && (await this.store.get(key))) return undefined;
    const notice = { ...n, id };
    await this.store.put(key, enc(notice));
    return notice;
  }
  async notices(conversationId?: string): Promise<DeviceNotice[]> {
    const out: DeviceNotice[] = [];
    for (const key of await this.store.list(conversationId ? `${NOTICE}${conversationId}.` : NOTICE)) {
      const n = dec(DeviceNotice, await this.store.get(key));
      if (n) out.push(n);
    }
    return out.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  }

  /** Notices not yet shown (prominent first), marked shown as they are returned. */
  async takeUnseen(): Promise<DeviceNotice[]> {
    const out: DeviceNotice[] = [];
    for (const n of await this.notices()) {
      const key = `seen.${n.conversationId}.${n.id}`;
      if (await this.store.get(key)) continue;
      await this.store.put(key, enc(true));
      out.push(n);
    }
    return out.sort((a, b) => Number(b.prominent) - Number(a.prominent));
  }

  async leaf(conversationId: string, deviceId: string): Promise<LeafRecord | undefined> {
    return dec(LeafRecord, await this.store.get(`${LEAF}${conversationId}.${deviceId}`));
  }
  async setLeaf(conversationId: string, deviceId: string, r: LeafRecord): Promise<void> {
    await this.store.put(`${LEAF}${conversationId}.${deviceId}`, enc(r));
  }

  async deviceName(deviceId: string): Promise<string | undefined> {
    return dec(z.string(), await this.store.get(NAME + deviceId));
  }
  async setDeviceName(deviceId: string, name: string): Promise<void> {
    await this.store.put(NAME + deviceId, enc(name));
  }
  async handle(accountId: string): Promise<string | undefined> {
    return dec(z.string(), await this.store.get(HANDLE + accountId));
  }
  async setHandle(accountId: string, handle: string): Promise<void> {
    await this.store.put(HANDLE + accountId, enc(handle));
  }

  async refused(conversationId: string, deviceId: string): Promise<boolean> {
    return (await this.store.get(`${REFUSED}${conversationId}.${deviceId}`)) !== undefined;
  }
  async setRefused(conversationId: string, deviceId: string): Promise<void> {
    await this.store.put(`${REFUSED}${conversationId}.${deviceId}`, enc(true));
  }
}
