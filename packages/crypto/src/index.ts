// Public API of @haven/crypto: curated exports only. Nothing outside this package imports ts-mls.
export { DEFAULT_SUITE, SUITES, SUITE_NAMES, isSuiteName, type SuiteName, type SuiteId } from './suites';
export { defaultRng, type Rng } from './rng';
export type { CryptoError, CryptoResult } from './errors';
export { encodeIdentity, parseIdentity, certificateOfCredential, credentialFor, sameIdentity, groupIdForConversation, type DeviceIdentity } from './identity';
export { generateDeviceKeys, encodeDeviceKeys, decodeDeviceKeys, type DeviceKeys } from './device-keys';
export {
  generateAccountKeys,
  certifyDevice,
  verifyCertificate,
  encodeCertificate,
  decodeCertificate,
  encodeAccountKeys,
  decodeAccountKeys,
  keyFingerprint,
  safetyCode,
  type AccountKeys,
  type DeviceCertificate,
} from './device-certificate';
export {
  generateKeyPackages,
  DEFAULT_KEY_PACKAGE_LIFETIME_S,
  LAST_RESORT_EXTENSION,
  type GeneratedKeyPackage,
} from './key-packages';
export {
  GroupSession,
  type GroupEvent,
  type CommitEvent,
  type Member,
  type PendingCommit,
  type SessionOptions,
} from './group-session';
export {
  parseKeyPackage,
  inspectMessage,
  MAX_MLS_MESSAGE_BYTES,
  type KeyPackageInfo,
  type ParseKeyPackageOptions,
  type MessageInfo,
  type CommitInfo,
  type ContentType,
} from './inspect';
export { rosterOfCreator, rosterAfterCommit, leafOf, leavesOfDevice, type Roster, type RosterLeaf } from './roster';
export {
  canonicalFrankedContent,
  frankingCommitment,
  verifyCommitment,
  encodeFrankingAad,
  parseFrankingAad,
  createServerTag,
  verifyServerTag,
  verifyReport,
  generateFrankingSecret,
  keyringProblems,
  FRANKING_KEY_BYTES,
  COMMITMENT_BYTES,
  type FrankingContext,
  type FrankingTag,
  type FrankingKeyring,
  type FrankingReport,
} from './franking';
export { sealPayload, encryptPayload, openPayload, type SealedPayload, type OpenedPayload } from './sealed-payload';
export {
  AttachmentEncryptor,
  AttachmentDecryptor,
  encryptAttachment,
  decryptAttachment,
  attachmentCiphertextSize,
  encryptAttachmentStream,
  decryptAttachmentStream,
  AttachmentCorruptError,
  ATTACHMENT_CHUNK_SIZE,
  type AttachmentSecrets,
} from './attachments';
export { MemoryStateStore, isStateKey, type StateStore } from './state-store';
export { E2eeDevice } from './e2ee-device';
export { toHex, fromHex } from './bytes';
export {
  newLinkSecret,
  formatLinkCode,
  parseLinkCode,
  linkIdOf,
  makeLinkRequest,
  openLinkRequest,
  answerLinkRequest,
  completeLink,
  LINK_SECRET_BYTES,
  type LinkRequestSecret,
  type OpenedLinkRequest,
} from './linking';
