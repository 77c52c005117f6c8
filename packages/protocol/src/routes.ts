import { z } from 'zod';
import {
  AccountSelf,
  AddMemberRequest,
  Contact,
  ContactRequest,
  Conversation,
  CreateConversationRequest,
  CreateUserRequest,
  Device,
  LoginRequest,
  Message,
  MessagesQuery,
  RegisterRequest,
  SendMessageRequest,
  SessionResponse,
} from './http';
import { ConversationId, Handle } from './ids';
import { Seq } from './text';
import { POLICY_ROUTES } from './safety';
import { STATS_ROUTES, UpdateMeRequest } from './stats';
import { MODERATION_ROUTES } from './moderation';
import { SELF_REPORT_ROUTES } from './self-report';
import { DEVICE_ROUTES } from './devices';
import {
  ClaimKeyPackagesRequest,
  ClaimedKeyPackages,
  CommitAccepted,
  KeyPackageStatus,
  MlsGroupState,
  ReportAccepted,
  AnyReportRequest,
  SubmitCommitRequest,
  UploadKeyPackagesRequest,
} from './mls';

// The HTTP routes: one table that the server mounts, the client calls and /openapi.json describes.
// Authenticated routes take `Authorization: Bearer <token>`.

export const AckRequest = z.object({ seq: Seq }).strict();
export type AckRequest = z.infer<typeof AckRequest>;
export const AckResponse = z.object({ conversationId: ConversationId, ackedSeq: z.number().int().nonnegative() });
export const ContactList = z.object({ contacts: z.array(Contact) });
export const ConversationList = z.object({ conversations: z.array(Conversation) });
export const MessageList = z.object({ messages: z.array(Message) });
export const DeviceList = z.object({ devices: z.array(Device) });
export const Health = z.object({ status: z.literal('ok') });
export const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  database: z.string(),
  migrations: z.string(),
  /** `local` (one node), or NATS `connected` / `disconnected`. */
  fanout: z.enum(['local', 'connected', 'disconnected']),
});

const IdParams = z.object({ id: ConversationId }).strict();
const HandleParams = z.object({ handle: Handle }).strict();
const MemberParams = z.object({ id: ConversationId, handle: Handle }).strict();

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  summary: string;
  /** `moderator`: moderators and admins. */
  auth: 'none' | 'session' | 'moderator' | 'admin';
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Success status and body; `null` for 204. */
  status: number;
  response: z.ZodType | null;
}

