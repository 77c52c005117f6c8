import { HavenError, MessagePayload, REMOVED_TEXT, type Conversation, type Message } from '@haven/protocol';
import { codecFor, defaultCodecs, type CodecSelector, type Decoded } from './codec';
import type { Connection } from './connection';
import type { HavenClient } from './http-client';
import { newClientMessageId } from './ids';

/** A received message as an app shows it: decoded, with the conversation's mode. */
export interface ReceivedMessage {
  id: string;
  conversation: string;
  /** null when the conversation can no longer be looked up (e.g. you left it since). */
  conversationKind: Conversation['kind'] | null;
  conversationTitle: string | null;
  mode: Conversation['mode'] | null;
  seq: number;
  from: string;
  fromAccountId: string;
  fromDeviceId: string;
  sentAt: string;
  /**
   * The text, or null when the message has none or could not be decoded (see `decoded`); for a message a
   * moderator removed (`decoded.kind === 'removed'`), "This message was removed by a moderator."
   */
  text: string | null;
  attachments: NonNullable<MessagePayload['attachments']>;
  decoded: Decoded;
}

export interface MessengerOptions {
  /** Which codec each conversation uses; default: visible payloads only (the MLS codec plugs in here). */
  codecs?: CodecSelector;
  /** Retries of an HTTP send whose answer was lost (server unreachable); default 2. */
  retries?: number;
}

/**
 * Messaging on top of {@link HavenClient}: sends payloads through each conversation's codec and
 * decodes what arrives. Conversations are cached by id.
 *
 * @example
 * const messenger = new Messenger(client);
 * const convo = await messenger.directWith('bob');
 * await messenger.sendText(convo, 'hello');
 */
export class Messenger {
  readonly #codecs: CodecSelector;
  readonly #conversations = new Map<string, Conversation>();
  readonly #retries: number;

  constructor(
    readonly client: HavenClient,
    opts: MessengerOptions = {},
  ) {
    this.#codecs = opts.codecs ?? defaultCodecs;
    this.#retries = opts.retries ?? 2;
  }

  /** Caches a conversation seen elsewhere (a list, a `conversation` frame). */
  remember(conversation: Conversation): void {
    this.#conversations.set(conversation.id, conversation);
  }

  async conversation(id: string, opts: { fresh?: boolean } = {}): Promise<Conversation> {
    const cached = this.#conversations.get(id);
    if (cached && !opts.fresh) return cached;
    const c = await this.client.conversation(id);
    this.remember(c);
    return c;
  }

  /** Finds or creates the direct conversation with `handle`. */
  async directWith(handle: string): Promise<Conversation> {
    const c = await this.client.createDirect(handle);
    this.remember(c);
    return c;
  }

  /**
   * Sends a payload through the conversation's codec: over the connection when one is given (resent
   * after reconnects), else over HTTP. The same clientMessageId never makes a second message.
   */
  async send(
    conversation: Conversation,
    payload: MessagePayload,
    opts: { clientMessageId?: string; via?: Connection } = {},
  ): Promise<Message> {
    const checked = MessagePayload.safeParse(payload);
    if (!checked.success) throw new HavenError('request.invalid', `The message is not valid: ${checked.error.issues[0]?.message ?? 'unknown problem'}.`);
    const clientMessageId = opts.clientMessageId ?? newClientMessageId();
    for (let staleRetries = 0; ; staleRetries++) {
      const codec = codecFor(this.#codecs, conversation);
      const { body, contentType } = await codec.encode(conversation, checked.data);
      try {
        if (opts.via) return await opts.via.send(conversation.id, body, contentType, clientMessageId);
        // A lost answer may hide a stored message: retrying with the same clientMessageId is safe.
        for (let attempt = 0; ; attempt++) {
          try {
            return await this.client.sendMessage(conversation.id, { clientMessageId, body, contentType });
          } catch (e) {
            if (!(e instanceof HavenError && e.code === 'server.unavailable') || attempt >= this.#retries) throw e;
            await new Promise((r) => setTimeout(r, 250 * 3 ** attempt));
          }
        }
      } catch (e) {
        // e2ee: a commit reached the server before this message (between encrypting and sending, or one this
        // device has not processed yet); the codec catches up and re-encrypts.
        if (!(e instanceof HavenError && e.code === 'mls.stale_epoch' && staleRetries < 3)) throw e;
        await codec.stale?.(conversation);
      }
    }
  }

  /** Sends text; empty or blank text is refused before anything reaches the server. */
  async sendText(conversation: Conversation, text: string, opts: { clientMessageId?: string; via?: Connection } = {}): Promise<Message> {
    if (text.trim() === '') throw new HavenError('request.invalid', 'A message needs some text.');
    return this.send(conversation, { v: 1, text }, opts);
  }

  /**
   * Decodes a received message with its conversation's codec. Never throws for a bad body; throws when
   * the message could not be processed now (the server unreachable or failing, the session refused), so
   * that the caller neither shows it as unreadable nor acknowledges it: it stays for next time.
   */
  async read(message: Message): Promise<ReceivedMessage> {
    let conversation: Conversation | undefined;
    try {
      conversation = await this.conversation(message.conversationId);
    } catch (e) {
      // Gone since (left, removed): still report the message, so it can be acknowledged, not retried forever.
      if (!(e instanceof HavenError && e.code === 'conversation.not_found')) throw e;
    }
    const codec = conversation && this.#codecs(conversation);
    const decoded: Decoded = !conversation
      ? { kind: 'undecodable', code: 'codec.no_conversation', reason: 'the conversation is no longer available' }
      : codec
        ? await codec.decode(conversation, message).catch((e: unknown) => {
            if (isOutage(e)) throw e;
            return { kind: 'undecodable' as const, code: 'codec.failed', reason: e instanceof Error ? e.message : String(e) };
          })
        : { kind: 'undecodable', code: 'codec.unsupported_mode', reason: `no codec for ${conversation.mode} conversations` };
    const payload = decoded.kind === 'payload' ? decoded.payload : undefined;
    return {
      id: message.id,
      conversation: message.conversationId,
      conversationKind: conversation?.kind ?? null,
      conversationTitle: conversation?.title ?? null,
      mode: conversation?.mode ?? null,
      seq: message.seq,
      from: message.sender.handle,
      fromAccountId: message.sender.id,
      fromDeviceId: message.senderDeviceId,
      sentAt: message.sentAt,
      text: decoded.kind === 'removed' ? REMOVED_TEXT : (payload?.text ?? null),
      attachments: payload?.attachments ?? [],
      decoded,
    };
  }
}

/**
 * An error that says "not now" rather than "this message is bad": the server could not be reached or
 * failed, or refused the session. A message that met one is left unacknowledged for the next read.
 */
export function isOutage(e: unknown): boolean {
  if (!(e instanceof HavenError)) return false;
  return e.code.startsWith('server.') || e.code.startsWith('auth.') || e.code === 'request.rate_limited';
}
