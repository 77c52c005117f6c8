import { z } from 'zod';
import { FrankingTagWire, Message } from './http';
import { AccountId, Base64, ClientMessageId, ConversationId, DeviceId, MessageId } from './ids';
import { MessagePayload } from './payload';
import { HelpWire } from './safety';
import { FileReportRequest, Note, ReportAcknowledgement, ReportReason } from './moderation';
import { safeText } from './text';

// Wire schemas of the MLS Delivery/Authentication Service, franked reports and media (docs/decisions/0002).

/** Content types of MLS traffic in an `e2ee` conversation's stream. */
export const MLS_CONTENT_TYPES = {
  commit: 'application/mls-commit',
  message: 'application/mls-message',
  welcome: 'application/mls-welcome',
} as const;

export const UploadKeyPackagesRequest = z.object({ keyPackages: z.array(Base64).min(1).max(200) }).strict();
export type UploadKeyPackagesRequest = z.infer<typeof UploadKeyPackagesRequest>;

/** This device's key packages on the server, and the suites the server accepts (first = preferred). */
export const KeyPackageStatus = z.object({
  oneTime: z.number().int().nonnegative(),
  lastResort: z.boolean(),
  allowedSuites: z.array(z.string()),
});
export type KeyPackageStatus = z.infer<typeof KeyPackageStatus>;

export const ClaimKeyPackagesRequest = z.object({ devices: z.array(DeviceId).min(1).max(1000) }).strict();
export const ClaimedKeyPackages = z.object({
  keyPackages: z.array(z.object({ accountId: AccountId, deviceId: DeviceId, keyPackage: Base64 })),
  /** Devices with no key package left (they are added later, when they upload). */
  missing: z.array(DeviceId),
});
export type ClaimedKeyPackages = z.infer<typeof ClaimedKeyPackages>;

export const MlsDevice = z.object({
  accountId: AccountId,
  deviceId: DeviceId,
  /** The device's name as its owner gave it (untrusted: shown, never relied on). */
  name: z.string().nullable().optional(),
  /** The device certificate from its key packages (base64 of @haven/crypto `encodeCertificate`); clients verify it. */
  certificate: Base64.optional(),
});
export type MlsDevice = z.infer<typeof MlsDevice>;

/** The server's view of a conversation's MLS group, and the devices that should be its leaves. */
export const MlsGroupState = z.object({
  conversationId: ConversationId,
  /** 0 until the first commit creates the group. */
  epoch: z.number().int().nonnegative(),
  leaves: z.array(z.object({ leafIndex: z.number().int().nonnegative(), accountId: AccountId, deviceId: DeviceId })),
  /** Every MLS device (one that uploaded key packages) of every current member. */
  devices: z.array(MlsDevice),
});
export type MlsGroupState = z.infer<typeof MlsGroupState>;

export const SubmitCommitRequest = z
  .object({ clientMessageId: ClientMessageId, commit: Base64, welcome: Base64.optional() })
  .strict();
export type SubmitCommitRequest = z.infer<typeof SubmitCommitRequest>;

export const CommitAccepted = z.object({
  /** The group's epoch after the commit. */
  epoch: z.number().int().nonnegative(),
  commit: Message,
  /** One device-targeted welcome message per added device. */
  welcomes: z.array(Message),
});
export type CommitAccepted = z.infer<typeof CommitAccepted>;

/** A franked report of an e2ee message: what the reporter read, the proof, and the server's context. */
export const ReportRequest = z
  .object({
    messageId: MessageId,
    reason: ReportReason,
    note: Note.optional(),
    notifyOutcome: z.boolean().optional(),
    payload: MessagePayload,
    frankingKey: Base64,
    commitment: Base64,
    tag: FrankingTagWire,
    context: z
      .object({ senderAccountId: AccountId, senderDeviceId: DeviceId, conversationId: ConversationId, timestamp: z.number().int().nonnegative().max(8_640_000_000_000_000) })
      .strict(),
  })
  .strict();
export type ReportRequest = z.infer<typeof ReportRequest>;

/** Either kind of report on `POST /v1/reports`. */
export const AnyReportRequest = z.union([ReportRequest, FileReportRequest]);
export type AnyReportRequest = z.infer<typeof AnyReportRequest>;

/**
 * `verified`: the server checked the content itself (its stored copy, or the franking proof). `duplicate`:
 * the reporter had reported this already (one report). `help`: resources for the reporter (H2).
 */
export const ReportAccepted = z.object({
  id: z.string().uuid(),
  verified: z.boolean(),
  duplicate: z.boolean(),
  createdAt: z.string(),
  acknowledgement: ReportAcknowledgement,
  help: HelpWire.optional(),
});
export type ReportAccepted = z.infer<typeof ReportAccepted>;

/** An uploaded blob: opaque ciphertext (e2ee) or plaintext the server may scan (visible). */
export const MediaUploaded = z.object({
  id: z.string().uuid(),
  size: z.number().int().nonnegative(),
  /** SHA-256 (hex) of the bytes the server stored (the ciphertext, for e2ee). */
  sha256: z.string(),
  conversationId: ConversationId,
});
export type MediaUploaded = z.infer<typeof MediaUploaded>;
export const MediaUploadQuery = z.object({ conversationId: ConversationId }).strict();
export const MediaParams = z.object({ id: z.string().uuid() }).strict();
