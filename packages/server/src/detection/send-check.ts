import { HavenError, PAYLOAD_CONTENT_TYPE, decodePayload } from '@haven/protocol';
import type { Caller, Services } from '../services/context';
import type { ConversationRow } from '../storage/database';
import { findAccountById } from '../storage/repos/accounts';
import { mediaIdsInConversation } from '../storage/repos/media';
import { assertMayShareMedia } from './record';

/**
 * The send path of a `visible` conversation: a message may only reference attachments that were
 * uploaded to this conversation (so they passed its known-image check, D1), and a sender restricted
 * from media cannot share files uploaded before the restriction. Messages without attachments cost
 * nothing beyond parsing the payload.
 */
export async function checkVisibleAttachments(s: Services, caller: Caller, conversation: ConversationRow, contentType: string, body: Uint8Array): Promise<void> {
  if (conversation.mode !== 'visible' || contentType !== PAYLOAD_CONTENT_TYPE) return;
  const refs = decodePayload(body)?.attachments ?? [];
  if (refs.length === 0) return;
  const me = await findAccountById(s.db, caller.accountId);
  if (!me) throw new HavenError('auth.invalid_token');
  await assertMayShareMedia(s, me);
  const ids = [...new Set(refs.map((r) => r.mediaId))];
  const wellFormed = ids.filter((i) => /^[0-9a-f-]{36}$/.test(i));
  const found = wellFormed.length === ids.length ? await mediaIdsInConversation(s.db, conversation.id, wellFormed) : [];
  if (found.length !== ids.length) throw new HavenError('media.not_found', 'Attachments must be uploaded to this conversation before they are sent.');
}
