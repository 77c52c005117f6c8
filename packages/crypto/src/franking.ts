// Message franking (as in Messenger's secret conversations and the MIMI drafts). Encodings are
// specified in packages/crypto/FRANKING.md; every field is length-prefixed so no two inputs collide.
import type { AttachmentRef, MessagePayload } from '@haven/protocol';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, constantTimeEqual, fromHex, u64, u8, utf8, vec16, vec32 } from './bytes';
import { fail, succeed, type CryptoResult } from './errors';
import { defaultRng, type Rng } from './rng';

export const FRANKING_KEY_BYTES = 32;
export const COMMITMENT_BYTES = 32;
const CONTENT_LABEL = utf8('haven/franking/content/v1\0');
const TAG_LABEL = utf8('haven/franking/tag/v1\0');
/** Version byte of the MLS authenticated_data Haven sends with application messages. */
const AD_VERSION = 1;

/** The payload as franking sees it: everything a person reads, attachment hashes, never attachment keys. */
export function canonicalFrankedContent(p: MessagePayload): Uint8Array {
  const parts: Uint8Array[] = [CONTENT_LABEL, u8(p.v)];
  parts.push(p.text === undefined ? u8(0) : concatBytes(u8(1), vec32(utf8(p.text))));
  const atts = p.attachments ?? [];
  if (atts.length > 255) throw new RangeError('too many attachments');
  parts.push(u8(atts.length));
  for (const a of atts) parts.push(canonicalAttachment(a));
  return concatBytes(...parts);
}

function canonicalAttachment(a: AttachmentRef): Uint8Array {
  const hash = fromHex(a.sha256);
  if (!hash || hash.length !== 32) throw new RangeError('attachment sha256 must be 64 hex digits');
  return concatBytes(
    vec16(utf8(a.mediaId)),
    vec16(utf8(a.contentType)),
    u64(a.size),
    hash,
    a.name === undefined ? u8(0) : concatBytes(u8(1), vec16(utf8(a.name))),
  );
}

/** commitment = HMAC-SHA256(frankingKey, canonicalFrankedContent(payload)). */
export function frankingCommitment(payload: MessagePayload, frankingKey: Uint8Array): Uint8Array {
  if (frankingKey.length !== FRANKING_KEY_BYTES) throw new RangeError('a franking key is 32 bytes');
  return hmac(sha256, frankingKey, canonicalFrankedContent(payload));
}

/** Recomputes the commitment and compares in constant time. */
export function verifyCommitment(payload: MessagePayload, frankingKey: Uint8Array, commitment: Uint8Array): boolean {
  if (frankingKey.length !== FRANKING_KEY_BYTES || commitment.length !== COMMITMENT_BYTES) return false;
  return constantTimeEqual(frankingCommitment(payload, frankingKey), commitment);
}

export function newFrankingKey(rng: Rng = defaultRng): Uint8Array {
  return rng(FRANKING_KEY_BYTES);
}

/** MLS authenticated_data of a Haven application message: `0x01 || commitment (32 bytes)`. */
export function encodeFrankingAad(commitment: Uint8Array): Uint8Array {
  if (commitment.length !== COMMITMENT_BYTES) throw new RangeError('a commitment is 32 bytes');
  return concatBytes(u8(AD_VERSION), commitment);
}

/** The commitment in an application message's authenticated_data; `undefined` when it is not one. */
export function parseFrankingAad(ad: Uint8Array): Uint8Array | undefined {
  return ad.length === 1 + COMMITMENT_BYTES && ad[0] === AD_VERSION ? ad.slice(1) : undefined;
}

/** What the server binds to a commitment when it forwards a message. */
export interface FrankingContext {
  senderAccountId: string;
  senderDeviceId: string;
  conversationId: string;
  /** Server receive time, milliseconds since the epoch. */
  timestamp: number;
}

/** The server's tag and the id of the secret that made it; forwarded to recipients with the message. */
export interface FrankingTag {
  keyId: string;
  tag: Uint8Array;
}

/**
 * The server's franking secrets by key id. New tags use `currentKeyId`; older ids stay to verify older
 * tags until the operator retires them. Secrets are at least 32 random bytes.
 */
