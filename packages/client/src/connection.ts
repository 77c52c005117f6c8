import {
  ClientFrame,
  HavenError,
  ServerFrame,
  WS_PATH,
  assertNever,
  type AccountId,
  type Conversation,
  type DeviceId,
  type Message,
} from '@haven/protocol';
import { Emitter } from './emitter';
import { errorFromResponse, unreachable } from './errors';
import { newClientMessageId } from './ids';
import { ServerUrls, backoffMs, serverUrlsOf } from './server-urls';

/** The part of the WebSocket API Haven uses; browsers' WebSocket and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

export type ConnectionState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'closed';

export interface ConnectionEvents extends Record<string, unknown> {
  ready: { accountId: AccountId; deviceId: DeviceId };
  /** A delivered message (the backlog first, then live ones); the same id is never emitted twice. */
  message: Message;
  /** Everything queued for this device before the connection opened has been delivered. */
  synced: undefined;
  conversation: Conversation;
  /** A safety event for this account (e.g. `media.blocked`), with its data. */
  event: { event: string; data: unknown };
  /** An error the server reported that no `send` was waiting for, or a lost connection. */
  error: HavenError;
  state: ConnectionState;
}

/** Where a connection fetches messages it missed live (a HavenClient fits). */
export interface MessageHistory {
  messages(conversationId: string, opts: { after?: number; limit?: number }): Promise<Message[]>;
}

export interface ConnectionOptions {
  /** One node's address; or `serverUrls`. */
  serverUrl?: string;
  /**
   * Several nodes of one deployment: the connection uses the first that answers, keeps it while it works,
   * and moves to the next when it cannot connect (refused, reset, 502/503, `server.unavailable`).
   */
  serverUrls?: readonly string[];
  token: string;
  /**
   * Fills gaps in live delivery: when a conversation's next message skips sequence numbers this device
   * has not seen, the missing ones are fetched from here and emitted first, in order. Without it, gaps
   * stay until the next connect's backlog.
   */
  history?: MessageHistory;
  /** A connect attempt that has not reached `ready` by then is abandoned (next address). Default 15 s. */
  connectTimeoutMs?: number;
  /** Makes the socket; defaults to globalThis.WebSocket (Node: use `@haven/client/node`). */
  webSocket?: WebSocketFactory;
  /** Reconnect after a lost connection (never after an authentication failure). Default true. */
  reconnect?: boolean;
  /** Exponential backoff with full jitter between reconnects. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Interval of keep-alive pings; a connection without a pong for two intervals is dropped. Default 25 s. */
  pingIntervalMs?: number;
  /** For jitter; default Math.random. */
  random?: () => number;
}

interface PendingSend {
  frame: Extract<ClientFrame, { type: 'send' }>;
  resolve: (m: Message) => void;
  reject: (e: HavenError) => void;
  /** Resends after the server answered `server.unavailable` (its database away, say). */
  retries: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** A conversation whose live messages wait while the ones missed before them are fetched. */
interface CatchUp {
  held: Message[];
}

const OPEN = 1;
const SEEN_LIMIT = 10_000;
/** How long acks gather before they are written (one frame per conversation). */
const ACK_DELAY_MS = 20;

/**
 * One device's live connection: `hello` → `ready` → backlog `message`s → `synced`, then live messages.
 * Sends carry a clientMessageId and are re-sent after a reconnect, or after the server answered
 * `server.unavailable`, until the server confirms them (the server makes resends idempotent). Reconnects
 * with backoff unless closed or the token is refused; with several addresses, moves to the next node when
 * one cannot be reached. With `history`, a gap in a conversation's sequence numbers is filled before
 * later messages are emitted, so an app that acknowledges what it was given never skips a message.
 *
 * @example
 * const conn = new Connection({ serverUrls: [nodeA, nodeB], token, webSocket: nodeWebSocket, history: client });
 * conn.on('message', (m) => conn.ack(m.conversationId, m.seq));
 * await conn.open();
 * await conn.send(conversationId, body, PAYLOAD_CONTENT_TYPE);
 */
export class Connection extends Emitter<ConnectionEvents> {
  readonly #urls: ServerUrls;
  readonly #token: string;
  readonly #history: MessageHistory | undefined;
  readonly #connectTimeoutMs: number;
  readonly #factory: WebSocketFactory;
  readonly #reconnect: boolean;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #pingMs: number;
  readonly #random: () => number;

