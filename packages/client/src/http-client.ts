import { z } from 'zod';
import {
  AccountId,
  AccountSelf,
  Contact,
  Conversation,
  ConversationId,
  Message,
  SessionResponse,
  type CreateConversationRequest,
  type DeviceId,
  type RegisterRequest,
  type SendMessageRequest,
  HavenError,
} from '@haven/protocol';
import { errorFromResponse, unreachable } from './errors';

export interface HavenClientOptions {
  /** Base address of the server, e.g. `http://127.0.0.1:8080` (no `/v1`). */
  serverUrl: string;
  /** Session token from `login`; can be set later with `setToken`. */
  token?: string | undefined;
  /** Injected fetch (tests, proxies); defaults to globalThis.fetch. */
  fetch?: typeof fetch;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
}

export interface LoginOptions {
  handle: string;
  password: string;
  /** Re-use a device registered before (kept in the profile); without it the server registers a new one. */
  deviceId?: DeviceId | undefined;
  deviceName?: string | undefined;
}

/** What `register` returns: the new account, and a session when the server signs in at sign-up. */
export interface Registration {
  account: AccountSelf;
  session?: SessionResponse;
}

const RegisterAnswer = z.union([
  SessionResponse.transform((s) => ({ account: s.account, session: s })),
  z.object({ account: AccountSelf }).transform((r) => ({ account: r.account })),
  AccountSelf.transform((account) => ({ account })),
]);

/** Lists come back as a bare array or wrapped in `{ <name>: [...] }`; both are accepted. */
function listOf<T extends z.ZodType>(item: T, key: string) {
  return z.union([z.array(item), z.object({ [key]: z.array(item) }).transform((o) => o[key] as z.infer<T>[])]);
}
const Messages = listOf(Message, 'messages');
const Conversations = listOf(Conversation, 'conversations');
const Contacts = listOf(Contact, 'contacts');
const MeAnswer = z.union([z.object({ account: AccountSelf }).transform((r) => r.account), AccountSelf]);
const ConversationAnswer = z.union([z.object({ conversation: Conversation }).transform((r) => r.conversation), Conversation]);
const MessageAnswer = z.union([z.object({ message: Message }).transform((r) => r.message), Message]);

/**
 * Typed HTTP client for every Haven route under `/v1`. Answers are parsed with the protocol schemas;
 * failures throw `HavenError` with the server's code and sentence (`server.unavailable` when the server
 * cannot be reached).
 *
 * @example
 * const client = new HavenClient({ serverUrl: 'http://127.0.0.1:8080' });
 * const session = await client.login({ handle: 'alice', password });
 * const convo = await client.createDirect('bob');
 */
