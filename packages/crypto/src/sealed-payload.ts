// The application data of a Haven e2ee message and its franking commitment. Inside MLS (encrypted):
//   u8 version=1 | franking key (32 bytes) | payload (UTF-8 JSON, @haven/protocol MessagePayload)
// In MLS authenticated_data (clear, authenticated): 0x01 | commitment (32 bytes).
import { decodePayload, encodePayload, type MessagePayload } from '@haven/protocol';
import { concatBytes, u8 } from './bytes';
import { fail, succeed, type CryptoResult } from './errors';
import {
  FRANKING_KEY_BYTES,
  encodeFrankingAad,
  frankingCommitment,
  newFrankingKey,
  parseFrankingAad,
  verifyCommitment,
} from './franking';
import type { GroupEvent, GroupSession, Member } from './group-session';
import { defaultRng, type Rng } from './rng';

const VERSION = 1;

/** What a sender needs to encrypt a payload with franking. */
export interface SealedPayload {
  data: Uint8Array;
  authenticatedData: Uint8Array;
  frankingKey: Uint8Array;
  commitment: Uint8Array;
}

/** Draws a fresh franking key and builds application data and authenticated data for `payload`. */
export function sealPayload(payload: MessagePayload, rng: Rng = defaultRng): SealedPayload {
  const frankingKey = newFrankingKey(rng);
  const commitment = frankingCommitment(payload, frankingKey);
  return {
    data: concatBytes(u8(VERSION), frankingKey, encodePayload(payload)),
    authenticatedData: encodeFrankingAad(commitment),
    frankingKey,
    commitment,
  };
}

/**
 * Encrypts a payload for the group with franking: the MLS message to send and the commitment (which the
 * server reads from the message's authenticated data anyway).
 * @example const r = await encryptPayload(session, { v: 1, text: 'hi' });
 */
export async function encryptPayload(
  session: GroupSession,
  payload: MessagePayload,
  opts: { rng?: Rng } = {},
): Promise<CryptoResult<{ message: Uint8Array; commitment: Uint8Array }>> {
  const s = sealPayload(payload, opts.rng ?? defaultRng);
  const r = await session.encrypt(s.data, s.authenticatedData);
  return r.ok ? succeed({ message: r.value, commitment: s.commitment }) : r;
}

/** A decrypted message and what its recipient keeps to report it later (with the server's tag). */
export interface OpenedPayload {
  payload: MessagePayload;
  sender: Member;
  frankingKey: Uint8Array;
  commitment: Uint8Array;
}

/**
 * Opens the application data of a processed message and checks its franking commitment: a message
 * whose commitment does not open is refused (it could not be reported faithfully).
 */
export function openPayload(event: Extract<GroupEvent, { kind: 'application' }>): CryptoResult<OpenedPayload> {
  const commitment = parseFrankingAad(event.authenticatedData);
  if (!commitment) return fail('mls.bad_message', 'The message carries no franking commitment.');
  const d = event.data;
  if (d.length < 1 + FRANKING_KEY_BYTES || d[0] !== VERSION) return fail('mls.bad_message', 'The message payload is malformed.');
  const frankingKey = d.slice(1, 1 + FRANKING_KEY_BYTES);
  const payload = decodePayload(d.subarray(1 + FRANKING_KEY_BYTES));
  if (!payload) return fail('mls.bad_message', 'The message payload is malformed.');
  if (!verifyCommitment(payload, frankingKey, commitment))
    return fail('mls.bad_message', 'The franking commitment does not match the message.');
  return succeed({ payload, sender: event.sender, frankingKey, commitment });
}
