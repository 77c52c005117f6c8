import { z } from 'zod';
import { AccountPublic, AgeAssurance, AgeBand, Conversation } from './http';
import { ConversationId, Handle, IsoDate, MessageId } from './ids';
import { ContentType, UInt32Column, safeText } from './text';

// Wire shapes of the safety policy (issue 6): search, help, invite links, hash-list sync for devices,
// device detection reports and admin actions. Routes are in POLICY_ROUTES (spread into ROUTES).

/** One place to get help (the safety library validates them in config). */
export const HelpResourceWire = z.object({ name: z.string(), kind: z.enum(['phone', 'chat', 'web']), contact: z.string(), description: z.string() });
export const HelpWire = z.object({ moment: z.string(), region: z.string(), headline: z.string(), resources: z.array(HelpResourceWire) });
export type HelpWire = z.infer<typeof HelpWire>;

/** The help page: the preset in force and its summary, and help for the account's band and region. */
export const HelpPageWire = HelpWire.extend({ preset: z.string(), policySummary: z.string() });
export type HelpPageWire = z.infer<typeof HelpPageWire>;
export const HelpQuery = z
  .object({ region: safeText({ min: 2, max: 64 }).optional(), band: AgeBand.optional() })
  .strict();

export const SearchQuery = z.object({ q: safeText({ min: 1, max: 64, trim: true }) }).strict();
export const SearchResult = z.object({ accounts: z.array(AccountPublic) });

export const Invite = z.object({ token: z.string(), conversationId: ConversationId, expiresAt: z.string() });
export type Invite = z.infer<typeof Invite>;
export const InviteToken = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'not an invite token');

/** The enabled lists a device holds (D3), compact: raw 32-byte entries, base64. */
export const HashListSync = z.object({
  /** Whether this account's devices hold lists under the policy in force. */
  holdsLists: z.boolean(),
  /** Changes whenever a list is enabled, disabled, added or replaced. */
  version: z.string(),
  maxDistance: z.number().int(),
  minQuality: z.number().int(),
  lists: z.array(z.object({ name: z.string(), kind: z.enum(['pdq', 'sha256']), count: z.number().int().nonnegative(), entries: z.string() })),
});
export type HashListSync = z.infer<typeof HashListSync>;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits');

/** A device's report of a match (D5, D6): hashes and conversation metadata, never the content. */
export const DeviceDetectionReport = z
  .object({
    source: z.enum(['client-outgoing', 'client-incoming']),
    conversationId: ConversationId,
    /** For an incoming match: the message that carried the attachment. */
    messageId: MessageId.optional(),
    list: safeText({ min: 1, max: 64 }),
    entryIndex: UInt32Column,
    distance: z.number().int().min(0).max(256),
    sha256: Hex64,
    pdq: Hex64.optional(),
    quality: z.number().int().min(0).max(100).optional(),
    contentType: ContentType.optional(),
    size: UInt32Column.optional(),
  })
  .strict();
export type DeviceDetectionReport = z.infer<typeof DeviceDetectionReport>;
export const DetectionFiled = z.object({ detectionId: z.string(), help: HelpWire });

/** The `data` of a `media.blocked` event frame. */
export const MediaBlockedEvent = z.object({
  conversationId: z.string(),
  detectionId: z.string().optional(),
  message: z.string(),
  help: HelpWire,
});
export type MediaBlockedEvent = z.infer<typeof MediaBlockedEvent>;

// Admin (role admin); every action needs a reason and is written to the audit log.
const Reason = safeText({ min: 3, max: 1000, multiline: true, trim: true });
export const HashListInfo = z.object({ name: z.string(), kind: z.string(), count: z.number().int(), enabled: z.boolean(), source: z.string().nullable(), createdAt: z.string() });
export const HashListInfoList = z.object({ lists: z.array(HashListInfo) });
export const SetHashListEnabled = z.object({ enabled: z.boolean(), reason: Reason }).strict();
export const SetAgeAssurance = z.object({ ageAssurance: AgeAssurance, birthDate: IsoDate.optional(), reason: Reason }).strict();
export const LiftRestriction = z.object({ reason: Reason }).strict();
export const AdminAccount = z.object({
  id: z.string(),
  handle: z.string(),
  ageBand: AgeBand,
  ageAssurance: AgeAssurance,
  birthDate: z.string(),
  mediaRestricted: z.boolean(),
});
export const AuditEntry = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  reason: z.string(),
  details: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});
