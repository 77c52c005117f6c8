import {
  Connection,
  HavenClient,
  Messenger,
  mlsCodec,
  newClientMessageId,
  visibleCodec,
  type ConnectionState,
  type ConversationDevice,
  type DeviceNotice,
  type E2eeEngine,
  type HashListGuard,
  type IncomingVerdict,
  type NudityGuard,
} from '@haven/client';
import {
  HavenError,
  MESSAGE_REMOVED_EVENT,
  MessageRemovedData,
  REMOVED_TEXT,
  type AccountSelf,
  type AttachmentRef,
  type Contact,
  type Conversation,
  type HelpPageWire,
  type Message,
  type MessagePayload,
  type ReportReason,
  type SelfReportAccepted,
  type SessionResponse,
} from '@haven/protocol';
import { Store } from './store';
import { browserFetch } from './browser-fetch';
import { vault } from './vault';
import { loadFeatures, NO_FEATURES, type Features } from './features';
import { noticeFrom, type Notice } from './notices';

/** A message as the app shows it. */
export interface ChatMessage {
  /** Server id, or `local:<clientMessageId>` until the server confirmed it. */
  key: string;
  id: string | null;
  seq: number;
  conversationId: string;
  from: string;
  mine: boolean;
  sentAt: string;
  text: string | null;
  attachments: AttachmentRef[];
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'received';
  /** Why it cannot be shown, or why sending failed, in words. */
  problem?: string;
  mode: Conversation['mode'];
}

export interface ConversationState {
  conversation: Conversation;
  messages: ChatMessage[];
  unread: number;
  historyLoaded: boolean;
}

export interface AppState {
  phase: 'loading' | 'signed-out' | 'signed-in';
  me: AccountSelf | null;
  deviceId: string | null;
  connection: ConnectionState;
  conversations: Record<string, ConversationState>;
  contacts: Contact[];
  /** Safety notices not yet dismissed on this browser, oldest first. */
  notices: Notice[];
  help: HelpPageWire | null;
  features: Features;
  /**
   * End-to-end encryption in this browser: loading, ready, what went wrong, or `unlinked`: signed in with
   * the password alone, this browser waits to be linked from one of the account's linked devices (issue 15).
   */
  e2ee: { state: 'loading' | 'ready' | 'failed' | 'unlinked'; problem?: string };
  /** What this browser saw change in each e2ee conversation's encryption (devices added, removed, warnings). */
  deviceNotices: Record<string, DeviceNotice[]>;
}

interface Profile {
  handle: string;
  accountId: string;
  deviceId: string;
  token: string;
  expiresAt: string;
}

const PROFILE = 'profile';
const HISTORY = 100;

function describe(e: unknown): string {
  return e instanceof HavenError || e instanceof Error ? e.message : String(e);
}

/**
 * The signed-in browser: a Haven device like the CLI, with its session in IndexedDB (encrypted at rest),
 * its live connection, its end-to-end encryption (loaded lazily) and the app's state for React.
 */
export class HavenSession extends Store<AppState> {
  readonly origin: string;
  client: HavenClient;
  #messenger: Messenger | undefined;
  #conn: Connection | undefined;
  #crypto: Promise<{ engine: E2eeEngine; guard: HashListGuard; store: { clear(): Promise<void> } }> | undefined;
  /** Set by `register`: this browser is the account's first device and makes its account key. */
  #firstDevice = false;
  #profile: Profile | undefined;
  #active: string | null = null;
  #lastRead: Record<string, number> = {};
  #seenNotices = new Set<string>();
  /** Payloads this device sent, by clientMessageId: an MLS sender cannot decrypt its own messages. */
  #pending = new Map<string, MessagePayload>();
  #chains = new Map<string, Promise<unknown>>();
  #outbox: { conversationId: string; payload: MessagePayload; clientMessageId: string }[] = [];
  #flushing = false;
  #timers: ReturnType<typeof setInterval>[] = [];
  #unlisten: () => void = () => undefined;

