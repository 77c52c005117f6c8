import { z } from 'zod';
import { AgeBand } from './http';
import { ConversationId, Handle, MessageId } from './ids';

// Wire shapes of reports, cases, decisions, appeals, evidence and referrals (issue 9,
// docs/decisions/0008-moderation.md). Routes are in MODERATION_ROUTES (spread into ROUTES).

/** The fixed list of reasons a report (and a moderator's decision) names; free text goes in `note`. */
export const REPORT_REASONS = ['child_sexual_abuse', 'grooming', 'sextortion', 'threats', 'harassment', 'self_harm', 'spam', 'other'] as const;
export const ReportReason = z.enum(REPORT_REASONS);
export type ReportReason = z.infer<typeof ReportReason>;

/** Each reason in words, for people (the CLI's list, the acknowledgement, the decision notice). */
export const REPORT_REASON_TEXT: Record<ReportReason, string> = {
  child_sexual_abuse: 'sexual content involving a child',
  grooming: 'grooming (an adult trying to gain a child’s trust for abuse)',
  sextortion: 'sextortion (threats to share intimate images)',
  threats: 'threats of violence',
  harassment: 'harassment or bullying',
  self_harm: 'self-harm or suicide',
  spam: 'spam or scams',
  other: 'something else',
};

/** Free text: printable, no control characters. */
export const Note = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .refine((s) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s), 'no control characters');
const Uuid = z.string().uuid();

/** What a report is about: a message (visible, read by the server), an attachment, or an account. */
export const ReportTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), messageId: MessageId }).strict(),
  z.object({ kind: z.literal('attachment'), mediaId: Uuid }).strict(),
  z.object({ kind: z.literal('account'), handle: Handle, conversationId: ConversationId.optional() }).strict(),
]);
export type ReportTarget = z.infer<typeof ReportTarget>;

/** A report the server can check itself (a visible message's stored copy, an attachment, an account). */
export const FileReportRequest = z
  .object({ target: ReportTarget, reason: ReportReason, note: Note.optional(), notifyOutcome: z.boolean().optional() })
  .strict();
export type FileReportRequest = z.infer<typeof FileReportRequest>;

/** What the reporter is told at once: what can happen next and roughly when, with help. */
export const ReportAcknowledgement = z.object({ message: z.string(), next: z.string(), expectedWithin: z.string() });
export type ReportAcknowledgement = z.infer<typeof ReportAcknowledgement>;

export const REPORT_STATUSES = ['received', 'in_review', 'actioned', 'no_violation'] as const;
export const MyReport = z.object({
  id: Uuid,
  target: z.enum(['message', 'attachment', 'account']),
  reason: ReportReason,
  status: z.enum(REPORT_STATUSES),
  notifyOutcome: z.boolean(),
  createdAt: z.string(),
});
export type MyReport = z.infer<typeof MyReport>;
export const MyReportList = z.object({ reports: z.array(MyReport) });
export const ReportNotifyRequest = z.object({ notifyOutcome: z.boolean() }).strict();

export const CASE_STATUSES = ['open', 'in_review', 'actioned', 'referred', 'closed'] as const;
export const CaseStatus = z.enum(CASE_STATUSES);
export type CaseStatus = z.infer<typeof CaseStatus>;
export const CASE_OUTCOMES = ['actioned', 'no_violation'] as const;
export const CasePriority = z.enum(['urgent', 'high', 'normal', 'low']);
export type CasePriority = z.infer<typeof CasePriority>;

export const MOD_ACTIONS = ['warn', 'remove_content', 'restrict_media', 'suspend', 'ban', 'lift', 'no_violation'] as const;
export const ModAction = z.enum(MOD_ACTIONS);
export type ModAction = z.infer<typeof ModAction>;

const AccountRef = z.object({ id: z.string(), handle: z.string() });

