import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

// The typed shape of every table. Migrations create exactly this; repositories are the only code that
// reads or writes it. Timestamps are timestamptz (Date in and out); birth dates are 'YYYY-MM-DD' text so
// no time zone can move them.

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface AccountsTable {
  id: string;
  handle: string;
  display_name: string | null;
  password_hash: string;
  birth_date: string;
  age_assurance: 'self-declared' | 'estimated' | 'verified';
  role: 'user' | 'moderator' | 'admin';
  region: string | null;
  status: Generated<'active' | 'suspended'>;
  created_at: CreatedAt;
  /** A timed suspension ends then (migration 0008); null with status `suspended` is a ban. */
  suspended_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface DevicesTable {
  id: string;
  account_id: string;
  name: string | null;
  created_at: CreatedAt;
  last_seen_at: Date | null;
  /** Set when the device was removed (logout, or removed from another device); migration 0011. */
  removed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  removed_by_device_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SessionsTable {
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  token_hash: string;
  account_id: string;
  device_id: string;
  created_at: CreatedAt;
  expires_at: Date;
}

/** One row per direction: `owner_id`'s view of `other_id`. */
export interface ContactsTable {
  owner_id: string;
  other_id: string;
  state: 'pending_outgoing' | 'pending_incoming' | 'accepted' | 'blocked';
  since: Date;
}

export interface ConversationsTable {
  id: string;
  kind: 'direct' | 'group';
  title: string | null;
  mode: 'e2ee' | 'visible';
  mode_reason_code: string;
  /** The reason in words as decided at creation (migration 0002; null for older rows). */
  mode_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** Set when an age correction makes the stored mode unfit for the members (P9): new messages are refused. */
  closed_reason: ColumnType<string | null, string | null | undefined, string | null>;
  created_by: string;
  /** `min(a,b):max(a,b)` of the two account ids for direct conversations: one per pair. */
  direct_key: string | null;
  last_seq: Generated<number>;
  created_at: CreatedAt;
}

export interface ConversationMembersTable {
  conversation_id: string;
  account_id: string;
  /** The conversation's last seq when this member joined: earlier messages are not theirs. */
  joined_seq: number;
  joined_at: CreatedAt;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  sender_account_id: string;
  sender_device_id: string;
  client_message_id: string;
  content_type: string;
  /** AES-256-GCM under the server message key: nonce || ciphertext || tag. */
  body: Uint8Array;
  sent_at: Date;
  /** Device-targeted messages (MLS welcomes): only this device receives it. */
  recipient_device_id: ColumnType<string | null, string | null | undefined, never>;
  /** e2ee application messages: the server's franking key id and tag. */
  franking_key_id: ColumnType<string | null, string | null | undefined, never>;
  franking_tag: ColumnType<Uint8Array | null, Uint8Array | null | undefined, never>;
  /** SHA-256 of an e2ee application message's MLS bytes (replay check). */
  mls_digest: ColumnType<Uint8Array | null, Uint8Array | null | undefined, never>;
}

export interface CursorsTable {
  device_id: string;
  conversation_id: string;
  acked_seq: number;
  updated_at: Date;
}

/** A group invite link: only the SHA-256 of its token is stored. */
export interface InvitesTable {
  token_hash: string;
  conversation_id: string;
  created_by: string;
  created_at: CreatedAt;
  expires_at: Date;
}

/** A known-image match: on the server (`server-scan`) or reported by a device (`client-*`). */
export interface DetectionsTable {
  id: string;
  source: 'server-scan' | 'client-outgoing' | 'client-incoming';
  witness: 'server' | 'sender-device' | 'recipient-device';
  sender_account_id: string | null;
  reporter_account_id: string | null;
  conversation_id: string | null;
  list_name: string;
  list_kind: 'pdq' | 'md5' | 'sha256';
  entry_index: number;
  entry_label: string | null;
  distance: number;
  sha256: string | null;
  md5: string | null;
  pdq: string | null;
  pdq_quality: number | null;
  content_type: string | null;
  size: number | null;
  status: Generated<'open' | 'reviewed'>;
  created_at: Date;
}

export interface QuarantineTable {
  detection_id: string;
  /** AES-256-GCM under the server message key. */
  body: Uint8Array;
  created_at: Date;
}

export interface MediaRestrictionsTable {
  account_id: string;
  detection_id: string | null;
  reason: string;
  created_at: Date;
}

export interface SafetyNoticesTable {
  id: string;
  account_id: string;
  event: string;
  /** JSON of the event's data (message, help, conversation). */
  data: string;
  created_at: Date;
  /** When the account's client showed it (migration 0007); null while unseen. */
  seen_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** One notice per fact: a second notice with the same key for the account is not stored (migration 0007). */
  dedupe_key: ColumnType<string | null, string | null | undefined, never>;
}

/** Append-only (a trigger refuses updates and deletes), hash-chained: see src/admin/audit.ts. */
export interface AuditLogTable {
  seq: number;
  at: Date;
  actor_id: string | null;
  actor_handle: string;
  action: string;
  target: string;
  reason: string;
  /** Canonical JSON. */
  details: string;
  prev_hash: string;
  hash: string;
}

export interface MlsDevicesTable {
  device_id: string;
  account_id: string;
  /** Pinned on the first key package upload: every later package and commit must use it. */
  signature_key: Uint8Array;
  created_at: CreatedAt;
}

export interface MlsKeyPackagesTable {
  /** KeyPackageRef, hex. */
  ref: string;
  device_id: string;
  suite: string;
  last_resort: boolean;
  /** End of lifetime, seconds since the epoch (bigint: pg returns it as a string). */
  not_after: ColumnType<string, number, number> & {};
  key_package: Uint8Array;
  created_at: CreatedAt;
}

export interface MlsGroupsTable {
  conversation_id: string;
  epoch: number;
  /** JSON of @haven/crypto's Roster (public: leaf index → account and device). */
  roster: string;
  updated_at: Date;
}

/** SHA-256 of each Welcome the server accepted: the same bytes are never accepted again (migration 0007). */
export interface MlsWelcomesTable {
  digest: Uint8Array;
  conversation_id: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface FrankedReportsTable {
  id: string;
  reporter_account_id: string;
  reporter_device_id: string;
  message_id: string;
  conversation_id: string;
  sender_account_id: string;
  sender_device_id: string;
  message_sent_at: Date;
  reason: string;
  /** The plaintext payload the reporter chose to reveal (JSON), verified against the franking tag. */
  payload: string;
  franking_key_id: string;
  created_at: Date;
}

export interface MediaTable {
  id: string;
  uploader_account_id: string;
  uploader_device_id: string;
  conversation_id: string;
  size: ColumnType<string, number, never>;
  sha256: string;
  created_at: CreatedAt;
  /** Migration 0005: the file is sealed under the server key (media/seal.node.ts); false for older files. */
  sealed: Generated<boolean>;
}

/** A case actioned as a violation, for transparency statistics (migration 0009; see repos/statistics.ts). */
export interface IncidentsTable {
  /** The moderation case's id. */
  case_id: string;
  subject_account_id: string | null;
  /** The child involved, when there is one: their region decides the force area. */
  child_account_id: string | null;
  /** @haven/safety ForceBucket as it was at the decision. */
  force: string;
  surface: 'direct' | 'group' | 'media' | 'profile' | null;
  method: 'server-hash' | 'device-hash' | 'user-report' | 'risk-signal' | null;
  opened_at: Date;
  actioned_at: Date;
  content_items: number;
  referred_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  appealed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  appeal_outcome: ColumnType<'overturned' | 'upheld' | null, 'overturned' | 'upheld' | null | undefined, 'overturned' | 'upheld' | null>;
  restored_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: CreatedAt;
}

/** One sign-in or media upload's address, where the operator enables IP capture (migration 0013). */
export interface IpCaptureEventsTable {
  id: string;
  account_id: string;
  event: 'Login' | 'Upload' | 'Other';
  ip: string;
  at: Date;
}

// Moderation (migration 0008): see src/moderation and docs/decisions/0008-moderation.md.
export interface CasesTable {
  id: string;
  subject_account_id: string;
  status: 'open' | 'in_review' | 'actioned' | 'referred' | 'closed';
  outcome: 'actioned' | 'no_violation' | null;
  priority: 'urgent' | 'high' | 'normal' | 'low';
  priority_rank: number;
  priority_rule: string;
  due_at: Date;
  assignee_id: string | null;
  claimed_at: Date | null;
  legal_hold: Generated<boolean>;
  evidence_retain_until: Date | null;
  evidence_purged_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface CaseItemsTable {
  id: string;
  case_id: string;
  kind: 'report' | 'detection' | 'signal' | 'appeal';
  ref_id: string;
  facts: string;
  created_at: Date;
}

export interface ReportsTable {
  id: string;
  reporter_account_id: string;
  reporter_device_id: string;
  target_kind: 'message' | 'attachment' | 'account';
  subject_account_id: string;
  conversation_id: string | null;
  message_id: string | null;
  media_id: string | null;
  reason: string;
  note: string | null;
  verified_by: 'server-copy' | 'franking' | 'account';
  dedup_key: string;
  notify_outcome: boolean;
  case_id: string | null;
  outcome: 'actioned' | 'no_violation' | null;
  outcome_notified_at: Date | null;
  created_at: Date;
}

export interface DecisionsTable {
  id: string;
  case_id: string;
  subject_account_id: string;
  moderator_id: string;
  action: 'warn' | 'remove_content' | 'restrict_media' | 'suspend' | 'ban' | 'lift' | 'no_violation';
  reason: string;
  note: string | null;
  until: Date | null;
  created_at: Date;
}

export interface AppealsTable {
  id: string;
  decision_id: string;
  account_id: string;
  text: string;
  status: 'pending' | 'upheld' | 'overturned';
  decided_by: string | null;
  decided_at: Date | null;
  created_at: Date;
}

export interface EvidenceTable {
  id: string;
  case_id: string;
  item_id: string | null;
  kind: 'message' | 'attachment' | 'detection' | 'metadata';
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  md5: string;
  pdq: string | null;
  sealed: Uint8Array | null;
  metadata: string;
  created_at: Date;
}

export interface RemovedMessagesTable {
  message_id: string;
  decision_id: string;
  removed_at: Date;
}

export interface EvidenceRevealsTable {
  id: string;
  moderator_id: string;
  evidence_id: string;
  at: Date;
}

export interface ReferralsTable {
  id: string;
  case_id: string;
  created_by: string;
  status: 'built' | 'submitted' | 'failed';
  remote_report_id: string | null;
  error: string | null;
  note: string | null;
  created_at: Date;
}

/** A metadata event for risk signals (issue 11): who did what to whom, when; never content. */
export interface SignalEventsTable {
  id: string;
  type: string;
  at: Date;
  actor_id: string;
  /** The other account (or the group's id for group joins). */
  subject_id: string | null;
  /** The subject's band at the time ('child' | 'adult'), null when unknown or not an account. */
  subject_band: string | null;
  conversation_id: string | null;
  message_id: string | null;
  /** JSON of the @haven/safety SafetyEvent as it was computed at the time (bands, ages, zones). */
  data: string;
}

/** A signal found for an account, waiting for the moderation queue (`status` open → queued). */
export interface SignalHitsTable {
  id: string;
  account_id: string;
  code: string;
  explanation: string;
  /** JSON string[]. */
  related: string;
  /** JSON string[]: event and message ids. */
  evidence: string;
  conversation_id: string | null;
  at: Date;
  dedupe_key: string;
  status: Generated<'open' | 'queued'>;
  case_id: string | null;
  created_at: Date;
}

export interface RiskScoresTable {
  account_id: string;
  score: number;
  /** JSON of codes, explanation lines and evidence ids. */
  codes: string;
  explanation: string;
  evidence: string;
  updated_at: Date;
}

export interface SignalNoticesSentTable {
  child_id: string;
  suspect_id: string;
  kind: string;
  at: Date;
}

/** K6: the suspect of a sextortion signal no longer sees the child's contacts, until a moderator lifts it. */
export interface SextortionShieldsTable {
  suspect_id: string;
  child_id: string;
  hit_id: string | null;
  threat_at: Date;
  created_at: Generated<Date>;
  lifted_at: Date | null;
  lifted_by: string | null;
  lift_reason: string | null;
}

/** A child's own image, reported by its hashes only (the platform block list, kept apart from imported lists). */
export interface SelfReportsTable {
  id: string;
  account_id: string;
  /** PDQ quality of the original: below the matching minimum only the exact hashes match. */
  pdq_quality: number;
  created_at: CreatedAt;
  removed_at: Date | null;
  removed_by: string | null;
}

export interface SelfReportHashesTable {
  report_id: string;
  kind: 'pdq' | 'sha256' | 'md5';
  value: string;
}

/** An account's identity key (Ed25519 public key), set by its first linked device (migration 0011). */
export interface AccountKeysTable {
  account_id: string;
  public_key: Uint8Array;
  updated_at: Date;
}

/** A linked device's certificate (the account key's signature over its ids and MLS signature key). */
export interface DeviceCertificatesTable {
  device_id: string;
  account_id: string;
  account_key: Uint8Array;
  /** @haven/crypto `encodeCertificate` bytes. */
  certificate: Uint8Array;
  created_at: CreatedAt;
}

/** A device link being relayed: opaque, MAC-protected request and answer (docs/decisions/0011). */
export interface DeviceLinksTable {
  id: string;
  account_id: string;
  offered_by_device_id: string;
  request: Uint8Array | null;
  requested_by_device_id: string | null;
  response: Uint8Array | null;
  expires_at: Date;
  created_at: CreatedAt;
}

export interface Database {
  accounts: AccountsTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  contacts: ContactsTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  messages: MessagesTable;
  cursors: CursorsTable;
  invites: InvitesTable;
  detections: DetectionsTable;
  quarantine: QuarantineTable;
  media_restrictions: MediaRestrictionsTable;
  audit_log: AuditLogTable;
  safety_notices: SafetyNoticesTable;
  mls_devices: MlsDevicesTable;
  mls_key_packages: MlsKeyPackagesTable;
  mls_groups: MlsGroupsTable;
  franked_reports: FrankedReportsTable;
  media: MediaTable;
  mls_welcomes: MlsWelcomesTable;
  incidents: IncidentsTable;
  cases: CasesTable;
  case_items: CaseItemsTable;
  reports: ReportsTable;
  decisions: DecisionsTable;
  appeals: AppealsTable;
  evidence: EvidenceTable;
  removed_messages: RemovedMessagesTable;
  evidence_reveals: EvidenceRevealsTable;
  referrals: ReferralsTable;
  signal_events: SignalEventsTable;
  signal_hits: SignalHitsTable;
  risk_scores: RiskScoresTable;
  signal_notices_sent: SignalNoticesSentTable;
  sextortion_shields: SextortionShieldsTable;
  self_reports: SelfReportsTable;
  self_report_hashes: SelfReportHashesTable;
  account_keys: AccountKeysTable;
  device_certificates: DeviceCertificatesTable;
  device_links: DeviceLinksTable;
  ip_capture_events: IpCaptureEventsTable;
}

export type AccountRow = Selectable<AccountsTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type ContactRow = Selectable<ContactsTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type MlsGroupRow = Selectable<MlsGroupsTable>;
export type NewMessage = Insertable<MessagesTable>;
export type DetectionRow = Selectable<DetectionsTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type IncidentRow = Selectable<IncidentsTable>;
export type CaseRow = Selectable<CasesTable>;
export type ReportRow = Selectable<ReportsTable>;
export type EvidenceRow = Selectable<EvidenceTable>;
export type DecisionRow = Selectable<DecisionsTable>;
