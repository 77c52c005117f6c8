import type { z } from 'zod';
import {
  ROUTES,
  routePath,
  type AccountPublic,
  type AccountSelf,
  type DeviceDetectionReport,
  type HashListSync,
  type HelpPageWire,
  type HelpWire,
  type Invite,
  type CreateUserRequest,
  type Contact,
  type Conversation,
  type CreateConversationRequest,
  type Device,
  type DeviceId,
  type DeviceLink,
  type Message,
  type RegisterRequest,
  type RouteName,
  type SendMessageRequest,
  type SessionResponse,
  type ClaimedKeyPackages,
  type CommitAccepted,
  type KeyPackageStatus,
  type MlsGroupState,
  type ReportAccepted,
  type ReportRequest,
  type SubmitCommitRequest,
  type ComplianceReportWire,
  type StatisticsReportWire,
  type StatsQuery,
  type ActRequest,
  type CaseDetail,
  type CaseQueue,
  type CaseSummary,
  type FileReportRequest,
  type MyReport,
  type ReferralPackage,
  type ReferralView,
  type ReportReason,
  type SelfReportAccepted,
  type SelfReportRequest,
  HavenError,
  MediaUploaded,
} from '@haven/protocol';
import { causeCode, errorFromResponse, unreachable } from './errors';
import { ServerUrls, backoffMs, serverUrlsOf } from './server-urls';

export { normaliseServerUrl } from './server-urls';

export interface HavenClientOptions {
  /** Base address of the server, e.g. `http://127.0.0.1:8080` (no `/v1`). */
  serverUrl?: string;
  /**
   * Several nodes of one deployment, tried in order: a request that finds its node unreachable (refused,
   * reset, 502, or 503 `server.unavailable`) goes to the next, and the client keeps the one that works.
   * Start the list at different nodes on different clients to spread them.
   */
  serverUrls?: readonly string[];
  /**
   * Rounds over the addresses before a request fails, with backoff between rounds. Default 1 for one
   * address (fail at once, as before), 3 for several.
   */
  failover?: { rounds?: number; initialMs?: number; maxMs?: number };
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

type Answer<N extends RouteName> = (typeof ROUTES)[N]['response'] extends z.ZodType
  ? z.output<(typeof ROUTES)[N]['response'] & z.ZodType>
  : undefined;

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Send the token if there is one (routes open to the public that answer admins more). */
  optionalAuth?: boolean;
}

/**
 * Typed HTTP client for every Haven route under `/v1`. Answers are parsed with the protocol schemas;
 * failures throw `HavenError` with the server's code and sentence (`server.unavailable` when the server
 * cannot be reached).
 *
 * @example
 * const client = new HavenClient({ serverUrl: 'http://127.0.0.1:8080' }); // or serverUrls: [nodeA, nodeB]
 * const session = await client.login({ handle: 'alice', password });
 * const convo = await client.createDirect('bob');
 */
export class HavenClient {
  readonly #urls: ServerUrls;
  #token: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #rounds: number;
  readonly #initialMs: number;
  readonly #maxMs: number;

  constructor(opts: HavenClientOptions) {
    this.#urls = new ServerUrls(serverUrlsOf(opts));
    this.#token = opts.token;
    this.#fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#rounds = Math.max(1, opts.failover?.rounds ?? (this.#urls.all.length > 1 ? 3 : 1));
    this.#initialMs = opts.failover?.initialMs ?? 250;
    this.#maxMs = opts.failover?.maxMs ?? 5000;
  }

  /** The address in use now (the first given, until it fails). */
  get serverUrl(): string {
    return this.#urls.current;
  }
  /** Every address this client may use, in order. */
  get serverUrls(): readonly string[] {
    return this.#urls.all;
  }

  get token(): string | undefined {
    return this.#token;
  }
  setToken(token: string | undefined): void {
    this.#token = token;
  }

  // Health

