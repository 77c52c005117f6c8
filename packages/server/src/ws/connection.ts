import { ClientFrame, HavenError, assertNever, type ErrorCode, type Message, type ServerFrame } from '@haven/protocol';
import type WebSocket from 'ws';
import { authenticate } from '../services/accounts';
import type { Caller, Services } from '../services/context';
import { acknowledge, backlog, sendMessage } from '../services/messages';
import type { FanoutEvent } from '../fanout/fanout';
import { connectionLimits, type ConnectionLimits } from './limits';
import { publicError } from '../http/errors';

/** WebSocket close codes Haven uses besides the standard ones (1009: frame too large, set by `ws`). */
export const CLOSE = { goingAway: 1001, serviceRestart: 1012, tryAgainLater: 1013, unauthorized: 4401, helloTimeout: 4408, tooMany: 4429 } as const;

/** Frames refused for rate in a row before the connection is closed (a client that ignores `connection.rate_limited`). */
const MAX_REFUSED_IN_A_ROW = 100;

const HELLO_TIMEOUT_MS = 10_000;

/** Sends of one connection in progress at once; the next frame waits for the oldest to be answered. */
const MAX_SENDS_IN_FLIGHT = 64;

// A message goes out as JSON to its sender (`sent`) and to every member's connections on this node
// (`message`): it is serialised once per node, not once per frame (a group of 50 made 50 copies). The
// views are built once per message and never changed after they are published.
const messageTexts = new WeakMap<Message, string>();
function messageText(m: Message): string {
  let text = messageTexts.get(m);
  if (text === undefined) {
    text = JSON.stringify(m);
    messageTexts.set(m, text);
  }
  return text;
}

/** The text of a frame, with a message's JSON shared between the frames that carry it. */
export function frameText(frame: ServerFrame): string {
  switch (frame.type) {
    case 'message':
      return `{"type":"message","message":${messageText(frame.message)}}`;
    case 'sent':
      return `{"type":"sent","clientMessageId":${JSON.stringify(frame.clientMessageId)},"message":${messageText(frame.message)}}`;
    default:
      return JSON.stringify(frame);
  }
}

type State = 'hello' | 'syncing' | 'live' | 'closed';

/**
 * One device's connection: `hello` → `ready`, the backlog after each cursor, `synced`, then live events.
 * Frames are handled one at a time, in order, so `sent` and acks keep the client's order. Sends are
 * pipelined: a send's checks start as its frame arrives, while earlier sends wait for their commit, but
 * each enters the store after the one before it and its `sent` (or error) goes out after that one's, so
 * a client that sends without waiting gets the throughput of group commit and still its order. The backlog is
 * sent beside that queue, not in it: an ack for a backlog message is stored as it arrives, so a crash
 * half-way through a long backlog loses none of the acks the device already sent.
 */