export const CaseSummary = z.object({
  id: Uuid,
  subject: AccountRef.extend({ ageBand: AgeBand }),
  status: CaseStatus,
  outcome: z.enum(CASE_OUTCOMES).nullable(),
  priority: CasePriority,
  /** The rule of packages/safety/SPEC.md that set the priority (M1…). */
  priorityRule: z.string(),
  dueAt: z.string(),
  overdue: z.boolean(),
  assignee: AccountRef.nullable(),
  items: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CaseSummary = z.infer<typeof CaseSummary>;

/** Today's count of originals a moderator chose to see (wellbeing). */
export const RevealCount = z.object({ today: z.number().int().nonnegative() });

export const CaseQueueQuery = z
  .object({
    status: z.enum(['active', ...CASE_STATUSES]).default('active'),
    mine: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** Opaque: the `nextCursor` of the page before. */
    cursor: z.string().max(200).optional(),
  })
  .strict();
export const CaseQueue = z.object({ cases: z.array(CaseSummary), nextCursor: z.string().nullable(), reveals: RevealCount });
export type CaseQueue = z.infer<typeof CaseQueue>;

export const CaseItem = z.object({
  id: Uuid,
  kind: z.enum(['report', 'detection', 'signal', 'appeal']),
  at: z.string(),
  /** One line for the list. */
  summary: z.string(),
  reason: ReportReason.nullable(),
  note: z.string().nullable(),
  reporter: AccountRef.extend({ ageBand: AgeBand }).nullable(),
  conversation: z.object({ id: z.string(), mode: z.enum(['e2ee', 'visible']), kind: z.enum(['direct', 'group']) }).nullable(),
  messageId: z.string().nullable(),
  /** How the server knows the content is genuine: its own stored copy, a franking proof, or a hash match. */
  verifiedBy: z.string(),
  /** The reported message as the server stored it (visible) or as franked (e2ee); null for accounts. */
  content: z.object({ text: z.string().nullable(), attachments: z.number().int() }).nullable(),
  evidenceIds: z.array(Uuid),
});
export type CaseItem = z.infer<typeof CaseItem>;

export const EvidenceInfo = z.object({
  id: Uuid,
  kind: z.enum(['message', 'attachment', 'detection', 'metadata']),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  md5: z.string(),
  pdq: z.string().nullable(),
  isImage: z.boolean(),
  purged: z.boolean(),
});
export type EvidenceInfo = z.infer<typeof EvidenceInfo>;

export const DecisionView = z.object({
  id: Uuid,
  action: ModAction,
  reason: ReportReason,
  note: z.string().nullable(),
  until: z.string().nullable(),
  moderator: z.string(),
  at: z.string(),
});
export const AppealView = z.object({
  id: Uuid,
  decisionId: Uuid,
  text: z.string(),
  status: z.enum(['pending', 'upheld', 'overturned']),
  decidedBy: z.string().nullable(),
  at: z.string(),
});
export const ReferralView = z.object({
  id: Uuid,
  caseId: Uuid,
  status: z.enum(['built', 'submitted', 'failed']),
  remoteReportId: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
});
export type ReferralView = z.infer<typeof ReferralView>;

/** One entry of a case's audit trail: who did what, when, and why (issue 14 item 5). */
export const CaseAuditEntry = z.object({ seq: z.number().int(), at: z.string(), actor: z.string(), action: z.string(), target: z.string(), reason: z.string() });
export type CaseAuditEntry = z.infer<typeof CaseAuditEntry>;

export const CaseDetail = CaseSummary.extend({
  subjectAccount: z.object({ status: z.string(), region: z.string().nullable(), suspendedUntil: z.string().nullable(), mediaRestricted: z.boolean() }),
  itemList: z.array(CaseItem),
  evidence: z.array(EvidenceInfo),
  evidenceRetainUntil: z.string().nullable(),
  legalHold: z.boolean(),
  evidencePurgedAt: z.string().nullable(),
  decisions: z.array(DecisionView),
  appeals: z.array(AppealView),
  referrals: z.array(ReferralView),
  reveals: RevealCount,
  /** Every audited act on this case, oldest first (views, claims, decisions, referrals, appeals, evidence). */
  audit: z.array(CaseAuditEntry),
});
export type CaseDetail = z.infer<typeof CaseDetail>;

export const ActRequest = z
  .object({
    action: ModAction,
    reason: ReportReason,
    note: Note.optional(),
    /** `suspend`: how long. */
    hours: z.number().int().min(1).max(24 * 366).optional(),
  })
  .strict();
export type ActRequest = z.infer<typeof ActRequest>;
export const CloseRequest = z.object({ note: Note.optional() }).strict();
export const ReferRequest = z.object({ note: Note.optional() }).strict();

/** One image of a case: blurred and greyscale unless `reveal` (audited, counted). */
export const EvidenceQuery = z.object({ reveal: z.enum(['true', 'false']).default('false') }).strict();
export const EvidenceContent = z.object({ id: Uuid, contentType: z.string(), blurred: z.boolean(), base64: z.string(), reveals: RevealCount });

/** A referral package as files (the CLI writes them under --out). */
export const ReferralPackage = z.object({
  referralId: Uuid,
  caseId: Uuid,
  files: z.array(z.object({ path: z.string(), contentType: z.string(), base64: z.string(), sha256: z.string() })),
});
export type ReferralPackage = z.infer<typeof ReferralPackage>;

/** What the actioned account is told, and can appeal once. */
export const MyDecision = z.object({
  id: Uuid,
  action: ModAction,
  reason: ReportReason,
  reasonText: z.string(),
  until: z.string().nullable(),
  at: z.string(),
  appeal: z.object({ id: Uuid, status: z.enum(['pending', 'upheld', 'overturned']) }).nullable(),
});
export const MyDecisionList = z.object({ decisions: z.array(MyDecision) });
export const AppealRequest = z.object({ decisionId: Uuid, text: Note }).strict();
export const AppealFiled = z.object({ id: Uuid, decisionId: Uuid, status: z.literal('pending'), createdAt: z.string() });
export const DecideAppealRequest = z.object({ outcome: z.enum(['upheld', 'overturned']), reason: ReportReason, note: Note.optional() }).strict();

export const LegalHoldRequest = z.object({ hold: z.boolean(), reason: z.string().trim().min(3).max(1000) }).strict();
export const PurgeResult = z.object({ purgedCases: z.array(Uuid), files: z.number().int() });

const CaseParams = z.object({ id: Uuid }).strict();

export const MODERATION_ROUTES = {
  myReports: { method: 'GET', path: '/v1/reports', summary: 'Your reports and where each stands.', auth: 'session', status: 200, response: MyReportList },
  setReportNotify: { method: 'POST', path: '/v1/reports/:id/notify', summary: 'Opt in or out of the outcome notice of one of your reports.', auth: 'session', params: CaseParams, body: ReportNotifyRequest, status: 200, response: MyReport },
  myDecisions: { method: 'GET', path: '/v1/decisions', summary: 'Moderation decisions about your account, and their appeals.', auth: 'session', status: 200, response: MyDecisionList },
  appeal: { method: 'POST', path: '/v1/appeals', summary: 'Appeal a decision about your account (once).', auth: 'session', body: AppealRequest, status: 201, response: AppealFiled },
  modQueue: { method: 'GET', path: '/v1/mod/cases', summary: 'Moderator: the case queue, most urgent first.', auth: 'moderator', query: CaseQueueQuery, status: 200, response: CaseQueue },
  modCase: { method: 'GET', path: '/v1/mod/cases/:id', summary: 'Moderator: a case with its items, evidence, decisions and referrals (audited).', auth: 'moderator', params: CaseParams, status: 200, response: CaseDetail },
  modClaim: { method: 'POST', path: '/v1/mod/cases/:id/claim', summary: 'Moderator: claim a case (one moderator holds a case at a time).', auth: 'moderator', params: CaseParams, status: 200, response: CaseSummary },
  modRelease: { method: 'POST', path: '/v1/mod/cases/:id/release', summary: 'Moderator: release a case you hold.', auth: 'moderator', params: CaseParams, status: 200, response: CaseSummary },
  modAct: { method: 'POST', path: '/v1/mod/cases/:id/actions', summary: 'Moderator: decide on a case you hold (warn, remove content, restrict media, suspend, ban, lift, no violation).', auth: 'moderator', params: CaseParams, body: ActRequest, status: 200, response: CaseDetail },
  modClose: { method: 'POST', path: '/v1/mod/cases/:id/close', summary: 'Moderator: close a case you hold.', auth: 'moderator', params: CaseParams, body: CloseRequest, status: 200, response: CaseSummary },
  modRefer: { method: 'POST', path: '/v1/mod/cases/:id/refer', summary: 'Moderator: refer a case to law enforcement (builds the referral package).', auth: 'moderator', params: CaseParams, body: ReferRequest, status: 201, response: ReferralView },
  modReferralPackage: { method: 'GET', path: '/v1/mod/referrals/:id/package', summary: 'Moderator: the files of a referral package (audited).', auth: 'moderator', params: CaseParams, status: 200, response: ReferralPackage },
  modEvidence: { method: 'GET', path: '/v1/mod/evidence/:id', summary: 'Moderator: one evidence file; images blurred and greyscale unless reveal=true (audited, counted).', auth: 'moderator', params: CaseParams, query: EvidenceQuery, status: 200, response: EvidenceContent },
  modDecideAppeal: { method: 'POST', path: '/v1/mod/appeals/:id/decide', summary: 'Moderator: decide an appeal (not the moderator who made the decision).', auth: 'moderator', params: CaseParams, body: DecideAppealRequest, status: 200, response: AppealView },
  adminLegalHold: { method: 'POST', path: '/v1/admin/cases/:id/legal-hold', summary: "Admin: put a case's evidence on legal hold (kept past retention) or lift it.", auth: 'admin', params: CaseParams, body: LegalHoldRequest, status: 200, response: CaseSummary },
  adminPurgeEvidence: { method: 'POST', path: '/v1/admin/evidence/purge', summary: 'Admin: delete evidence past its retention now (proof of deletion in the audit log).', auth: 'admin', status: 200, response: PurgeResult },
} as const;

