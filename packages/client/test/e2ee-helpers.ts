import { MemoryStateStore, type StateStore } from '@haven/crypto';
import type { Conversation, Message } from '@haven/protocol';
import { E2eeEngine, HavenClient, Messenger, e2eeCodecs, type ReceivedMessage } from '../src/index.node';
import { PASSWORD, handle } from './helpers';

/** Suite 1 keeps tests fast; the default (X-Wing) suite has its own test and the CLI checks. */
export const FAST_SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;

export interface E2eeUser {
  client: HavenClient;
  handle: string;
  accountId: string;
  deviceId: string;
  engine: E2eeEngine;
  messenger: Messenger;
  store: StateStore;
}

async function withEngine(client: HavenClient, handle: string, accountId: string, deviceId: string, first: boolean): Promise<E2eeUser> {
  const store = new MemoryStateStore();
  const engine = await E2eeEngine.open(client, store, { accountId: accountId as never, deviceId: deviceId as never }, { keyPackageBatch: 5, lowWater: 2 });
  // Registration makes the account key on the first device; later devices are linked (see secondDevice).
  if (first) await engine.createAccountKey();
  await engine.ensureKeyPackages();
  return { client, handle, accountId, deviceId, engine, store, messenger: new Messenger(client, { codecs: e2eeCodecs(engine) }) };
}

/** Registers an account (an adult unless `birthDate` says otherwise) with an e2ee engine (memory store) and uploads its key packages. */
export async function e2eeUser(url: string, base: string, birthDate = '1990-01-01'): Promise<E2eeUser> {
  const client = new HavenClient({ serverUrl: url });
  const s = await client.register({ handle: handle(base) as never, password: PASSWORD, birthDate });
  return withEngine(client, s.account.handle, s.account.id, s.deviceId, true);
}

/** Signs the same account in on a new device with the password only: pending (not linked), its own engine. */
export async function pendingDevice(url: string, u: E2eeUser, deviceName?: string): Promise<E2eeUser> {
  const client = new HavenClient({ serverUrl: url });
  const s = await client.login({ handle: u.handle, password: PASSWORD, deviceName });
  return withEngine(client, u.handle, s.account.id, s.deviceId, false);
}

/** Signs the same account in on a new device and links it from `u`'s device (code shown there, entered here). */
export async function secondDevice(url: string, u: E2eeUser, deviceName?: string): Promise<E2eeUser> {
  const d = await pendingDevice(url, u, deviceName);
  const { code, done } = await u.engine.offerLink({ pollMs: 20 });
  await d.engine.acceptLink(code, { pollMs: 20 });
  await done;
  return d;
}

/** Everything in the conversation this device has not read yet, decoded, payloads only. */
export async function readAll(u: E2eeUser, conversation: Conversation, after = 0): Promise<ReceivedMessage[]> {
  u.messenger.remember(conversation);
  const out: ReceivedMessage[] = [];
  const msgs: Message[] = await u.client.messages(conversation.id, { after, limit: 500 });
  for (const m of msgs) {
    if (m.senderDeviceId === u.deviceId) continue;
    const r = await u.messenger.read(m);
    if (r.decoded.kind !== 'control') out.push(r);
  }
  return out;
}