  #ws: WebSocketLike | undefined;
  #state: ConnectionState = 'idle';
  #attempt = 0;
  /** Addresses tried since the last `ready` without reaching it. */
  #failedInRound = 0;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #everReady = false;
  #deviceId: string | undefined;
  /** Per conversation: the highest seq emitted (or fetched) here; the next one is expected right after it. */
  readonly #high = new Map<string, number>();
  /** Per conversation: seqs of this device's own messages above `#high` (they come as `sent`, never as `message`). */
  readonly #own = new Map<string, Set<number>>();
  readonly #catchUps = new Map<string, CatchUp>();
  #syncedHeld = false;
  #syncedSinceReady = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #lastPong = 0;
  #pingRef = 0;
  readonly #pongWaiters = new Map<string, () => void>();
  readonly #pending = new Map<string, PendingSend>();
  readonly #unsentAcks = new Map<string, number>();
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** The latest ack written per conversation, written again if the server drops frames for rate. */
  readonly #writtenAcks = new Map<string, number>();
  #rateTimer: ReturnType<typeof setTimeout> | undefined;
  #rateRetries = 0;
  readonly #seen = new Set<string>();
  #opened: { resolve: () => void; reject: (e: HavenError) => void } | undefined;

  constructor(opts: ConnectionOptions) {
    super();
    this.#urls = new ServerUrls(serverUrlsOf(opts));
    this.#token = opts.token;
    this.#history = opts.history;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
    this.#factory = opts.webSocket ?? defaultWebSocket();
    this.#reconnect = opts.reconnect ?? true;
    this.#initialMs = opts.backoff?.initialMs ?? 250;
    this.#maxMs = opts.backoff?.maxMs ?? 30_000;
    this.#pingMs = opts.pingIntervalMs ?? 25_000;
    this.#random = opts.random ?? Math.random;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The node this connection uses (or tries) now. */
  get serverUrl(): string {
    return this.#urls.current;
  }

  /**
   * Connects and resolves once the server said `ready`. Rejects when the first attempt fails (server
   * unreachable, token refused); after a first success, lost connections are retried in the background.
   */
  open(): Promise<void> {
    if (this.#state !== 'idle') throw new Error('Connection.open() called twice');
    return new Promise<void>((resolve, reject) => {
      this.#opened = { resolve, reject };
      this.#connect();
    });
  }

  /** Resolves when the backlog queued before this connection has been delivered (`synced`). */
  synced(): Promise<void> {
    if (this.#syncedSinceReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const offs = [
        this.once('synced', () => (offs.forEach((f) => f()), resolve())),
        this.on('state', (s) => {
          if (s === 'closed') (offs.forEach((f) => f()), reject(new HavenError('server.unavailable', 'The connection closed before the backlog was delivered.')));
        }),
      ];
    });
  }