/** The connection's TCP socket, where the gateway has it: frames written in one tick leave in one write. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

export function handleConnection(ws: WebSocket, s: Services, limits: ConnectionLimits = connectionLimits(s), socket?: Corkable): void {
  // A client that stops reading is cut off before its queue eats the server's memory; it resumes from its cursor.
  const maxBuffered = s.config.limits.connectionBufferBytes;
  let state: State = 'hello';
  let caller: Caller | undefined;
  let unsubscribe: (() => void) | undefined;
  let release: (() => void) | undefined;
  let refusedInARow = 0;
  let queue: Promise<void> = Promise.resolve();
  // The pipeline of sends: the previous send's insert queued (`storeTurn`), its answer sent (`answerTurn`).
  let storeTurn: Promise<void> = Promise.resolve();
  let answerTurn: Promise<void> = Promise.resolve();
  let sendsInFlight = 0;
  const buffered: FanoutEvent[] = [];
  const helloTimer = setTimeout(() => ws.close(CLOSE.helloTimeout, 'no hello frame'), HELLO_TIMEOUT_MS);

  // Frames sent in the same tick (a batch's answers and deliveries) are corked into one socket write:
  // one system call instead of one per frame. The socket is uncorked before the next I/O phase.
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket?.uncork();
  };
  const send = (frame: ServerFrame): Promise<void> =>
    new Promise((resolve) => {
      if (ws.readyState !== ws.OPEN) return resolve();
      if (ws.bufferedAmount > maxBuffered) {
        ws.terminate();
        return resolve();
      }
      if (socket && !corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      ws.send(frameText(frame), () => resolve());
    });
  const sendError = (e: unknown, ref?: string): Promise<void> => {
    const { error, expected } = publicError(e);
    if (!expected) s.log.error({ err: e }, 'websocket frame failed');
    else if (!(e instanceof HavenError)) s.log.warn({ err: (e as Error).message }, 'database unavailable');
    return send({ type: 'error', error: { code: error.code, message: error.message }, ...(ref ? { ref } : {}) });
  };

  const endSession = (code: ErrorCode): void => {
    void sendError(new HavenError(code)).then(() => ws.close(CLOSE.unauthorized, 'session ended'));
  };

  const deliverLive = (event: FanoutEvent): void => {
    switch (event.type) {
      case 'message':
        if (event.message.senderDeviceId === caller?.deviceId) return; // it got `sent` for its own message
        if (event.message.recipientDeviceId && event.message.recipientDeviceId !== caller?.deviceId) return; // another device's welcome
        s.metrics.fanoutLagSeconds.observe(Math.max(0, s.now().getTime() - Date.parse(event.message.sentAt)) / 1000);
        s.metrics.messagesOut.inc();
        void send({ type: 'message', message: event.message });
        return;
      case 'conversation':
        void send({ type: 'conversation', conversation: event.conversation });
        return;
      case 'event':
        void send({ type: 'event', event: event.event, data: event.data });
        return;
      case 'session_ended':
        if (event.tokenHash === caller?.tokenHash) endSession('auth.invalid_token');
        return;
      default:
        assertNever(event, 'fan-out event');
    }
  };

  // Close when the session expires (re-armed in steps: timers cannot wait longer than ~24 days).
  let expiryTimer: NodeJS.Timeout | undefined;
  const armExpiry = (): void => {
    const left = (caller?.expiresAt.getTime() ?? 0) - s.now().getTime();
    if (left <= 0) return endSession('auth.expired_token');
    expiryTimer = setTimeout(armExpiry, Math.min(left, 2 ** 31 - 1));
    expiryTimer.unref();
  };

  async function hello(token: string): Promise<void> {
    try {
      caller = await authenticate(s, token);
    } catch (e) {
      await sendError(e);
      // The database away is no verdict on the token: 1013 (try again later) rather than 4401, which ends the session.
      if (publicError(e).error.code === 'server.unavailable') ws.close(CLOSE.tryAgainLater, 'try again later');
      else ws.close(CLOSE.unauthorized, 'authentication failed');
      state = 'closed';
      return;
    }
    try {
      release = limits.admit(caller.accountId, caller.tokenHash);
    } catch (e) {
      await sendError(e);
      ws.close(CLOSE.tooMany, 'too many connections');
      state = 'closed';
      return;
    }
    if ((state as State) === 'closed') return release();
    clearTimeout(helloTimer);
    limits.raiseFrameLimit(ws);
    armExpiry();
    state = 'syncing';
    // Subscribe before reading the backlog, so nothing sent in between is missed; duplicates are dropped below.
    unsubscribe = await s.fanout.subscribe(caller.accountId, (event) =>
      state === 'live' || event.type === 'session_ended' ? deliverLive(event) : buffered.push(event),
    );
    if ((state as State) === 'closed') return unsubscribe();
    await send({ type: 'ready', accountId: caller.accountId as Message['sender']['id'], deviceId: caller.deviceId as Message['senderDeviceId'] });
    // Not awaited: frames after hello (acks above all) are handled while the backlog streams out.
    void deliverBacklog(caller).catch((e: unknown) => {
      // The client reconnects and resumes from its cursor; 1013 when the database is away, else 1011.
      if (publicError(e).expected) {
        s.log.warn({ err: (e as Error).message }, 'backlog delivery stopped');
        ws.close(CLOSE.tryAgainLater, 'try again later');
      } else {
        s.log.error({ err: e }, 'backlog delivery failed');
        ws.close(1011, 'backlog delivery failed');
      }
    });
  }

  async function deliverBacklog(caller: Caller): Promise<void> {
    const sentUpTo = new Map<string, number>();
    const releaseSlot = await limits.backlogSlot();
    try {
      if (ws.readyState !== ws.OPEN) return; // closed while it waited for a slot
      for await (const page of backlog(s, caller)) {
        if (ws.readyState !== ws.OPEN) return;
        // One frame at a time, each after the previous reached the socket: a large backlog never piles up in memory.
        for (const message of page) {
          s.metrics.messagesOut.inc();
          await send({ type: 'message', message });
          sentUpTo.set(message.conversationId, Math.max(sentUpTo.get(message.conversationId) ?? 0, message.seq));
        }
      }
    } finally {
      releaseSlot();
    }
    for (const event of buffered.splice(0)) {
      if (event.type === 'message' && event.message.seq <= (sentUpTo.get(event.message.conversationId) ?? 0)) continue;
      deliverLive(event);
    }
    state = 'live';
    await send({ type: 'synced' });
  }

  const pendingAcks = new Map<string, number>();
  async function flushAcks(): Promise<void> {
    if (!caller || pendingAcks.size === 0) return;
    const acks = [...pendingAcks];
    pendingAcks.clear();
    for (const [conversationId, seq] of acks) {
      try {
        await acknowledge(s, caller, conversationId, seq);
      } catch (e) {
        answerError(e);
      }
    }
  }

  /** Starts a send and returns once it has its place in the pipeline (see above). */
  async function pipelineSend(caller: Caller, frame: Extract<ClientFrame, { type: 'send' }>, ref: string | undefined): Promise<void> {
    if (sendsInFlight >= MAX_SENDS_IN_FLIGHT) await answerTurn;
    sendsInFlight++;
    const turn = storeTurn;
    let queued!: () => void;
    storeTurn = new Promise((r) => (queued = r));
    // Whatever happens to this send, the next one gets its turn once this one is queued or has failed,
    // and never before the sends ahead of it are queued (a send refused at once must not let it jump them).
    const sending = sendMessage(s, caller, frame, { turn, queued }).finally(() => void turn.then(queued));
    const previousAnswer = answerTurn;
    answerTurn = (async () => {
      const outcome = await sending.then(
        ({ message }) => ({ message }),
        (error: unknown) => ({ error }),
      );
      await previousAnswer;
      sendsInFlight--;
      if ('error' in outcome) await sendError(outcome.error, ref);
      else await send({ type: 'sent', clientMessageId: frame.clientMessageId, message: outcome.message });
    })().catch((e: unknown) => s.log.error({ err: e }, 'could not answer a send'));
  }

  /** An error for a frame, sent after the answers to the sends before it. */
  function answerError(e: unknown, ref?: string): void {
    answerTurn = answerTurn.then(() => sendError(e, ref));
  }

  async function handle(raw: WebSocket.RawData, isBinary: boolean): Promise<void> {
    if (isBinary) return answerError(new HavenError('request.invalid', 'Frames are JSON text, not binary.'));
    let json: unknown;
    try {
      json = JSON.parse(raw.toString());
    } catch {
      return answerError(new HavenError('request.malformed_json', 'The frame is not valid JSON.'));
    }
    const parsed = ClientFrame.safeParse(json);
    const ref = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).clientMessageId ?? (json as Record<string, unknown>).ref : undefined;
    const refStr = typeof ref === 'string' ? ref.slice(0, 64) : undefined;
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return answerError(new HavenError('request.invalid', `The frame is not valid: ${details}.`), refStr);
    }
    const frame = parsed.data;
    if (frame.type === 'hello') {
      if (state !== 'hello') return answerError(new HavenError('request.invalid', 'This connection has already said hello.'));
      return hello(frame.token);
    }
    if (!caller) return answerError(new HavenError('auth.required', 'Send a hello frame with your session token first.'));
    try {
      switch (frame.type) {
        case 'send':
          return pipelineSend(caller, frame, refStr);
        case 'ack':
          // Acks that arrive while earlier frames are processed are merged: one write per conversation.
          if (pendingAcks.size === 0) queue = queue.then(flushAcks);
          pendingAcks.set(frame.conversationId, Math.max(pendingAcks.get(frame.conversationId) ?? 0, frame.seq));
          return;
        case 'ping':
          // A pong confirms that every frame before the ping has been processed, sends and acks included.
          await flushAcks();
          await answerTurn;
          return send({ type: 'pong', ...(frame.ref ? { ref: frame.ref } : {}) });
      }
    } catch (e) {
      return answerError(e, refStr);
    }
  }

  ws.on('message', (raw, isBinary) => {
    // Rate first, before the frame is parsed or queued: a flood costs the server a counter, not work.
    if (!limits.takeFrame(ws, caller?.accountId)) {
      if (++refusedInARow > MAX_REFUSED_IN_A_ROW) return ws.close(CLOSE.tooMany, 'rate limited');
      void sendError(new HavenError('connection.rate_limited'));
      return;
    }
    refusedInARow = 0;
    queue = queue.then(() => handle(raw, isBinary)).catch((e: unknown) => void sendError(e));
  });
  ws.on('error', (err) => s.log.debug({ err: err.message }, 'websocket error'));
  ws.on('close', () => {
    state = 'closed';
    clearTimeout(helloTimer);
    clearTimeout(expiryTimer);
    unsubscribe?.();
    release?.();
    // Acks received before the close still count; sends in flight still finish (their answers go nowhere).
    queue = queue.then(() => answerTurn).then(flushAcks).catch((e: unknown) => s.log.warn({ err: e }, 'could not store acknowledgements'));
  });
}