  /** `/healthz`: the process is up. */
  async health(): Promise<{ status: 'ok' }> {
    return this.#route('health');
  }
  /** `/readyz`: the database is reachable and migrated. */
  async ready(): Promise<{ status: 'ready' | 'not_ready'; database: string; migrations: string }> {
    return this.#route('ready');
  }

  // Accounts and sessions

  /** Creates an account and signs in on a new device; the token is kept by this client. */
  async register(req: RegisterRequest): Promise<SessionResponse> {
    const s = await this.#route('register', { body: req });
    this.#token = s.token;
    return s;
  }

  /** Signs in; the token is kept by this client for later calls. */
  async login(opts: LoginOptions): Promise<SessionResponse> {
    const body = {
      handle: opts.handle,
      password: opts.password,
      ...(opts.deviceId ? { deviceId: opts.deviceId } : {}),
      ...(opts.deviceName ? { deviceName: opts.deviceName } : {}),
    };
    const s = await this.#route('login', { body });
    this.#token = s.token;
    return s;
  }

  /** Ends this session on the server and forgets the token. */
  async logout(): Promise<void> {
    await this.#route('logout');
    this.#token = undefined;
  }

  async me(): Promise<AccountSelf> {
    return this.#route('me');
  }

  /** Your devices (not removed), with which are linked and which is this one. */
  async devices(): Promise<Device[]> {
    return (await this.#route('devices')).devices;
  }

  /** Removes another of your devices: signed out, and removed from your encrypted conversations. */
  async removeDevice(deviceId: string): Promise<void> {
    await this.#route('removeDevice', { params: { deviceId } });
  }

  // Device linking (the e2ee engine's offerLink/acceptLink drive these).
  async createDeviceLink(linkId: string): Promise<DeviceLink> {
    return this.#route('createDeviceLink', { body: { linkId } });
  }
  async deviceLink(linkId: string): Promise<DeviceLink> {
    return this.#route('getDeviceLink', { params: { linkId } });
  }
  async requestDeviceLink(linkId: string, request: string): Promise<DeviceLink> {
    return this.#route('requestDeviceLink', { params: { linkId }, body: { request } });
  }
  async answerDeviceLink(linkId: string, response: string): Promise<DeviceLink> {
    return this.#route('answerDeviceLink', { params: { linkId }, body: { response } });
  }

  /** Admin only: creates an account with a role (moderators, other admins). */
  async createUser(req: z.input<typeof CreateUserRequest>): Promise<AccountSelf> {
    return this.#route('createUser', { body: req });
  }

  // Contacts

  /** Contacts, pending requests both ways, and blocks. */
  async contacts(): Promise<Contact[]> {
    return (await this.#route('listContacts')).contacts;
  }
  async requestContact(handle: string): Promise<Contact> {
    return this.#route('requestContact', { body: { handle } });
  }
  async acceptContact(handle: string): Promise<Contact> {
    return this.#route('acceptContact', { params: { handle } });
  }
  async declineContact(handle: string): Promise<void> {
    await this.#route('declineContact', { params: { handle } });
  }
  /** Blocks at once: the blocked account can no longer reach you. */
  async block(handle: string): Promise<Contact> {
    return this.#route('blockContact', { params: { handle } });
  }
  async unblock(handle: string): Promise<void> {
    await this.#route('unblockContact', { params: { handle } });
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
    return this.#route('createConversation', { body: req });
  }
  async conversations(): Promise<Conversation[]> {
    return (await this.#route('listConversations')).conversations;
  }
  async conversation(id: string): Promise<Conversation> {
    return this.#route('getConversation', { params: { id } });
  }
  /** Adds a member to a group; answers the group as it is now. */
  async addMember(conversationId: string, handle: string): Promise<Conversation> {
    return this.#route('addMember', { params: { id: conversationId }, body: { handle } });
  }
  /** Removes a member from a group (your own handle: leave it). */
  async removeMember(conversationId: string, handle: string): Promise<Conversation> {
    return this.#route('removeMember', { params: { id: conversationId, handle } });
  }

  // Messages

  /** Sends over HTTP; a repeat with the same clientMessageId returns the stored message, not a duplicate. */
  async sendMessage(conversationId: string, req: SendMessageRequest): Promise<Message> {
    return this.#route('sendMessage', { params: { id: conversationId }, body: req });
  }
  async messages(conversationId: string, opts: { after?: number; limit?: number } = {}): Promise<Message[]> {
    return (await this.#route('listMessages', { params: { id: conversationId }, query: opts })).messages;
  }
  /** Acknowledges every message of the conversation up to `seq` for this session's device. */
  async ack(conversationId: string, seq: number): Promise<{ conversationId: string; ackedSeq: number }> {
    return this.#route('ack', { params: { id: conversationId }, body: { seq } });
  }

  // Safety policy (issue 6): search, help, invite links, hash-list sync, device reports, admin.

  /** Accounts whose handle starts with `q`; the server never shows children to adults. */
  async searchAccounts(q: string): Promise<AccountPublic[]> {
    return (await this.#route('searchAccounts', { query: { q } })).accounts;
  }
  /** Help for your band and region (or those given), and the policy in force. */
  async help(opts: { region?: string; band?: 'child' | 'adult' } = {}): Promise<HelpPageWire> {
    return this.#route('help', { query: opts });
  }
  /** Your recent safety notices (newest first): what was blocked, with help. */
  async notices(): Promise<{ id: string; event: string; data: unknown; at: string; seenAt: string | null }[]> {
    return (await this.#route('notices')).notices;
  }
  /** Marks notices as shown to the user; returns how many were unseen. */
  async markNoticesSeen(ids: string[]): Promise<number> {
    return (await this.#route('markNoticesSeen', { body: { ids } })).marked;
  }
  async createInvite(conversationId: string): Promise<Invite> {
    return this.#route('createInvite', { params: { id: conversationId } });
  }
  async joinInvite(token: string): Promise<Conversation> {
    return this.#route('joinInvite', { body: { token } });
  }
  /** The enabled hash lists this account's devices hold (empty when the policy puts none on them). */
  async hashListSync(): Promise<HashListSync> {
    return this.#route('hashListSync');
  }
  /** Files a device's known-image match: hashes and metadata only. */
  async reportDetection(report: DeviceDetectionReport): Promise<{ detectionId: string; help: HelpWire }> {
    return this.#route('reportDetection', { body: report });
  }
  /**
   * Blocks an image of yourself everywhere on Haven by its hashes only (never the image): PDQ of the
   * eight rotations and flips, SHA-256 and MD5. In Node, `selfReportImage` computes them from the file.
   */
  async selfReport(req: SelfReportRequest): Promise<SelfReportAccepted> {
    return this.#route('selfReport', { body: req });
  }
  async selfReports(): Promise<{ id: string; createdAt: string; hashes: number }[]> {
    return (await this.#route('selfReports')).reports;
  }
  /** Takes one of your self-reported images off the platform block list. */
  async removeSelfReport(id: string): Promise<void> {
    await this.#route('removeSelfReport', { params: { id } });
  }
  // Admin (role admin): each change needs a reason and is written to the audit log.
  async adminHashLists() {
    return (await this.#route('adminHashLists')).lists;
  }
  async adminSetHashList(name: string, enabled: boolean, reason: string) {
    return this.#route('adminSetHashList', { params: { name }, body: { enabled, reason } });
  }
  async adminAccount(handle: string) {
    return this.#route('adminAccount', { params: { handle } });
  }
  async adminSetAge(handle: string, body: { ageAssurance: 'self-declared' | 'estimated' | 'verified'; birthDate?: string; reason: string }) {
    return this.#route('adminSetAge', { params: { handle }, body });
  }
  async adminLiftRestriction(handle: string, reason: string) {
    return this.#route('adminLiftRestriction', { params: { handle }, body: { reason } });
  }
  /** The audit log, and whether its hash chain is intact. */
  async adminAudit() {
    return this.#route('adminAudit');
  }

  // MLS (end-to-end encryption): the SDK's e2ee engine calls these.

  /** Uploads this device's key packages (base64 MLS messages); answers what the server now holds. */
  async uploadKeyPackages(keyPackages: string[]): Promise<KeyPackageStatus> {
    return this.#route('uploadKeyPackages', { body: { keyPackages } });
  }
  async keyPackageStatus(): Promise<KeyPackageStatus> {
    return this.#route('keyPackageStatus');
  }
  async claimKeyPackages(conversationId: string, devices: string[]): Promise<ClaimedKeyPackages> {
    return this.#route('claimKeyPackages', { params: { id: conversationId }, body: { devices } });
  }
  async mlsGroup(conversationId: string): Promise<MlsGroupState> {
    return this.#route('mlsGroup', { params: { id: conversationId } });
  }
  /** Submits a commit (and welcome); `mls.stale_epoch` when another commit came first. */
  async submitCommit(conversationId: string, req: SubmitCommitRequest): Promise<CommitAccepted> {
    return this.#route('submitCommit', { params: { id: conversationId }, body: req });
  }
  /** Sends a franked report of an e2ee message; `report.unverified` when it does not verify. */
  async report(req: ReportRequest): Promise<ReportAccepted> {
    return this.#route('report', { body: req });
  }

  // Reports, cases and moderation (issue 9).

  /**
   * Reports a visible message (the server reads its own copy), an attachment or an account; a repeat
   * answers the first report (`duplicate: true`). E2ee messages go through the e2ee engine's `report`.
   * @example await client.fileReport({ target: { kind: 'message', messageId }, reason: 'grooming' });
   */
  async fileReport(req: FileReportRequest): Promise<ReportAccepted> {
    return this.#route('report', { body: req });
  }
  /** Your reports and where each stands. */
  async myReports(): Promise<MyReport[]> {
    return (await this.#route('myReports')).reports;
  }
  /** Opt in or out of one report's outcome notice. */
  async setReportNotify(reportId: string, notifyOutcome: boolean): Promise<MyReport> {
    return this.#route('setReportNotify', { params: { id: reportId }, body: { notifyOutcome } });
  }
  /** Decisions about your account, with their appeals. */
  async myDecisions() {
    return (await this.#route('myDecisions')).decisions;
  }
  /** Appeals a decision about your account (once). */
  async appeal(decisionId: string, text: string) {
    return this.#route('appeal', { body: { decisionId, text } });
  }
  /** Moderator: the queue, most urgent first. */
  async modQueue(query: { status?: string; mine?: boolean; limit?: number; cursor?: string } = {}): Promise<CaseQueue> {
    return this.#route('modQueue', { query: { status: query.status, mine: query.mine === undefined ? undefined : String(query.mine), limit: query.limit, cursor: query.cursor } });
  }
  /** Moderator: one case (audited). */
  async modCase(caseId: string): Promise<CaseDetail> {
    return this.#route('modCase', { params: { id: caseId } });
  }
  async modClaim(caseId: string): Promise<CaseSummary> {
    return this.#route('modClaim', { params: { id: caseId } });
  }
  async modRelease(caseId: string): Promise<CaseSummary> {
    return this.#route('modRelease', { params: { id: caseId } });
  }
  /** Moderator: decide on a case you hold. */
  async modAct(caseId: string, req: ActRequest): Promise<CaseDetail> {
    return this.#route('modAct', { params: { id: caseId }, body: req });
  }
  async modClose(caseId: string, note?: string) {
    return this.#route('modClose', { params: { id: caseId }, body: note ? { note } : {} });
  }
  /** Moderator: refer a case you hold to law enforcement. */
  async modRefer(caseId: string, note?: string): Promise<ReferralView> {
    return this.#route('modRefer', { params: { id: caseId }, body: note ? { note } : {} });
  }
  /** Moderator: the files of a referral package (audited). */
  async modReferralPackage(referralId: string): Promise<ReferralPackage> {
    return this.#route('modReferralPackage', { params: { id: referralId } });
  }
  /** Moderator: one evidence file; images blurred unless `reveal` (audited and counted). */
  async modEvidence(evidenceId: string, reveal = false) {
    return this.#route('modEvidence', { params: { id: evidenceId }, query: { reveal: String(reveal) } });
  }
  async modDecideAppeal(appealId: string, body: { outcome: 'upheld' | 'overturned'; reason: ReportReason; note?: string }) {
    return this.#route('modDecideAppeal', { params: { id: appealId }, body });
  }
  /** Admin: legal hold on a case's evidence. */
  async adminLegalHold(caseId: string, hold: boolean, reason: string) {
    return this.#route('adminLegalHold', { params: { id: caseId }, body: { hold, reason } });
  }
  /** Admin: purge evidence past retention now. */
  async adminPurgeEvidence() {
    return this.#route('adminPurgeEvidence');
  }

  // Media: raw bytes, streamed.

  /** Uploads a blob (ciphertext for e2ee conversations) bound to a conversation. */
  async uploadMedia(conversationId: string, body: Uint8Array | ReadableStream<Uint8Array>, size?: number): Promise<MediaUploaded> {
    const res = await this.#raw('POST', `/v1/media?conversationId=${encodeURIComponent(conversationId)}`, body, size);
    const r = MediaUploaded.safeParse(await res.json().catch(() => undefined));
    if (!r.success) throw new HavenError('server.internal', 'The server answered an upload with something this client does not understand.');
    return r.data;
  }

  /** Downloads a blob as a stream of bytes. */
  async downloadMedia(id: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#raw('GET', `/v1/media/${encodeURIComponent(id)}`, undefined, undefined, signal);
    if (!res.body) throw new HavenError('media.not_found');
    return res.body;
  }

  // Transparency statistics and the regulator's view

  /** Sets or removes your region (a police force area, Scotland, Northern Ireland, elsewhere); never shown to others. */
  async updateMe(body: { region: string | null }): Promise<AccountSelf> {
    return this.#route('updateMe', { body });
  }
  /** Statistics as JSON: exact for an admin, suppressed for everyone else (when the server makes them public). */
  async stats(query: Omit<StatsQuery, 'format'> = {}): Promise<StatisticsReportWire> {
    return this.#route('stats', { query: { ...query, format: 'json' }, optionalAuth: true });
  }
  /** Statistics as CSV or an SVG chart (text). */
  async statsText(query: Omit<StatsQuery, 'format'> & { format: 'csv' | 'svg' }): Promise<string> {
    return this.#text(ROUTES.stats.path, query, false);
  }
  /** Admin: the Ofcom Illegal Content Codes measures, with evidence. */
  async adminCompliance(query: { period?: string } = {}): Promise<ComplianceReportWire> {
    return this.#route('adminCompliance', { query: { ...query, format: 'json' } });
  }
  /** Admin: the same as Markdown. */
  async adminComplianceMarkdown(query: { period?: string } = {}): Promise<string> {
    return this.#text(ROUTES.adminCompliance.path, { ...query, format: 'md' }, true);
  }

  /** A route that answers text (CSV, SVG, Markdown); errors are the usual JSON envelope. */
  async #text(path: string, query: Record<string, string | undefined>, auth: boolean): Promise<string> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, v);
    const headers: Record<string, string> = {};
    if (auth && !this.#token) throw new HavenError('auth.required', 'Not signed in: run `haven login` or `haven register` first.');
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    const res = await this.#request(`${path}?${qs}`, () => ({ method: 'GET', headers, signal: AbortSignal.timeout(this.#timeoutMs) }), true);
    const text = await res.text();
    if (!res.ok) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      throw errorFromResponse(res.status, json);
    }
    return text;
  }

  async #raw(method: string, path: string, body?: Uint8Array | ReadableStream<Uint8Array>, size?: number, signal?: AbortSignal): Promise<Response> {
    if (!this.#token) throw new HavenError('auth.required', 'Not signed in: run `haven login` or `haven register` first.');
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
    if (body !== undefined) headers['content-type'] = 'application/octet-stream';
    void size; // fetch sets Content-Length for byte arrays; streams go chunked, limited by the server as they arrive
    const init = (): RequestInit =>
      ({
        method,
        headers,
        ...(body !== undefined ? { body: body as BodyInit, duplex: 'half' } : {}),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(Math.max(this.#timeoutMs, 300_000))]) : AbortSignal.timeout(Math.max(this.#timeoutMs, 300_000)),
      }) as RequestInit;
    // A stream can be read once: such an upload goes to one node, and only a refused connection moves it on.
    const res = await this.#request(path, init, method === 'GET', !(body instanceof ReadableStream));
    if (!res.ok) {
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      throw errorFromResponse(res.status, json);
    }
    return res;
  }

  /**
   * Sends a request to the current node, moving to the next when it is unreachable: a refused
   * connection or DNS failure, a 502, or a 503 `server.unavailable` (the request was not carried out), for
   * any method; a reset or timeout (the request may have been carried out) only for `idempotent` requests.
   * After each round over every address it waits (backoff) and tries again, `failover.rounds` times.
   */
  async #request(path: string, init: () => RequestInit, idempotent: boolean, replayable = true): Promise<Response> {
    const attempts = replayable ? this.#rounds * this.#urls.all.length : 1;
    let last: HavenError | undefined;
    for (let i = 0; i < attempts; i++) {
      if (i > 0 && i % this.#urls.all.length === 0) await sleep(backoffMs(i / this.#urls.all.length - 1, this.#initialMs, this.#maxMs));
      const base = this.#urls.current;
      let res: Response;
      try {
        res = await this.#fetch(`${base}${path}`, init());
      } catch (e) {
        last = unreachable(base, e);
        this.#urls.failed(base);
        if (!idempotent && !NEVER_SENT.has(causeCode(e) ?? '')) throw last;
        continue;
      }
      if (res.status !== 502 && res.status !== 503) return res;
      // Read the answer to see whether this node is unavailable; hand on a copy if it is something else.
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const err = res.status === 502 ? unreachable(base, { code: 'HTTP 502' }) : errorFromResponse(res.status, json);
      if (err.code !== 'server.unavailable') {
        const type = res.headers.get('content-type');
        return new Response(text, { status: res.status, ...(type ? { headers: { 'content-type': type } } : {}) });
      }
      last = err;
      this.#urls.failed(base);
    }
    throw last ?? new HavenError('server.unavailable');
  }

  /** Calls a route of the shared table and parses the answer with its schema. */
  async #route<N extends RouteName>(name: N, opts: CallOptions = {}): Promise<Answer<N>> {
    const spec = ROUTES[name];
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const path = `${routePath(spec.path, opts.params)}${qs.size ? `?${qs}` : ''}`;
    const json = await this.#call(spec.method, path, opts.body, spec.auth !== 'none', opts.optionalAuth === true);
    if (spec.response === null) return undefined as Answer<N>;
    const r = (spec.response as z.ZodType).safeParse(json);
    if (!r.success) {
      throw new HavenError('server.internal', `The server's answer to ${spec.method} ${spec.path} is not what this client understands.`);
    }
    return r.data as Answer<N>;
  }

  async #call(method: string, path: string, body?: unknown, auth = true, optionalAuth = false): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth) {
      if (!this.#token) throw new HavenError('auth.required', 'Not signed in: run `haven login` or `haven register` first.');
      headers.authorization = `Bearer ${this.#token}`;
    } else if (optionalAuth && this.#token) {
      headers.authorization = `Bearer ${this.#token}`;
    }
    const payload = body !== undefined ? JSON.stringify(body) : undefined;
    const res = await this.#request(
      path,
      () => ({ method, headers, ...(payload !== undefined ? { body: payload } : {}), signal: AbortSignal.timeout(this.#timeoutMs) }),
      method === 'GET' || method === 'PUT' || method === 'DELETE',
    );
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

/** Connection failures that mean the request never reached a server: safe to send elsewhere, whatever it was. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