export interface FrankingKeyring {
  currentKeyId: string;
  secrets: Readonly<Record<string, Uint8Array>>;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A fresh 32-byte server franking secret. */
export function generateFrankingSecret(rng: Rng = defaultRng): Uint8Array {
  return rng(32);
}

/** Checks a keyring's shape (for the server's config loader); returns a sentence per problem. */
export function keyringProblems(k: FrankingKeyring): string[] {
  const out: string[] = [];
  if (!Object.hasOwn(k.secrets, k.currentKeyId)) out.push(`current key id "${k.currentKeyId}" has no secret`);
  for (const [id, s] of Object.entries(k.secrets)) {
    if (!KEY_ID.test(id)) out.push(`key id "${id}" must be 1–64 of A-Z a-z 0-9 . _ -`);
    if (s.length < 32) out.push(`secret of key id "${id}" is shorter than 32 bytes`);
  }
  return out;
}

function tagInput(keyId: string, commitment: Uint8Array, c: FrankingContext): Uint8Array {
  if (!Number.isSafeInteger(c.timestamp) || c.timestamp < 0) throw new RangeError('timestamp must be a non-negative integer');
  return concatBytes(
    TAG_LABEL,
    vec16(utf8(keyId)),
    commitment,
    vec16(utf8(c.senderAccountId)),
    vec16(utf8(c.senderDeviceId)),
    vec16(utf8(c.conversationId)),
    u64(c.timestamp),
  );
}

/**
 * Server side, on accepting an application message: tag = HMAC-SHA256(secret[currentKeyId],
 * label || keyId || commitment || sender account || sender device || conversation || timestamp).
 * @example const tag = createServerTag(keyring, commitment, { senderAccountId, senderDeviceId, conversationId, timestamp: now });
 */
export function createServerTag(keyring: FrankingKeyring, commitment: Uint8Array, context: FrankingContext): FrankingTag {
  const secret = keyring.secrets[keyring.currentKeyId];
  if (!secret) throw new Error(`franking keyring has no secret for current key id ${keyring.currentKeyId}`);
  if (commitment.length !== COMMITMENT_BYTES) throw new RangeError('a commitment is 32 bytes');
  return { keyId: keyring.currentKeyId, tag: hmac(sha256, secret, tagInput(keyring.currentKeyId, commitment, context)) };
}

/** Server side: checks a tag against its context with the secret its key id names. */
export function verifyServerTag(
  keyring: FrankingKeyring,
  commitment: Uint8Array,
  context: FrankingContext,
  tag: FrankingTag,
): CryptoResult<void> {
  const secret = Object.hasOwn(keyring.secrets, tag.keyId) ? keyring.secrets[tag.keyId] : undefined;
  if (!secret) return fail('report.unverified', 'The franking tag names a key this server does not have.');
  if (commitment.length !== COMMITMENT_BYTES || tag.tag.length !== 32)
    return fail('report.unverified', 'The franking tag or commitment has the wrong length.');
  let input: Uint8Array;
  try {
    input = tagInput(tag.keyId, commitment, context);
  } catch {
    return fail('report.unverified', 'The report context is not valid.');
  }
  if (!constantTimeEqual(hmac(sha256, secret, input), tag.tag))
    return fail('report.unverified', 'The franking tag does not match this message, sender, conversation and time.');
  return succeed(undefined);
}

/** What a recipient sends to report a message: what it read, the proof, and the server's context. */
export interface FrankingReport {
  payload: MessagePayload;
  frankingKey: Uint8Array;
  commitment: Uint8Array;
  tag: FrankingTag;
  context: FrankingContext;
}

/**
 * Server side, on a report: the plaintext opens the commitment under the franking key, and the server's
 * own tag binds that commitment to the sender, conversation and time. Either failing → `report.unverified`.
 * @example const r = verifyReport(keyring, report); if (!r.ok) reply(422, r.error);
 */
export function verifyReport(keyring: FrankingKeyring, report: FrankingReport): CryptoResult<void> {
  let opens = false;
  try {
    opens = verifyCommitment(report.payload, report.frankingKey, report.commitment);
  } catch {
    opens = false;
  }
  if (!opens) return fail('report.unverified', 'The reported content does not match the message commitment.');
  return verifyServerTag(keyring, report.commitment, report.context, report.tag);
}