  constructor(origin = location.origin) {
    super({
      phase: 'loading',
      me: null,
      deviceId: null,
      connection: 'idle',
      conversations: {},
      contacts: [],
      notices: [],
      help: null,
      features: NO_FEATURES,
      e2ee: { state: 'loading' },
      deviceNotices: {},
    });
    this.origin = origin;
    this.client = new HavenClient({ serverUrl: origin, fetch: browserFetch });
  }

  // Sign-up, sign-in, sign-out

  /** Resumes the session kept in this browser, if any. */
  async boot(): Promise<void> {
    void loadFeatures(this.origin).then((features) => this.set({ features }));
    const p = await vault.getJson<Profile>(PROFILE).catch(() => undefined);
    if (!p || Date.parse(p.expiresAt) <= Date.now()) return this.set({ phase: 'signed-out' });
    this.client.setToken(p.token);
    try {
      const me = await this.client.me();
      await this.#start(p, me);
    } catch (e) {
      if (e instanceof HavenError && e.code.startsWith('auth.')) {
        await this.#forgetDevice(p.deviceId);
        return this.set({ phase: 'signed-out' });
      }
      // Offline: show what we have; the connection retries.
      await this.#start(p, null);
    }
  }

  async register(handle: string, password: string, birthDate: string): Promise<void> {
    const s = await this.client.register({ handle, password, birthDate } as never);
    // The account's first device makes the account identity key (issue 15, decision 0011).
    this.#firstDevice = true;
    await this.#signedIn(s);
  }

  async signIn(handle: string, password: string): Promise<void> {
    const s = await this.client.login({ handle, password, deviceName: deviceName() });
    await this.#signedIn(s);
  }

  /** Ends the session on the server and deletes this device's keys and messages from this browser. */
  async signOut(): Promise<void> {
    const p = this.#profile;
    try {
      await this.client.logout();
    } catch {
      // Offline or already ended: the local state goes anyway.
    }
    const crypto = this.#crypto;
    this.#stop();
    // The device's state store refuses writes from here on, so encryption work still in flight cannot
    // leave a key behind after the values are deleted.
    await crypto?.then((c) => c.store.clear()).catch(() => undefined);
    if (p) await this.#forgetDevice(p.deviceId);
    this.client = new HavenClient({ serverUrl: this.origin, fetch: browserFetch });
    this.set({ phase: 'signed-out', me: null, deviceId: null, conversations: {}, contacts: [], notices: [], help: null, e2ee: { state: 'loading' }, deviceNotices: {}, connection: 'idle' });
  }