  /**
   * Sends a message; resolves with the stored message when the server confirms it. Survives reconnects:
   * it is re-sent with the same clientMessageId until confirmed, or rejected by the server.
   */
  send(conversationId: string, body: string, contentType?: string, clientMessageId = newClientMessageId()): Promise<Message> {
    if (this.#state === 'closed') return Promise.reject(new HavenError('server.unavailable', 'The connection is closed.'));
    const frame = ClientFrame.parse({
      type: 'send',
      conversationId,
      clientMessageId,
      body,
      ...(contentType ? { contentType } : {}),
    }) as PendingSend['frame'];
    return new Promise<Message>((resolve, reject) => {
      this.#pending.set(clientMessageId, { frame, resolve, reject, retries: 0 });
      if (this.#state === 'ready') this.#write(frame);
    });
  }

  /**
   * Acknowledges every message of the conversation up to `seq`; remembered and sent again after a reconnect
   * if needed. Acks are written together, at most one per conversation every ACK_DELAY_MS (and before a
   * ping or a close): a device reading a backlog of hundreds acknowledged each message in its own frame,
   * which ran into the server's frame rate and got the connection closed mid-backlog.
   */
  ack(conversationId: string, seq: number): void {
    if (seq > (this.#unsentAcks.get(conversationId) ?? -1)) this.#unsentAcks.set(conversationId, seq);
    if (this.#state === 'ready' && !this.#ackTimer) this.#ackTimer = setTimeout(() => this.#flushAcks(), ACK_DELAY_MS);
  }

  /** Writes the acks not yet written, one frame per conversation (when connected; else the next `ready` does). */
  #flushAcks(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    if (this.#state !== 'ready') return;
    for (const [conversationId, seq] of this.#unsentAcks) {
      if (!this.#write({ type: 'ack', conversationId: conversationId as never, seq })) return;
      this.#unsentAcks.delete(conversationId);
      if (seq > (this.#writtenAcks.get(conversationId) ?? -1)) this.#writtenAcks.set(conversationId, seq);
    }
  }

  /**
   * Round trip to the server. The server handles one connection's frames in order, so when the pong
   * arrives, every ack and send written before the ping has been processed.
   */
  ping(timeoutMs = 10_000): Promise<void> {
    this.#flushAcks();
    const ref = `p${++this.#pingRef}`;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pongWaiters.delete(ref);
        reject(new HavenError('server.unavailable', 'The server did not answer a ping in time.'));
      }, timeoutMs);
      this.#pongWaiters.set(ref, () => (clearTimeout(timer), resolve()));
      if (!this.#write({ type: 'ping', ref })) {
        clearTimeout(timer);
        this.#pongWaiters.delete(ref);
        reject(new HavenError('server.unavailable', 'Not connected.'));
      }
    });
  }

  /** Closes for good: no reconnect; unconfirmed sends are rejected. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#flushAcks(); // written before the close frame, so the server stores them
    this.#setState('closed');
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#connectTimer);
    clearInterval(this.#pingTimer);
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null;
      try {
        ws.close(1000, 'bye');
      } catch {
        // already closing
      }
    }
    const err = new HavenError('server.unavailable', 'The connection was closed before the server confirmed the message.');
    for (const p of this.#pending.values()) (clearTimeout(p.timer), p.reject(err));
    this.#pending.clear();
    clearTimeout(this.#rateTimer);
    this.#rateTimer = undefined;
    this.#catchUps.clear();
    this.#opened?.reject(new HavenError('server.unavailable', 'The connection was closed.'));
    this.#opened = undefined;
  }

  #connect(): void {
    this.#setState(this.#everReady ? 'reconnecting' : 'connecting');
    this.#syncedSinceReady = false;
    this.#syncedHeld = false;
    const serverUrl = this.#urls.current;
    let ws: WebSocketLike;
    try {
      ws = this.#factory(`${serverUrl.replace(/^http/, 'ws')}${WS_PATH}`);
    } catch (e) {
      this.#lost(unreachable(serverUrl, e), serverUrl, false);
      return;
    }
    this.#ws = ws;
    let failure: HavenError | undefined;
    let reachedReady = false;
    // A node that accepts the connection but never says `ready` (stopped, overloaded) counts as unreachable.
    clearTimeout(this.#connectTimer);
    this.#connectTimer = setTimeout(() => {
      if (this.#ws !== ws || reachedReady) return;
      failure ??= new HavenError('server.unavailable', `${serverUrl} did not answer in ${this.#connectTimeoutMs / 1000} s.`);
      try {
        ws.close(4000, 'connect timeout');
      } catch {
        // not open yet
      }
      ws.onclose?.({ code: 4000, reason: 'connect timeout' });
    }, this.#connectTimeoutMs);
    ws.onopen = () => {
      this.#write({ type: 'hello', token: this.#token });
    };
    ws.onmessage = (ev) => {
      const frame = parseFrame(ev.data);
      if (frame?.type === 'ready') (reachedReady = true, clearTimeout(this.#connectTimer));
      if (frame) this.#onFrame(frame, (e) => (failure = e));
    };
    ws.onerror = (ev) => {
      failure ??= unreachable(serverUrl, (ev as { error?: unknown }).error ?? ev);
    };
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      clearTimeout(this.#connectTimer);
      clearInterval(this.#pingTimer);
      // 4401: the server ended this session (logout, expiry); retrying with the same token is pointless.
      const fallback =
        ev.code === 4401
          ? new HavenError('auth.invalid_token', 'The server ended this session; sign in again.')
          : new HavenError('server.unavailable', `The connection to ${serverUrl} was lost (${ev.code}${ev.reason ? `: ${ev.reason}` : ''}).`);
      this.#lost(failure ?? fallback, serverUrl, reachedReady);
    };
  }

  #onFrame(frame: ServerFrame, setFailure: (e: HavenError) => void): void {
    switch (frame.type) {
      case 'ready':
        this.#attempt = 0;
        this.#failedInRound = 0;
        this.#everReady = true;
        this.#deviceId = frame.deviceId;
        this.#lastPong = Date.now();
        this.#startPings();
        this.#setState('ready');
        this.emit('ready', { accountId: frame.accountId, deviceId: frame.deviceId });
        this.#flushAcks();
        for (const p of this.#pending.values()) (clearTimeout(p.timer), this.#write(p.frame));
        this.#opened?.resolve();
        this.#opened = undefined;
        return;
      case 'synced':
        // Messages held for a catch-up belong to the backlog: `synced` waits for them.
        if (this.#catchUps.size > 0) this.#syncedHeld = true;
        else this.#emitSynced();
        return;
      case 'message':
        this.#receive(frame.message);
        return;
      case 'sent': {
        const p = this.#pending.get(frame.clientMessageId);
        this.#pending.delete(frame.clientMessageId);
        clearTimeout(p?.timer);
        this.#remember(frame.message.id);
        this.#ownSeq(frame.message.conversationId, frame.message.seq);
        this.#rateRetries = 0;
        p?.resolve(frame.message);
        return;
      }
      case 'conversation':
        this.emit('conversation', frame.conversation);
        return;
      case 'event':
        this.emit('event', { event: frame.event, data: frame.data });
        return;
      case 'pong':
        this.#lastPong = Date.now();
        if (frame.ref) {
          this.#pongWaiters.get(frame.ref)?.();
          this.#pongWaiters.delete(frame.ref);
        }
        return;
      case 'error': {
        const err = errorFromResponse(400, { error: frame.error });
        const p = frame.ref ? this.#pending.get(frame.ref) : undefined;
        if (p && frame.ref && err.code === 'server.unavailable') {
          // Not a refusal: the server could not store it now. Sent again after a backoff (same clientMessageId).
          clearTimeout(p.timer);
          p.timer = setTimeout(() => this.#pending.get(p.frame.clientMessageId) === p && this.#write(p.frame), backoffMs(p.retries++, this.#initialMs, this.#maxMs, this.#random));
        } else if (p && frame.ref) {
          this.#pending.delete(frame.ref);
          p.reject(err);
        } else if (err.code === 'connection.rate_limited') {
          this.#rewriteAfterRateLimit();
        } else if (err.code.startsWith('auth.') || this.#state !== 'ready') {
          setFailure(err);
        } else {
          this.emit('error', err);
        }
        return;
      }
      default:
        return assertNever(frame, 'server frame');
    }
  }

  /**
   * A connection ended (`wasReady`: after `ready`) or an attempt failed. A failed attempt moves to the next
   * address at once until each has been tried; then the first connect gives up, a reconnect backs off.
   */
  #lost(err: HavenError, serverUrl: string, wasReady: boolean): void {
    if (this.#state === 'closed') return;
    const fatal = err.code.startsWith('auth.') || err.code === 'account.suspended';
    if (!wasReady && !fatal && (this.#reconnect || !this.#everReady)) {
      this.#urls.failed(serverUrl);
      if (++this.#failedInRound < this.#urls.all.length) {
        this.emit('error', err);
        this.#retryTimer = setTimeout(() => this.#connect(), 0);
        return;
      }
      this.#failedInRound = 0;
    }
    if (!this.#everReady || fatal || !this.#reconnect) {
      // First attempt failed, or the token is refused: report it rather than retry forever.
      const opened = this.#opened;
      this.#opened = undefined;
      if (!opened) this.emit('error', err);
      this.close();
      opened?.reject(err);
      return;
    }
    this.emit('error', err);
    this.#setState('reconnecting');
    this.#retryTimer = setTimeout(() => this.#connect(), backoffMs(this.#attempt++, this.#initialMs, this.#maxMs, this.#random));
  }

  /** A delivered message: emitted unless seen, held while its conversation catches up, or the start of a catch-up. */
  #receive(m: Message): void {
    if (this.#seen.has(m.id)) return;
    const catchUp = this.#catchUps.get(m.conversationId);
    if (catchUp) {
      catchUp.held.push(m);
      return;
    }
    if (this.#history && this.#missesBefore(m)) {
      this.#catchUps.set(m.conversationId, { held: [m] });
      void this.#catchUp(m.conversationId);
      return;
    }
    this.#emitMessage(m);
  }

  /** Whether seqs between the last one seen in m's conversation and m are missing (not this device's own). */
  #missesBefore(m: Message): boolean {
    const high = this.#high.get(m.conversationId);
    if (high === undefined || m.seq <= high + 1) return false;
    const own = this.#own.get(m.conversationId);
    for (let seq = high + 1; seq < m.seq; seq++) if (!own?.has(seq)) return true;
    return false;
  }

  #emitMessage(m: Message): void {
    if (this.#seen.has(m.id)) return;
    this.#remember(m.id);
    this.#advance(m.conversationId, m.seq);
    this.emit('message', m);
  }

  #advance(conversationId: string, seq: number): void {
    if (seq <= (this.#high.get(conversationId) ?? 0)) return;
    this.#high.set(conversationId, seq);
    const own = this.#own.get(conversationId);
    if (own) for (const s of own) if (s <= seq) own.delete(s);
  }

  #ownSeq(conversationId: string, seq: number): void {
    const high = this.#high.get(conversationId);
    if (high === undefined) return;
    if (seq === high + 1) return this.#advance(conversationId, seq);
    if (seq > high) {
      let own = this.#own.get(conversationId);
      if (!own) this.#own.set(conversationId, (own = new Set()));
      own.add(seq);
    }
  }

  /**
   * Fetches what the conversation missed before its held messages and emits everything in seq order.
   * An outage is retried with backoff (nothing after the gap is emitted meanwhile, so nothing is
   * acknowledged past it); a refusal (the conversation left since) emits what is held and gives up the gap.
   */
  async #catchUp(conversationId: string): Promise<void> {
    const history = this.#history!;
    for (let attempt = 0; ; ) {
      const catchUp = this.#catchUps.get(conversationId);
      if (!catchUp || this.#state === 'closed') return;
      if (catchUp.held.length === 0) break;
      const held = catchUp.held.splice(0).sort((a, b) => a.seq - b.seq);
      const upTo = held.at(-1)!.seq;
      const found = new Map<number, Message>();
      try {
        let after = this.#high.get(conversationId) ?? 0;
        while (after < upTo) {
          const page = await history.messages(conversationId, { after, limit: 500 });
          for (const x of page) if (x.seq <= upTo) found.set(x.seq, x);
          if (page.length < 500) break;
          after = page.at(-1)!.seq;
        }
      } catch (e) {
        if (e instanceof HavenError && (e.code.startsWith('server.') || e.code === 'request.rate_limited')) {
          catchUp.held.unshift(...held);
          await new Promise((r) => setTimeout(r, backoffMs(attempt++, this.#initialMs, this.#maxMs, this.#random)));
          continue;
        }
        this.emit('error', e instanceof HavenError ? e : new HavenError('server.internal', String(e)));
      }
      for (const x of held) found.set(x.seq, x);
      for (const x of [...found.values()].sort((a, b) => a.seq - b.seq)) {
        if (x.senderDeviceId === this.#deviceId) this.#remember(x.id), this.#advance(conversationId, x.seq);
        else this.#emitMessage(x);
      }
    }
    this.#catchUps.delete(conversationId);
    if (this.#syncedHeld && this.#catchUps.size === 0) this.#emitSynced();
  }

  #emitSynced(): void {
    this.#syncedHeld = false;
    this.#syncedSinceReady = true;
    this.emit('synced', undefined);
  }

  #startPings(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => {
      if (Date.now() - this.#lastPong > 2 * this.#pingMs) {
        // Silent connection: drop it; onclose schedules the reconnect.
        this.#ws?.close(4000, 'ping timeout');
        return;
      }
      this.#write({ type: 'ping' });
    }, this.#pingMs);
    (this.#pingTimer as { unref?: () => void }).unref?.();
  }

  /**
   * The server dropped a frame unread because this connection sent too many too fast; it cannot say which
   * (it does not parse what it refuses). After a backoff every unconfirmed send and the latest ack of each
   * conversation are written again: sends are idempotent by clientMessageId, acks only move forward. Without
   * this a send refused for rate would wait for its answer for ever.
   */
  #rewriteAfterRateLimit(): void {
    if (this.#rateTimer) return;
    this.#rateTimer = setTimeout(
      () => {
        this.#rateTimer = undefined;
        if (this.#state !== 'ready') return; // a reconnect writes everything again anyway
        for (const [conversationId, seq] of this.#writtenAcks) this.#write({ type: 'ack', conversationId: conversationId as never, seq });
        for (const p of this.#pending.values()) this.#write(p.frame);
      },
      backoffMs(this.#rateRetries++, Math.max(1000, this.#initialMs), this.#maxMs, this.#random),
    );
  }

  #write(frame: ClientFrame): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  #remember(id: string): void {
    this.#seen.add(id);
    if (this.#seen.size > SEEN_LIMIT) this.#seen.delete(this.#seen.values().next().value as string);
  }

  #setState(s: ConnectionState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.emit('state', s);
  }
}

function parseFrame(data: unknown): ServerFrame | undefined {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) text = new TextDecoder().decode(data as ArrayBuffer);
  else return undefined;
  try {
    const r = ServerFrame.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

function defaultWebSocket(): WebSocketFactory {
  const WS = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (!WS) {
    return () => {
      throw new Error('no WebSocket in this runtime: pass `webSocket` (in Node, import from @haven/client/node)');
    };
  }
  return (url) => new WS(url);
}