export class HavenClient {
  readonly serverUrl: string;
  #token: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(opts: HavenClientOptions) {
    this.serverUrl = normaliseServerUrl(opts.serverUrl);
    this.#token = opts.token;
    this.#fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
  }

  get token(): string | undefined {
    return this.#token;
  }
  setToken(token: string | undefined): void {
    this.#token = token;
  }

  // Accounts and sessions

  /** Creates an account. Some servers sign in at once: then `session` is set and becomes this client's token. */
  async register(req: RegisterRequest): Promise<Registration> {
    const r: Registration = RegisterAnswer.parse(await this.#call('POST', '/accounts', req, false));
    if (r.session) this.#token = r.session.token;
    return r;
  }

  /** Signs in; the token is kept by this client for later calls. */
  async login(opts: LoginOptions): Promise<SessionResponse> {
    const body = {
      handle: opts.handle,
      password: opts.password,
      ...(opts.deviceId ? { deviceId: opts.deviceId } : {}),
      ...(opts.deviceName ? { deviceName: opts.deviceName } : {}),
    };
    const s = SessionResponse.parse(await this.#call('POST', '/sessions', body, false));
    this.#token = s.token;
    return s;
  }

  /** Ends this session on the server and forgets the token. */
  async logout(): Promise<void> {
    await this.#call('DELETE', '/sessions/current');
    this.#token = undefined;
  }

  async me(): Promise<AccountSelf> {
    return MeAnswer.parse(await this.#call('GET', '/me'));
  }

  // Contacts

  async contacts(): Promise<Contact[]> {
    return Contacts.parse(await this.#call('GET', '/contacts'));
  }
  async requestContact(handle: string): Promise<void> {
    await this.#call('POST', '/contacts/requests', { handle });
  }
  async acceptContact(handle: string): Promise<void> {
    await this.#call('POST', `/contacts/${enc(handle)}/accept`, {});
  }
  async declineContact(handle: string): Promise<void> {
    await this.#call('POST', `/contacts/${enc(handle)}/decline`, {});
  }
  async block(handle: string): Promise<void> {
    await this.#call('POST', '/blocks', { handle });
  }
  async unblock(handle: string): Promise<void> {
    await this.#call('DELETE', `/blocks/${enc(handle)}`);
  }

  // Conversations

  /** Finds or creates the direct conversation with `handle` (idempotent on the server). */
  async createDirect(handle: string): Promise<Conversation> {
    return this.createConversation({ kind: 'direct', with: handle as never });
  }
  async createGroup(title: string, members: string[]): Promise<Conversation> {
    return this.createConversation({ kind: 'group', title, members: members as never[] });
  }
  async createConversation(req: CreateConversationRequest): Promise<Conversation> {
    return ConversationAnswer.parse(await this.#call('POST', '/conversations', req));
  }
  async conversations(): Promise<Conversation[]> {
    return Conversations.parse(await this.#call('GET', '/conversations'));
  }
  async conversation(id: string): Promise<Conversation> {
    return ConversationAnswer.parse(await this.#call('GET', `/conversations/${enc(ConversationId.parse(id))}`));
  }
  /** Adds a member to a group; answers the group as it is now. */
  async addMember(conversationId: string, handle: string): Promise<Conversation | undefined> {
    const body = await this.#call('POST', `/conversations/${enc(conversationId)}/members`, { handle });
    const r = ConversationAnswer.safeParse(body);
    return r.success ? r.data : undefined;
  }
  async removeMember(conversationId: string, accountId: string): Promise<void> {
    await this.#call('DELETE', `/conversations/${enc(conversationId)}/members/${enc(AccountId.parse(accountId))}`);
  }

  // Messages

  /** Sends over HTTP; a repeat with the same clientMessageId returns the stored message, not a duplicate. */
  async sendMessage(conversationId: string, req: SendMessageRequest): Promise<Message> {
    return MessageAnswer.parse(await this.#call('POST', `/conversations/${enc(conversationId)}/messages`, req));
  }
  async messages(conversationId: string, opts: { after?: number; limit?: number } = {}): Promise<Message[]> {
    const q = new URLSearchParams();
    if (opts.after !== undefined) q.set('after', String(opts.after));
    if (opts.limit !== undefined) q.set('limit', String(opts.limit));
    const qs = q.size ? `?${q}` : '';
    return Messages.parse(await this.#call('GET', `/conversations/${enc(conversationId)}/messages${qs}`));
  }

  async #call(method: string, path: string, body?: unknown, auth = true): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth) {
      if (!this.#token) throw new HavenError('auth.required', 'Not signed in: run `haven login` or `haven register` first.');
      headers.authorization = `Bearer ${this.#token}`;
    }
    let res: Response;
    try {
      res = await this.#fetch(`${this.serverUrl}/v1${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (e) {
      throw unreachable(this.serverUrl, e);
    }
    const text = await res.text();
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        if (res.ok) throw new HavenError('server.internal', `The server at ${this.serverUrl} did not answer with JSON.`);
      }
    }
    if (!res.ok) throw errorFromResponse(res.status, json);
    return json;
  }
}

/** `http://host:port/` → `http://host:port`; rejects anything that is not http(s). */
export function normaliseServerUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new HavenError('request.invalid', `"${raw}" is not a server address; write it like http://127.0.0.1:8080.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new HavenError('request.invalid', `The server address must start with http:// or https://, not ${u.protocol}.`);
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

const enc = encodeURIComponent;
