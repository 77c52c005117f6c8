// Public API of @haven/client (runs in browsers and Node). Node-only parts: `@haven/client/node`.
export { HavenClient, normaliseServerUrl, type HavenClientOptions, type LoginOptions } from './http-client';
export {
  Connection,
  type ConnectionEvents,
  type ConnectionOptions,
  type ConnectionState,
  type MessageHistory,
  type WebSocketFactory,
  type WebSocketLike,
} from './connection';
export { codecFor, defaultCodecs, visibleCodec, type CodecSelector, type Decoded, type EncodedBody, type MessageCodec } from './codec';
export { Messenger, isOutage, type MessengerOptions, type ReceivedMessage } from './messenger';
export { MemoryProfileStore, Profile, type ProfileStore } from './profile';
export { Emitter, type Listener } from './emitter';
export { newClientMessageId } from './ids';
export { base64ToBytes, bytesToBase64 } from './base64';
export { errorFromResponse } from './errors';
export { HashListGuard, decodeSyncedLists, type AttachmentHasher, type AttachmentHashes, type GuardMatch, type GuardVerdict } from './safety/hash-guard';
export { E2eeEngine, type E2eeEngineOptions, type ConversationDevice, type SafetyCodeInfo } from './e2ee/engine';
export { TrustStore, type DeviceNotice, type Pin } from './e2ee/trust';
export { mlsCodec, e2eeCodecs } from './e2ee/codec';
export { ReceivedRecord } from './e2ee/received';
export { uploadAttachment, attachmentStream, type AttachmentSource } from './e2ee/attachments';
export { openGuardedAttachment, uploadGuardedAttachment } from './safety/guarded-attachments';
export { CHILDLINE, NudityGuard, type IncomingVerdict, type NudityClassifier, type NudityGuardOptions, type NudityLoader, type NudityScore, type OutgoingVerdict } from './safety/nudity';