  async #signedIn(s: SessionResponse): Promise<void> {
    const p: Profile = { handle: s.account.handle, accountId: s.account.id, deviceId: s.deviceId, token: s.token, expiresAt: s.expiresAt };
    await vault.putJson(PROFILE, p);
    await this.#start(p, s.account);
  }

  async #forgetDevice(deviceId: string): Promise<void> {
    await vault.delete(PROFILE);
    for (const prefix of [`e2ee.${deviceId}.`, `sent.${deviceId}.`, `read.${deviceId}.`, `seen.${deviceId}.`]) await vault.deletePrefix(prefix);
  }

  #stop(): void {
    this.#unlisten();
    this.#conn?.close();
    this.#conn = undefined;
    this.#timers.forEach(clearInterval);
    this.#timers = [];
    this.#crypto = undefined;
    this.#messenger = undefined;
    this.#pending.clear();
    this.#outbox = [];
  }

  async #start(p: Profile, me: AccountSelf | null): Promise<void> {
    this.#profile = p;
    this.client.setToken(p.token);
    this.#lastRead = (await vault.getJson<Record<string, number>>(`read.${p.deviceId}.all`)) ?? {};
    this.#seenNotices = new Set((await vault.getJson<string[]>(`seen.${p.deviceId}.notices`)) ?? []);
    // Visible conversations need no keys; e2ee ones wait for the lazily loaded MLS engine.
    const mls = mlsCodec(() => this.crypto().then((c) => c.engine));
    this.#messenger = new Messenger(this.client, { codecs: (c) => (c.mode === 'visible' ? visibleCodec : mls) });
    this.set({ phase: 'signed-in', me, deviceId: p.deviceId, e2ee: { state: 'loading' } });
    // MLS and PDQ load after the first paint, as their own chunk; then keys are topped up and lists synced.
    void this.crypto().then(
      async ({ engine, guard }) => {
        if (this.#firstDevice) await engine.createAccountKey();
        this.#firstDevice = false;
        await guard.sync().catch(() => undefined);
        // Signed in with the password alone: a pending device until a linked one vouches for it.
        if (!engine.linked) return this.set({ e2ee: { state: 'unlinked' } });
        await this.#e2eeReady(engine);
      },
      (e: unknown) => this.set({ e2ee: { state: 'failed', problem: describe(e) } }),
    );
    if (!me) void this.client.me().then((m) => this.set({ me: m }), () => undefined);
    this.#connect(p.token);
    // The browser knows when the network is gone before a socket notices: go offline at once (sends
    // wait in the outbox), and reconnect as soon as it is back.
    const offline = () => {
      this.#conn?.close();
      this.#conn = undefined;
      this.set({ connection: 'closed' });
    };
    const online = () => {
      if (!this.#conn && this.#profile === p) this.#connect(p.token);
    };
    addEventListener('offline', offline);
    addEventListener('online', online);
    this.#unlisten = () => (removeEventListener('offline', offline), removeEventListener('online', online));
    await Promise.all([this.refreshConversations(), this.refreshContacts(), this.refreshNotices(), this.refreshHelp()]).catch(() => undefined);
    this.#timers.push(setInterval(() => void this.refreshContacts().catch(() => undefined), 10_000));
  }

  async #e2eeReady(engine: E2eeEngine): Promise<void> {
    await engine.ensureKeyPackages();
    this.set({ e2ee: { state: 'ready' } });
    void this.#flush();
    for (const c of Object.values(this.state.conversations)) if (c.conversation.mode === 'e2ee') void this.#reconcile(c.conversation.id);
  }

  // Devices (issue 15): this browser links to the account with a code shown on a linked device.

  /** On this (pending) browser: enters the code shown on a linked device; resolves once linked. */
  async acceptLink(code: string): Promise<void> {
    const { engine } = await this.crypto();
    if (engine.linked) return;
    await engine.acceptLink(code);
    await this.#e2eeReady(engine);
  }

  /** On this (linked) browser: a code for a new device, and a promise that settles when it is linked. */
  async offerLink(): Promise<{ code: string; done: Promise<{ deviceId: string }> }> {
    const { engine } = await this.crypto();
    const { code, done } = await engine.offerLink();
    // The new device goes into this account's encrypted conversations as they are used.
    void done.then(() => Object.values(this.state.conversations).forEach((c) => c.conversation.mode === 'e2ee' && void this.#reconcile(c.conversation.id)), () => undefined);
    return { code, done };
  }

  /** Removes another device of this account: signed out, and taken out of every encrypted conversation. */
  async removeDevice(deviceId: string): Promise<void> {
    await this.client.removeDevice(deviceId);
    for (const c of Object.values(this.state.conversations)) if (c.conversation.mode === 'e2ee') void this.#reconcile(c.conversation.id);
  }

  /** The safety code with a contact, to compare in person or on a call; `confirm` marks them verified. */
  async safetyCode(accountId: string, confirm = false): Promise<{ code: string; verified: boolean; changedWhileVerified?: boolean }> {
    const { engine } = await this.crypto();
    return engine.safetyCode(accountId, { confirm });
  }

  /** Every device in an e2ee conversation's encryption: whose, its name and key, when and by whom added. */
  async conversationDevices(conversationId: string): Promise<ConversationDevice[]> {
    const { engine } = await this.crypto();
    return engine.conversationDevices(conversationId);
  }

  async #refreshDeviceNotices(conversationId: string): Promise<void> {
    if (this.state.e2ee.state === 'loading' || this.state.e2ee.state === 'failed') return;
    const { engine } = await this.crypto();
    const list = await engine.notices(conversationId);
    this.set({ deviceNotices: { ...this.state.deviceNotices, [conversationId]: list } });
  }

  /** The device's MLS engine and known-image guard (the lazily loaded chunk). */
  crypto(): Promise<{ engine: E2eeEngine; guard: HashListGuard; store: { clear(): Promise<void> } }> {
    const p = this.#profile;
    if (!p) return Promise.reject(new HavenError('auth.required'));
    return (this.#crypto ??= import('./e2ee').then(async (m) => {
      const c = await m.openDeviceCrypto(this.client, { accountId: p.accountId, deviceId: p.deviceId });
      // This browser hears membership and device changes live: sends skip the catch-up while it does.
      if (this.#conn) c.engine.trackChanges(this.#conn);
      return c;
    }));
  }

  #connect(token: string): void {
    const conn = new Connection({ serverUrl: this.origin, token, history: this.client, backoff: { initialMs: 500, maxMs: 15_000 } });
    this.#conn = conn;
    void this.#crypto?.then((c) => c.engine.trackChanges(conn), () => undefined);
    conn.on('state', (s) => {
      if (this.#conn !== conn) return;
      this.set({ connection: s });
      if (s === 'ready') {
        // e2ee groups catch up before their next send: the engine forgot their standing when the connection changed.
        void this.#flush();
        void this.refreshNotices().catch(() => undefined);
      }
    });
    conn.on('message', (m) => void this.#ingest(m).catch(() => undefined));
    conn.on('conversation', (c) => {
      this.#upsert(c);
      if (c.mode === 'e2ee') void this.#reconcile(c.id);
    });
    conn.on('event', (e) => {
      // A member linked or removed a device: this browser, online, commits the change at once.
      if (e.event === 'devices.changed') {
        if (this.state.e2ee.state !== 'ready') return;
        void this.crypto()
          .then(({ engine }) => engine.devicesChanged(e.data))
          .then(() => Promise.all(Object.values(this.state.conversations).filter((c) => c.conversation.mode === 'e2ee').map((c) => this.#refreshDeviceNotices(c.conversation.id))))
          .catch(() => undefined);
        return;
      }
      // A moderator removed messages (issue 9, 3): drop the decrypted copies, show the sentence instead.
      if (e.event === MESSAGE_REMOVED_EVENT) {
        const d = MessageRemovedData.safeParse(e.data);
        if (!d.success) return;
        const ids = new Set<string>(d.data.messageIds);
        this.#patch(d.data.conversationId, (s) => ({ ...s, messages: s.messages.map((x) => (x.id && ids.has(x.id) ? { ...x, text: null, attachments: [], problem: REMOVED_TEXT } : x)) }));
        if (this.state.e2ee.state === 'ready') void this.crypto().then(({ engine }) => engine.messageRemoved(d.data)).catch(() => undefined);
        return;
      }
      void this.refreshNotices().catch(() => undefined);
    });
    conn.on('error', (e) => {
      if (e.code === 'auth.invalid_token' || e.code === 'auth.expired_token') void this.signOut();
    });
    conn.open().catch(() => {
      // The first attempt failed (offline, server restarting): try again with a fresh connection.
      if (this.#conn !== conn) return;
      setTimeout(() => this.#conn === conn && this.#connect(token), 2000);
    });
  }

  // Conversations and messages

  setActive(conversationId: string | null): void {
    this.#active = conversationId;
    if (conversationId) {
      void this.loadHistory(conversationId);
      this.markRead(conversationId);
      if (this.state.conversations[conversationId]?.conversation.mode === 'e2ee') void this.#refreshDeviceNotices(conversationId).catch(() => undefined);
    }
  }

  async refreshConversations(): Promise<void> {
    const list = await this.client.conversations();
    for (const c of list) this.#upsert(c);
    // Unread counts of what arrived while this browser was away (acknowledged by another session).
    for (const c of list) if (c.lastSeq > (this.#lastRead[c.id] ?? 0)) void this.#fetchAfter(c.id, this.#lastRead[c.id] ?? 0);
  }

  #upsert(c: Conversation): void {
    this.#messenger?.remember(c);
    const prev = this.state.conversations[c.id];
    this.set({ conversations: { ...this.state.conversations, [c.id]: prev ? { ...prev, conversation: c } : { conversation: c, messages: [], unread: 0, historyLoaded: false } } });
    // Opened before the list arrived (a reload on #/c/<id>): load it now.
    if (c.id === this.#active && !prev) void this.loadHistory(c.id);
  }

  async startDirect(handle: string): Promise<Conversation> {
    const c = await this.client.createDirect(handle);
    this.#upsert(c);
    return c;
  }

  async startGroup(title: string, handles: string[]): Promise<Conversation> {
    const c = await this.client.createGroup(title, handles);
    this.#upsert(c);
    if (c.mode === 'e2ee') void this.#reconcile(c.id);
    return c;
  }

  async addMember(conversationId: string, handle: string): Promise<void> {
    this.#upsert(await this.client.addMember(conversationId, handle));
    void this.#reconcile(conversationId);
  }

  async leave(conversationId: string): Promise<void> {
    const me = this.state.me;
    if (!me) return;
    await this.client.removeMember(conversationId, me.handle);
    const { [conversationId]: _, ...rest } = this.state.conversations;
    this.set({ conversations: rest });
  }

  async joinInvite(token: string): Promise<Conversation> {
    const c = await this.client.joinInvite(token);
    this.#upsert(c);
    return c;
  }

  async #fetchAfter(conversationId: string, after: number): Promise<void> {
    const msgs = await this.client.messages(conversationId, { after, limit: HISTORY });
    for (const m of msgs) await this.#ingest(m);
  }

  async loadHistory(conversationId: string): Promise<void> {
    const c = this.state.conversations[conversationId];
    if (!c || c.historyLoaded) return;
    this.#patch(conversationId, (s) => ({ ...s, historyLoaded: true }));
    await this.#fetchAfter(conversationId, Math.max(0, c.conversation.lastSeq - HISTORY)).catch(() => this.#patch(conversationId, (s) => ({ ...s, historyLoaded: false })));
  }

  markRead(conversationId: string): void {
    const c = this.state.conversations[conversationId];
    if (!c) return;
    const top = Math.max(c.conversation.lastSeq, ...c.messages.map((m) => m.seq));
    if (c.unread > 0) this.#patch(conversationId, (s) => ({ ...s, unread: 0 }));
    if (top > (this.#lastRead[conversationId] ?? 0) && this.#profile) {
      this.#lastRead = { ...this.#lastRead, [conversationId]: top };
      void vault.putJson(`read.${this.#profile.deviceId}.all`, this.#lastRead);
    }
  }

  #patch(conversationId: string, f: (s: ConversationState) => ConversationState): void {
    const c = this.state.conversations[conversationId];
    if (c) this.set({ conversations: { ...this.state.conversations, [conversationId]: f(c) } });
  }

  /** Messages of one conversation are read in sequence order, one at a time (MLS needs it). */
  #inOrder<T>(conversationId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#chains.get(conversationId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    this.#chains.set(conversationId, run.catch(() => undefined));
    return run;
  }

  #ingest(m: Message): Promise<void> {
    return this.#inOrder(m.conversationId, async () => {
      const p = this.#profile;
      const messenger = this.#messenger;
      if (!p || !messenger) return;
      const have = this.state.conversations[m.conversationId];
      if (have?.messages.some((x) => x.id === m.id)) return this.#conn?.ack(m.conversationId, m.seq);
      if (!have) await messenger.conversation(m.conversationId).then((c) => this.#upsert(c), () => undefined);
      const r = await messenger.read(m);
      // Only commits and welcomes change a conversation's encryption: its notices are read again after those.
      if (r.mode === 'e2ee' && r.decoded.kind === 'control') await this.#refreshDeviceNotices(m.conversationId).catch(() => undefined);
      const mine = m.senderDeviceId === p.deviceId;
      let payload = r.decoded.kind === 'payload' ? r.decoded.payload : undefined;
      if (!payload && mine && r.decoded.kind !== 'removed') payload = this.#pending.get(m.clientMessageId) ?? (await vault.getJson<MessagePayload>(`sent.${p.deviceId}.${m.id}`));
      this.#conn?.ack(m.conversationId, m.seq);
      if (r.decoded.kind === 'control') return;
      if (r.decoded.kind === 'undecodable' && !payload && r.decoded.code === 'e2ee.own_message') return;
      const fromMe = m.sender.id === p.accountId;
      const msg: ChatMessage = {
        key: m.id,
        id: m.id,
        seq: m.seq,
        conversationId: m.conversationId,
        // K6: a writer the server hides from this account reads as "Hidden member".
        from: m.senderHidden ? (m.sender.displayName ?? m.sender.handle) : m.sender.handle,
        mine: fromMe,
        sentAt: m.sentAt,
        text: payload?.text ?? null,
        attachments: payload?.attachments ?? [],
        status: fromMe ? 'sent' : 'received',
        mode: r.mode ?? 'visible',
        ...(payload ? {} : { problem: r.decoded.kind === 'removed' ? REMOVED_TEXT : r.decoded.kind === 'undecodable' ? undecodableText(r.decoded.code) : 'This message could not be read.' }),
      };
      const unread = !fromMe && this.#active !== m.conversationId && m.seq > (this.#lastRead[m.conversationId] ?? 0);
      this.#patch(m.conversationId, (s) => {
        // Replace the optimistic copy of our own send, if this is it.
        const rest = s.messages.filter((x) => x.id !== m.id && x.key !== `local:${m.clientMessageId}`);
        const messages = [...rest, msg].sort(bySeq);
        const conversation = m.seq > s.conversation.lastSeq ? { ...s.conversation, lastSeq: m.seq } : s.conversation;
        return { ...s, conversation, messages, unread: s.unread + (unread ? 1 : 0) };
      });
      if (this.#active === m.conversationId && document.visibilityState === 'visible') this.markRead(m.conversationId);
    });
  }

  /** Queues a message; it goes out now, or when the connection is back. */
  send(conversationId: string, payload: MessagePayload): void {
    const p = this.#profile;
    const c = this.state.conversations[conversationId];
    if (!p || !c) return;
    const clientMessageId = newClientMessageId();
    this.#pending.set(clientMessageId, payload);
    const msg: ChatMessage = {
      key: `local:${clientMessageId}`,
      id: null,
      seq: Number.MAX_SAFE_INTEGER,
      conversationId,
      from: this.state.me?.handle ?? p.handle,
      mine: true,
      sentAt: new Date().toISOString(),
      text: payload.text ?? null,
      attachments: payload.attachments ?? [],
      status: 'queued',
      mode: c.conversation.mode,
    };
    this.#patch(conversationId, (s) => ({ ...s, messages: [...s.messages, msg] }));
    this.#outbox.push({ conversationId, payload, clientMessageId });
    void this.#flush();
  }

  /** Sends queued messages in order; stops at the first that cannot go yet (offline), to keep the order. */
  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#outbox.length > 0 && this.#conn?.state === 'ready' && this.#profile) {
        const item = this.#outbox[0]!;
        const key = `local:${item.clientMessageId}`;
        const c = this.state.conversations[item.conversationId];
        if (!c || !this.#messenger) {
          this.#outbox.shift();
          continue;
        }
        this.#setStatus(item.conversationId, key, 'sending');
        try {
          const m = await this.#messenger.send(c.conversation, item.payload, { clientMessageId: item.clientMessageId, via: this.#conn });
          await vault.putJson(`sent.${this.#profile.deviceId}.${m.id}`, item.payload);
          this.#outbox.shift();
          this.#patch(item.conversationId, (s) => {
            if (s.messages.some((x) => x.id === m.id)) return { ...s, messages: s.messages.filter((x) => x.key !== key) };
            return { ...s, messages: s.messages.map((x) => (x.key === key ? { ...x, key: m.id, id: m.id, seq: m.seq, sentAt: m.sentAt, status: 'sent' as const } : x)).sort(bySeq) };
          });
          this.markRead(item.conversationId);
        } catch (e) {
          if (e instanceof HavenError && (e.code === 'server.unavailable' || e.code === 'mls.not_member')) {
            this.#setStatus(item.conversationId, key, 'queued', e.code === 'mls.not_member' ? e.message : undefined);
            if (e.code === 'mls.not_member') setTimeout(() => void this.#flush(), 3000);
            return;
          }
          this.#outbox.shift();
          this.#setStatus(item.conversationId, key, 'failed', describe(e));
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #setStatus(conversationId: string, key: string, status: ChatMessage['status'], problem?: string): void {
    this.#patch(conversationId, (s) => ({
      ...s,
      messages: s.messages.map((x) => {
        if (x.key !== key) return x;
        const { problem: _, ...rest } = x;
        return problem ? { ...rest, status, problem } : { ...rest, status };
      }),
    }));
  }

  /** Brings an e2ee group in line with its members (adds a new member's or a new device's keys). */
  async #reconcile(conversationId: string): Promise<void> {
    if (this.state.e2ee.state !== 'ready') return;
    try {
      await (await this.crypto()).engine.reconcile(conversationId);
      await this.#refreshDeviceNotices(conversationId);
    } catch {
      // Not in the group yet (a welcome is on its way), or offline: the next send tries again.
    }
  }

  // Attachments

  /** Uploads an image (checked first on this device in e2ee conversations) and sends it. */
  async sendImage(conversationId: string, file: File, text?: string): Promise<void> {
    const c = this.state.conversations[conversationId];
    if (!c) return;
    const { uploadGuardedAttachment } = await import('./e2ee');
    const guard = c.conversation.mode === 'e2ee' ? (await this.crypto()).guard : undefined;
    const ref = await uploadGuardedAttachment(this.client, c.conversation, { stream: file.stream(), contentType: file.type || 'application/octet-stream', name: file.name }, guard);
    this.send(conversationId, { v: 1, ...(text ? { text } : {}), attachments: [ref] });
  }

  /** The bytes of a received attachment as an object URL, after the device's check in e2ee conversations. */
  async openAttachment(msg: ChatMessage, ref: AttachmentRef): Promise<string> {
    const bytes = await this.#attachmentBytes(msg, ref);
    return URL.createObjectURL(new Blob([bytes as BlobPart], { type: ref.contentType }));
  }

  async #attachmentBytes(msg: ChatMessage, ref: AttachmentRef): Promise<Uint8Array> {
    const c = this.state.conversations[msg.conversationId];
    if (!c || !msg.id) throw new HavenError('media.not_found');
    const { openGuardedAttachment } = await import('./e2ee');
    const guard = c.conversation.mode === 'e2ee' && !msg.mine ? (await this.crypto()).guard : undefined;
    return openGuardedAttachment(this.client, c.conversation, msg.id, ref, guard);
  }

  // Nudity warnings on children's devices (issue 11 item 5; lib/nudity.ts, ui/Nudity.tsx). The check runs
  // in this page only: nothing about a classification is sent to the server.

  #nudity = new Map<string, Promise<NudityGuard>>();

  /** The on-device nudity guard for the signed-in account (its own lazily loaded chunk). */
  nudity(): Promise<NudityGuard> {
    const me = this.state.me;
    const key = me ? `${me.ageBand} ${String(me.nudityWarnings)}` : 'unknown';
    let g = this.#nudity.get(key);
    if (!g) this.#nudity.set(key, (g = import('./nudity').then((m) => m.nudityGuardFor(me))));
    return g;
  }

  /** A received image with the guard's verdict, decided before it is shown (never blurred for your own). */
  async openImageChecked(msg: ChatMessage, ref: AttachmentRef): Promise<{ url: string; verdict: IncomingVerdict }> {
    const bytes = await this.#attachmentBytes(msg, ref);
    const verdict: IncomingVerdict = msg.mine ? { blurred: false } : await (await this.nudity()).incoming(bytes);
    return { url: URL.createObjectURL(new Blob([bytes as BlobPart], { type: ref.contentType })), verdict };
  }

  // End of nudity warnings.

  // Reports

  /**
   * Reports a received message: in an e2ee conversation with its franking proof (this device's kept copy),
   * in a visible one by id (the server reads its own stored copy). A child is never refused for lack of a copy.
   */
  async report(msg: ChatMessage, reason: ReportReason, note?: string): Promise<void> {
    if (!msg.id) return;
    const opts = note ? { note } : {};
    if (msg.mode === 'e2ee') await (await this.crypto()).engine.report(msg.id, reason, opts);
    else await this.client.fileReport({ target: { kind: 'message', messageId: msg.id as never }, reason, ...opts });
  }

  // Contacts

  async refreshContacts(): Promise<void> {
    if (this.state.phase !== 'signed-in') return;
    this.set({ contacts: await this.client.contacts() });
  }
  async requestContact(handle: string): Promise<void> {
    await this.client.requestContact(handle);
    await this.refreshContacts();
  }
  async acceptContact(handle: string): Promise<void> {
    await this.client.acceptContact(handle);
    await this.refreshContacts();
  }
  async declineContact(handle: string): Promise<void> {
    await this.client.declineContact(handle);
    await this.refreshContacts();
  }
  async block(handle: string): Promise<void> {
    await this.client.block(handle);
    await this.refreshContacts();
  }
  async unblock(handle: string): Promise<void> {
    await this.client.unblock(handle);
    await this.refreshContacts();
  }

  // A picture of you, blocked everywhere (issue 11, 6; ui/SelfReport.tsx)

  /** Hashes a picture in this page (lazily loaded hashing) and sends only the hashes. */
  async selfReportImage(file: Blob): Promise<SelfReportAccepted> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const { selfReportHashes } = await import('./self-report');
    const req = await selfReportHashes(bytes, file.type);
    if (!req) throw new HavenError('request.invalid', 'We couldn’t open this picture. Try a photo saved as JPEG or PNG.');
    return this.client.selfReport(req);
  }

  selfReports(): Promise<{ id: string; createdAt: string; hashes: number }[]> {
    return this.client.selfReports();
  }

  removeSelfReport(id: string): Promise<void> {
    return this.client.removeSelfReport(id);
  }

  // Help and safety notices

  async refreshHelp(): Promise<void> {
    this.set({ help: await this.client.help() });
  }

  async refreshNotices(): Promise<void> {
    if (this.state.phase !== 'signed-in') return;
    const list = await this.client.notices();
    // Shown once per person: a notice seen on another device (the server's `seenAt`) is not shown again.
    const unseen = list
      .filter((n) => n.seenAt === null && !this.#seenNotices.has(n.id))
      .map((n) => noticeFrom(n))
      .reverse();
    this.set({ notices: unseen });
    // Dismissed here while the server could not be told: tell it now.
    const untold = list.filter((n) => n.seenAt === null && this.#seenNotices.has(n.id)).map((n) => n.id);
    if (untold.length > 0) await this.client.markNoticesSeen(untold).catch(() => undefined);
  }

  /** Dismisses a notice: shown once, on this browser and (once the server hears) on the account's other devices. */
  async dismissNotice(id: string): Promise<void> {
    this.#seenNotices.add(id);
    this.set({ notices: this.state.notices.filter((n) => n.id !== id) });
    if (this.#profile) await vault.putJson(`seen.${this.#profile.deviceId}.notices`, [...this.#seenNotices]);
    // Offline or refused: remembered on this browser and told on the next refresh.
    await this.client.markNoticesSeen([id]).catch(() => undefined);
  }
}

function bySeq(a: ChatMessage, b: ChatMessage): number {
  return a.seq - b.seq;
}

function undecodableText(code: string): string {
  switch (code) {
    case 'e2ee.not_processed':
    case 'mls.not_member':
      return 'This message was sent before this browser joined the conversation’s encryption.';
    default:
      return 'This message could not be decrypted on this browser.';
  }
}

function deviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  return `${browser} (web)`;
}