export const AuditLog = z.object({ entries: z.array(AuditEntry), chain: z.object({ ok: z.boolean(), brokenAt: z.number().int().nullable(), message: z.string() }) });

const NameParams = z.object({ name: safeText({ min: 1, max: 64 }) }).strict();
const HandleParams = z.object({ handle: Handle }).strict();
const IdParams = z.object({ id: ConversationId }).strict();
/** The invite token travels in the body, never in the path: paths end up in request logs (issue 13, item 17). */
export const JoinInviteRequest = z.object({ token: InviteToken }).strict();

export const NoticeList = z.object({
  notices: z.array(z.object({ id: z.string(), event: z.string(), data: z.unknown(), at: z.string(), seenAt: z.string().nullable() })),
});
/** Notices a client has shown its user (issue 13, item 21): `inbox` shows unseen ones first. */
export const MarkNoticesSeenRequest = z.object({ ids: z.array(z.uuid()).min(1).max(50) }).strict();
export const MarkNoticesSeenResponse = z.object({ marked: z.number().int().nonnegative() });

export const POLICY_ROUTES = {
  notices: { method: 'GET', path: '/v1/notices', summary: 'Your recent safety notices (a blocked image, a block), with help.', auth: 'session', status: 200, response: NoticeList },
  markNoticesSeen: { method: 'POST', path: '/v1/notices/seen', summary: 'Mark your notices as shown to you (unseen ones are shown first by clients).', auth: 'session', body: MarkNoticesSeenRequest, status: 200, response: MarkNoticesSeenResponse },
  searchAccounts: { method: 'GET', path: '/v1/accounts/search', summary: 'Find accounts by handle; children are never shown to adults.', auth: 'session', query: SearchQuery, status: 200, response: SearchResult },
  help: { method: 'GET', path: '/v1/help', summary: 'Help resources for your band and region (or those given), and the policy in force.', auth: 'session', query: HelpQuery, status: 200, response: HelpPageWire },
  createInvite: { method: 'POST', path: '/v1/conversations/:id/invites', summary: 'Make an invite link to a group (members only).', auth: 'session', params: IdParams, status: 201, response: Invite },
  joinInvite: { method: 'POST', path: '/v1/invites/join', summary: 'Join a group with an invite link (the token in the body); the contact and group rules apply.', auth: 'session', body: JoinInviteRequest, status: 200, response: Conversation },
  hashListSync: { method: 'GET', path: '/v1/hashlists/sync', summary: "The enabled PDQ and SHA-256 lists for this account's devices, when the policy puts lists on them.", auth: 'session', status: 200, response: HashListSync },
  reportDetection: { method: 'POST', path: '/v1/detections', summary: 'A device reports a known-image match: hashes and metadata, never the content.', auth: 'session', body: DeviceDetectionReport, status: 201, response: DetectionFiled },
  adminHashLists: { method: 'GET', path: '/v1/admin/hashlists', summary: 'Admin: the hash lists.', auth: 'admin', status: 200, response: HashListInfoList },
  adminSetHashList: { method: 'POST', path: '/v1/admin/hashlists/:name', summary: 'Admin: enable or disable a hash list.', auth: 'admin', params: NameParams, body: SetHashListEnabled, status: 200, response: HashListInfo },
  adminSetAge: { method: 'POST', path: '/v1/admin/accounts/:handle/age', summary: "Admin: change an account's age assurance (and correct its birth date).", auth: 'admin', params: HandleParams, body: SetAgeAssurance, status: 200, response: AdminAccount },
  adminLiftRestriction: { method: 'POST', path: '/v1/admin/accounts/:handle/lift-media-restriction', summary: 'Admin: lift a media restriction after review.', auth: 'admin', params: HandleParams, body: LiftRestriction, status: 200, response: AdminAccount },
  adminAccount: { method: 'GET', path: '/v1/admin/accounts/:handle', summary: 'Admin: an account as the safety policy sees it.', auth: 'admin', params: HandleParams, status: 200, response: AdminAccount },
  adminAudit: { method: 'GET', path: '/v1/admin/audit', summary: 'Admin: the audit log and whether its hash chain is intact.', auth: 'admin', status: 200, response: AuditLog },
} as const;