export const ROUTES = {
  health: { method: 'GET', path: '/healthz', summary: 'The process is up.', auth: 'none', status: 200, response: Health },
  ready: { method: 'GET', path: '/readyz', summary: 'The database is reachable and migrated, and NATS (when configured) is connected.', auth: 'none', status: 200, response: Readiness },
  register: { method: 'POST', path: '/v1/accounts', summary: 'Create an account and sign in on a new device.', auth: 'none', body: RegisterRequest, status: 201, response: SessionResponse },
  login: { method: 'POST', path: '/v1/sessions', summary: 'Sign in; registers a new device unless deviceId names one of yours.', auth: 'none', body: LoginRequest, status: 200, response: SessionResponse },
  logout: { method: 'DELETE', path: '/v1/sessions/current', summary: 'End this session.', auth: 'session', status: 204, response: null },
  me: { method: 'GET', path: '/v1/me', summary: 'Your own account.', auth: 'session', status: 200, response: AccountSelf },
  devices: { method: 'GET', path: '/v1/devices', summary: 'Your devices.', auth: 'session', status: 200, response: DeviceList },
  listContacts: { method: 'GET', path: '/v1/contacts', summary: 'Your contacts, requests and blocks.', auth: 'session', status: 200, response: ContactList },
  requestContact: { method: 'POST', path: '/v1/contacts', summary: 'Send a contact request.', auth: 'session', body: ContactRequest, status: 201, response: Contact },
  acceptContact: { method: 'POST', path: '/v1/contacts/:handle/accept', summary: 'Accept a contact request.', auth: 'session', params: HandleParams, status: 200, response: Contact },
  declineContact: { method: 'POST', path: '/v1/contacts/:handle/decline', summary: 'Decline a contact request.', auth: 'session', params: HandleParams, status: 204, response: null },
  blockContact: { method: 'POST', path: '/v1/contacts/:handle/block', summary: 'Block an account (immediate).', auth: 'session', params: HandleParams, status: 200, response: Contact },
  unblockContact: { method: 'POST', path: '/v1/contacts/:handle/unblock', summary: 'Lift a block.', auth: 'session', params: HandleParams, status: 204, response: null },
  listConversations: { method: 'GET', path: '/v1/conversations', summary: 'Conversations you are in.', auth: 'session', status: 200, response: ConversationList },
  createConversation: { method: 'POST', path: '/v1/conversations', summary: 'Start a direct conversation (idempotent per pair) or a group.', auth: 'session', body: CreateConversationRequest, status: 201, response: Conversation },
  getConversation: { method: 'GET', path: '/v1/conversations/:id', summary: 'One conversation you are in.', auth: 'session', params: IdParams, status: 200, response: Conversation },
  addMember: { method: 'POST', path: '/v1/conversations/:id/members', summary: 'Add a member to a group.', auth: 'session', params: IdParams, body: AddMemberRequest, status: 200, response: Conversation },
  removeMember: { method: 'DELETE', path: '/v1/conversations/:id/members/:handle', summary: 'Remove a member from a group (or leave it).', auth: 'session', params: MemberParams, status: 200, response: Conversation },
  sendMessage: { method: 'POST', path: '/v1/conversations/:id/messages', summary: 'Send a message; a repeated clientMessageId returns the first message (200).', auth: 'session', params: IdParams, body: SendMessageRequest, status: 201, response: Message },
  listMessages: { method: 'GET', path: '/v1/conversations/:id/messages', summary: 'Messages after a sequence number.', auth: 'session', params: IdParams, query: MessagesQuery, status: 200, response: MessageList },
  ack: { method: 'POST', path: '/v1/conversations/:id/ack', summary: "Acknowledge messages up to seq for this session's device.", auth: 'session', params: IdParams, body: AckRequest, status: 200, response: AckResponse },
  uploadKeyPackages: { method: 'POST', path: '/v1/mls/key-packages', summary: "Upload this device's MLS key packages (one-time ones, and at most one last-resort).", auth: 'session', body: UploadKeyPackagesRequest, status: 200, response: KeyPackageStatus },
  keyPackageStatus: { method: 'GET', path: '/v1/mls/key-packages', summary: "How many of this device's key packages the server holds; the allowed suites.", auth: 'session', status: 200, response: KeyPackageStatus },
  claimKeyPackages: { method: 'POST', path: '/v1/conversations/:id/mls/claim', summary: "Claim one key package of each named device of the conversation's members (one-time first, else last-resort).", auth: 'session', params: IdParams, body: ClaimKeyPackagesRequest, status: 200, response: ClaimedKeyPackages },
  mlsGroup: { method: 'GET', path: '/v1/conversations/:id/mls', summary: "The MLS group's epoch and leaves, and the devices that should be in it.", auth: 'session', params: IdParams, status: 200, response: MlsGroupState },
  submitCommit: { method: 'POST', path: '/v1/conversations/:id/mls/commits', summary: 'Submit a commit (and its welcome) for the current epoch; the first one wins, later ones get mls.stale_epoch.', auth: 'session', params: IdParams, body: SubmitCommitRequest, status: 201, response: CommitAccepted },
  report: { method: 'POST', path: '/v1/reports', summary: 'Report a message, attachment or account: a visible message by id (the server reads its copy), an e2ee message with its franking proof (report.unverified unless it verifies and is that message). A repeat is the same report.', auth: 'session', body: AnyReportRequest, status: 201, response: ReportAccepted },
  createUser: { method: 'POST', path: '/v1/admin/users', summary: 'Admin: create an account with a role.', auth: 'admin', body: CreateUserRequest, status: 201, response: AccountSelf },
  ...POLICY_ROUTES,
  ...STATS_ROUTES,
  updateMe: { method: 'PATCH', path: '/v1/me', summary: 'Change your own account (your region: never shown to other users).', auth: 'session', body: UpdateMeRequest, status: 200, response: AccountSelf },
  ...MODERATION_ROUTES,
  ...SELF_REPORT_ROUTES,
  ...DEVICE_ROUTES,
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

/** Fills `:name` segments of a route path, URL-encoding each value. */
export function routePath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([a-zA-Z]+)/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined) throw new Error(`missing route parameter ${k}`);
    return encodeURIComponent(v);
  });
}
