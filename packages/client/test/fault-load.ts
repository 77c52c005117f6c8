import { expect } from 'vitest';
import type { Conversation, HavenError, Message } from '@haven/protocol';
import { waitFor } from '../../../testing/private-services';
import { Connection, HavenClient, Messenger, nodeWebSocket } from '../src/index.node';
import { PASSWORD, handle } from './helpers';

// Fault tests: users that chat through the SDK under steady load while a node, the database or NATS
// fails, and the check that each user saw every message exactly once. What counts is what the
// application sees: the Connection's `message` events, after the SDK's own deduplication.

export interface LoadUser {
  name: string;
  client: HavenClient;
  messenger: Messenger;
  conn: Connection;
  accountId: string;
  deviceId: string;
  handle: string;
  conversations: Conversation[];
  /** Every `message` event, in order. */
  received: Message[];
  /** Errors the connection reported that no send was waiting for (a 500 would show here). */
  errors: HavenError[];
}

/** Registers `n` users; user i talks to the nodes in `urlsFor(i)` order (its first is where it starts). */
export async function makeUsers(n: number, urlsFor: (i: number) => string[], prefix: string): Promise<LoadUser[]> {
  const users: LoadUser[] = [];
  for (let i = 0; i < n; i++) {
    const urls = urlsFor(i);
    const client = new HavenClient({ serverUrls: urls, failover: { rounds: 5, initialMs: 100, maxMs: 1000 } });
    const s = await client.register({ handle: handle(`${prefix}${i}`) as never, password: PASSWORD, birthDate: '1990-01-01' });
    // Pings wait behind queued sends on a loaded machine: no keep-alive drop in these tests.
    const conn = new Connection({ serverUrls: urls, token: s.token, webSocket: nodeWebSocket, history: client, backoff: { initialMs: 100, maxMs: 1000 }, pingIntervalMs: 600_000 });
    const u: LoadUser = {
      name: `${prefix}${i}`,
      client,
      messenger: new Messenger(client, { retries: 8 }),
      conn,
      accountId: s.account.id,
      deviceId: s.deviceId,
      handle: s.account.handle,
      conversations: [],
      received: [],
      errors: [],
    };
    conn.on('message', (m) => {
      u.received.push(m);
      conn.ack(m.conversationId, m.seq);
    });
    conn.on('error', (e) => u.errors.push(e));
    users.push(u);
  }
  await Promise.all(users.map((u) => u.conn.open()));
  return users;
}

/** A direct conversation per pair and a group per triple; each user remembers its conversations. */
export async function converse(pairs: [LoadUser, LoadUser][], groups: LoadUser[][]): Promise<void> {
  for (const [x, y] of pairs) {
    const c = await x.messenger.directWith(y.handle);
    x.conversations.push(c);
    y.conversations.push(c);
    y.messenger.remember(c);
  }
  for (const [owner, ...rest] of groups) {
    const c = await owner!.client.createGroup(`group of ${owner!.name}`, rest.map((r) => r.handle));
    for (const u of [owner!, ...rest]) (u.conversations.push(c), u.messenger.remember(c));
  }
}

export interface Load {
  /** Messages the server confirmed so far. */
  confirmed(): number;
  /** Stops sending and waits for every send to be confirmed; rejects with the first failed send. */
  stop(): Promise<void>;
  /** Texts sent per conversation id. */
  intended: Map<string, string[]>;
  /** Sends `count` texts from `u` at once, beside the steady load; returns how many are unconfirmed now. */
  burst(u: LoadUser, count: number): number;
}

/**
 * Each user sends a text every `everyMs` over its connection (round robin over its conversations), with at
 * most `inFlight` unconfirmed; texts are `<user>#<n>`, unique, so each can be counted.
 */
export function startLoad(users: LoadUser[], everyMs = 60, inFlight = 4): Load {
  const intended = new Map<string, string[]>();
  const pending = new Set<Promise<unknown>>();
  const failures: unknown[] = [];
  let confirmed = 0;
  let running = true;
  const counters = new Map<LoadUser, number>();
  const open = new Map<LoadUser, number>();
  const sendOne = (u: LoadUser): void => {
    const n = counters.get(u) ?? 0;
    counters.set(u, n + 1);
    const c = u.conversations[n % u.conversations.length]!;
    const text = `${u.name}#${n}`;
    intended.set(c.id, [...(intended.get(c.id) ?? []), text]);
    open.set(u, (open.get(u) ?? 0) + 1);
    const p = u.messenger
      .sendText(c, text, { via: u.conn })
      .then(() => confirmed++)
      .catch((e: unknown) => failures.push(e))
      .finally(() => (open.set(u, open.get(u)! - 1), pending.delete(p)));
    pending.add(p);
  };
  const timers = users.map((u, ui) =>
    setInterval(() => {
      if (running && (open.get(u) ?? 0) < inFlight) sendOne(u);
    }, everyMs + ui),
  );
  return {
    intended,
    confirmed: () => confirmed,
    burst(u, count) {
      for (let i = 0; i < count; i++) sendOne(u);
      return open.get(u) ?? 0;
    },
    async stop() {
      running = false;
      timers.forEach(clearInterval);
      await waitFor(() => pending.size === 0, 60_000, 'every send to be confirmed');
      expect(failures).toEqual([]);
    },
  };
}

const textOf = (m: Message): string => (JSON.parse(Buffer.from(m.body, 'base64').toString('utf8')) as { text: string }).text;

/** Every message of a conversation, from a node's history. */
async function history(client: HavenClient, conversationId: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const page = await client.messages(conversationId, { after: all.at(-1)?.seq ?? 0, limit: 500 });
    all.push(...page);
    if (page.length < 500) return all;
  }
}

/**
 * 0 lost, 0 duplicated: every text sent is stored once; every user has been given every message of its
 * conversations that another device sent, once (by id and by text), and nothing else.
 */
export async function expectExactlyOnce(users: LoadUser[], load: Load): Promise<{ messages: number; deliveries: number }> {
  const stored = new Map<string, Message[]>();
  let messages = 0;
  for (const [conversationId, texts] of load.intended) {
    const member = users.find((u) => u.conversations.some((c) => c.id === conversationId))!;
    const h = await history(member.client, conversationId);
    stored.set(conversationId, h);
    expect(h.map(textOf).sort(), `conversation ${conversationId}: what was stored`).toEqual([...texts].sort());
    messages += h.length;
  }
  const expectedFor = (u: LoadUser) =>
    u.conversations.flatMap((c) => (stored.get(c.id) ?? []).filter((m) => m.senderDeviceId !== u.deviceId).map((m) => m.id));
  // Delivery may still be finishing (a catch-up, a reconnect's backlog): wait for it, then compare exactly.
  await waitFor(() => users.every((u) => new Set(u.received.map((m) => m.id)).size >= expectedFor(u).length), 60_000, 'every user to get every message').catch(() => undefined);
  let deliveries = 0;
  for (const u of users) {
    const ids = u.received.map((m) => m.id);
    expect(ids.length - new Set(ids).size, `${u.name}: messages given twice`).toBe(0);
    const texts = u.received.map(textOf);
    expect(texts.length - new Set(texts).size, `${u.name}: texts given twice`).toBe(0);
    expect([...ids].sort(), `${u.name}: messages given`).toEqual(expectedFor(u).sort());
    expect(u.errors.filter((e) => e.code === 'server.internal'), `${u.name}: 500s`).toEqual([]);
    deliveries += ids.length;
  }
  return { messages, deliveries };
}
