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
import { normaliseServerUrl } from './http-client';
import { newClientMessageId } from './ids';

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

export interface ConnectionOptions {
  serverUrl: string;
  token: string;
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
}

const OPEN = 1;
const SEEN_LIMIT = 10_000;

/**
 * One device's live connection: `hello` → `ready` → backlog `message`s → `synced`, then live messages.
 * Sends carry a clientMessageId and are re-sent after a reconnect until the server confirms them (the
 * server makes resends idempotent). Reconnects with backoff unless closed or the token is refused.
 *
 * @example
 * const conn = new Connection({ serverUrl, token, webSocket: nodeWebSocket });
 * conn.on('message', (m) => conn.ack(m.conversationId, m.seq));
 * await conn.open();
 * await conn.send(conversationId, body, PAYLOAD_CONTENT_TYPE);
 */
export class Connection extends Emitter<ConnectionEvents> {
  readonly #url: string;
  readonly #serverUrl: string;
  readonly #token: string;
  readonly #factory: WebSocketFactory;
  readonly #reconnect: boolean;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #pingMs: number;
  readonly #random: () => number;

  #ws: WebSocketLike | undefined;
  #state: ConnectionState = 'idle';
  #attempt = 0;
  #everReady = false;
  #syncedSinceReady = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #lastPong = 0;
  #pingRef = 0;
  readonly #pongWaiters = new Map<string, () => void>();
  readonly #pending = new Map<string, PendingSend>();
  readonly #unsentAcks = new Map<string, number>();
  readonly #seen = new Set<string>();
  #opened: { resolve: () => void; reject: (e: HavenError) => void } | undefined;

  constructor(opts: ConnectionOptions) {
    super();
    this.#serverUrl = normaliseServerUrl(opts.serverUrl);
    this.#url = `${this.#serverUrl.replace(/^http/, 'ws')}${WS_PATH}`;
    this.#token = opts.token;
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
      this.#pending.set(clientMessageId, { frame, resolve, reject });
      if (this.#state === 'ready') this.#write(frame);
    });
  }

  /** Acknowledges every message of the conversation up to `seq`; remembered and sent again after a reconnect if needed. */
  ack(conversationId: string, seq: number): void {
    const prev = this.#unsentAcks.get(conversationId) ?? -1;
    if (this.#state === 'ready' && this.#write({ type: 'ack', conversationId: conversationId as never, seq })) {
      this.#unsentAcks.delete(conversationId);
    } else if (seq > prev) {
      this.#unsentAcks.set(conversationId, seq);
    }
  }

  /**
   * Round trip to the server. The server handles one connection's frames in order, so when the pong
   * arrives, every ack and send written before the ping has been processed.
   */
  ping(timeoutMs = 10_000): Promise<void> {
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
    this.#setState('closed');
    clearTimeout(this.#retryTimer);
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
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    this.#opened?.reject(new HavenError('server.unavailable', 'The connection was closed.'));
    this.#opened = undefined;
  }

  #connect(): void {
    this.#setState(this.#everReady ? 'reconnecting' : 'connecting');
    this.#syncedSinceReady = false;
    let ws: WebSocketLike;
    try {
      ws = this.#factory(this.#url);
    } catch (e) {
      this.#lost(unreachable(this.#serverUrl, e));
      return;
    }
    this.#ws = ws;
    let failure: HavenError | undefined;
    ws.onopen = () => {
      this.#write({ type: 'hello', token: this.#token });
    };
    ws.onmessage = (ev) => {
      const frame = parseFrame(ev.data);
      if (frame) this.#onFrame(frame, (e) => (failure = e));
    };
    ws.onerror = (ev) => {
      failure ??= unreachable(this.#serverUrl, (ev as { error?: unknown }).error ?? ev);
    };
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      clearInterval(this.#pingTimer);
      // 4401: the server ended this session (logout, expiry); retrying with the same token is pointless.
      const fallback =
        ev.code === 4401
          ? new HavenError('auth.invalid_token', 'The server ended this session; sign in again.')
          : new HavenError('server.unavailable', `The connection to ${this.#serverUrl} was lost (${ev.code}${ev.reason ? `: ${ev.reason}` : ''}).`);
      this.#lost(failure ?? fallback);
    };
  }

  #onFrame(frame: ServerFrame, setFailure: (e: HavenError) => void): void {
    switch (frame.type) {
      case 'ready':
        this.#attempt = 0;
        this.#everReady = true;
        this.#lastPong = Date.now();
        this.#startPings();
        this.#setState('ready');
        this.emit('ready', { accountId: frame.accountId, deviceId: frame.deviceId });
        for (const [conversationId, seq] of this.#unsentAcks) this.#write({ type: 'ack', conversationId: conversationId as never, seq });
        this.#unsentAcks.clear();
        for (const p of this.#pending.values()) this.#write(p.frame);
        this.#opened?.resolve();
        this.#opened = undefined;
        return;
      case 'synced':
        this.#syncedSinceReady = true;
        this.emit('synced', undefined);
        return;
      case 'message':
        if (this.#seen.has(frame.message.id)) return;
        this.#remember(frame.message.id);
        this.emit('message', frame.message);
        return;
      case 'sent': {
        const p = this.#pending.get(frame.clientMessageId);
        this.#pending.delete(frame.clientMessageId);
        this.#remember(frame.message.id);
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
        if (p && frame.ref) {
          this.#pending.delete(frame.ref);
          p.reject(err);
        } else if (err.code.startsWith('auth.')) {
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

  #lost(err: HavenError): void {
    if (this.#state === 'closed') return;
    const fatal = err.code.startsWith('auth.') || err.code === 'account.suspended';
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
    const ceiling = Math.min(this.#maxMs, this.#initialMs * 2 ** this.#attempt++);
    this.#retryTimer = setTimeout(() => this.#connect(), Math.round(this.#random() * ceiling));
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

