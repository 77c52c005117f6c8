import { randomUUID } from 'node:crypto';
import { HavenError, PAYLOAD_CONTENT_TYPE, messageContentTypeAllowed, type AccountPublic, type Message } from '@haven/protocol';
import type { MessageRow } from '../storage/database';
import { findAccountsByIds } from '../storage/repos/accounts';
import { findMembership } from '../storage/repos/conversations';
import { backlogForDevice, listMessagesAfter } from '../storage/repos/messages';
import { hotPath } from '../storage/hot-path';
import type { Caller, Services } from './context';
import { accountPublic, messageView, shieldMessage } from './views';
import { shieldedChildrenIn } from '../storage/repos/shields';
import type { ShieldPair } from '../storage/repos/conversations';
import { prepareMlsApplication } from '../mls/service';
import { checkVisibleAttachments } from '../detection/send-check';
import { REMOVABLE_CONTENT_TYPES, removedAmong } from '../storage/repos/cases';
import { MLS_CONTENT_TYPES, REMOVED_CONTENT_TYPE } from '@haven/protocol';
import { othersIncludeChild, signalMessage } from '../signals/hooks';
import { signalText } from '../signals/text';

export interface SendInput {
  conversationId: string;
  clientMessageId: string;
  /** base64 of opaque bytes. */
  body: string;
  contentType?: string | undefined;
}

async function membership(s: Services, caller: Caller, conversationId: string) {
  const m = await findMembership(s.db, conversationId, caller.accountId);
  if (!m) throw new HavenError('conversation.not_found');
  return m;
}

/**
 * Decrypts stored rows into wire messages, looking up each sender once. With `viewerId`, as that viewer
 * may see them: K6 hides the writer of a message from a sextortion suspect where a shielded child is a member.
 */
export async function viewMessages(s: Services, rows: MessageRow[], known?: AccountPublic, viewerId?: string): Promise<Message[]> {
  const ids = [...new Set(rows.map((r) => r.sender_account_id))].filter((id) => id !== known?.id);
  const senders = new Map<string, AccountPublic>((await findAccountsByIds(s.db, ids)).map((a) => [a.id, accountPublic(a)]));
  if (known) senders.set(known.id, known);
  // Content a moderator removed is hidden from everyone, in either mode (issue 9, 3): served as a
  // removal marker with an empty body and no franking tag, so no client decodes or MLS-decrypts it.
  // The stored copy (payload or ciphertext) stays, as evidence; an overturned appeal serves it again.
  const removed = await removedAmong(s.db, rows.filter((r) => REMOVABLE_CONTENT_TYPES.includes(r.content_type)).map((r) => r.id));
  const shielded = viewerId && rows.length > 0 ? await shieldedChildrenIn(s.db, viewerId, rows.map((r) => r.conversation_id)) : undefined;
  return rows.map((r) => {
    const sender = senders.get(r.sender_account_id)!;
    const view = (m: Message): Message => {
      const children = shielded?.get(r.conversation_id);
      return children ? shieldMessage(m, viewerId!, children) : m;
    };
    if (!removed.has(r.id)) return view(messageView(r, sender, s.sealer.open(r.body, r.id, r.conversation_id)));
    const { franking: _tag, ...marker } = messageView(r, sender, new Uint8Array());
    return view({ ...marker, contentType: REMOVED_CONTENT_TYPE });
  });
}

/**
 * Sends a new message's frame to every member. K6: a sextortion suspect in a conversation with a child it
 * is shielded from gets its own frame, with the writer hidden unless it is the suspect or that child.
 */
async function publishMessage(s: Services, memberIds: readonly string[], message: Message, shields: readonly ShieldPair[]): Promise<void> {
  if (shields.length === 0) return s.fanout.publish(memberIds, { type: 'message', message });
  const byViewer = new Map<string, Set<string>>();
  for (const p of shields) byViewer.set(p.suspectId, (byViewer.get(p.suspectId) ?? new Set<string>()).add(p.childId));
  const plain = memberIds.filter((id) => !byViewer.has(id));
  if (plain.length > 0) await s.fanout.publish(plain, { type: 'message', message });
  for (const [viewer, children] of byViewer) await s.fanout.publish([viewer], { type: 'message', message: shieldMessage(message, viewer, children) });
}

/**
 * Where a send enters the store relative to the sends before it on the same connection (ws/connection.ts
 * pipelines them): it waits for `turn` before queueing its insert, then calls `queued`. Inserts are
 * numbered in the order they are queued, so a connection's messages keep their order.
 */
export interface SendOrder {
  turn: Promise<void>;
  queued: () => void;
}

/**
 * Stores a message durably, then fans it out to every member (the sender's other devices too).
 * A resend with the same clientMessageId returns the stored message with `created: false` and fans it out
 * again (the first fan-out may never have happened); devices drop the second copy by message id.
 */
export async function sendMessage(s: Services, caller: Caller, input: SendInput, order?: SendOrder): Promise<{ message: Message; created: boolean }> {
  const body = Buffer.from(input.body, 'base64');
  if (body.length > s.config.limits.messageBytes) throw new HavenError('message.too_large');
  const found = await hotPath(s.db).findForSend(input.conversationId, caller.accountId);
  // Not a member and no such conversation look the same: existence is not leaked.
  if (!found) throw new HavenError('conversation.not_found');
  const { conversation, memberIds, memberBirthDates, blocked, shields } = found;
  if (blocked) throw new HavenError('policy.blocked');
  // P9: an age correction left this conversation's mode unfit for its members; it takes no new messages.
  if (conversation.closed_reason) throw new HavenError('policy.mode_change', conversation.closed_reason);
  const id = randomUUID();
  const contentType = input.contentType ?? PAYLOAD_CONTENT_TYPE;
  // One rule for what a body may be in each mode (issue 13, 1): in a visible conversation media goes
  // through the upload check, never in a body.
  const allowed = messageContentTypeAllowed(conversation.mode, contentType, conversation.id);
  if (!allowed.ok) throw new HavenError(allowed.error.code, allowed.error.message);
  await checkVisibleAttachments(s, caller, conversation, contentType, body);
  const { message: toStore, check } =
    conversation.mode === 'e2ee'
      ? await prepareMlsApplication(s, caller, conversation, { id, clientMessageId: input.clientMessageId, contentType, body, sentAt: s.now() })
      : {
          message: {
            id,
            conversation_id: conversation.id,
            sender_account_id: caller.accountId,
            sender_device_id: caller.deviceId,
            client_message_id: input.clientMessageId,
            content_type: contentType,
            body: s.sealer.seal(body, id, conversation.id),
            sent_at: s.now(),
          },
          check: undefined,
        };
  if (order) await order.turn;
  const inserting = hotPath(s.db).insert(toStore, check);
  order?.queued();
  const { row, created } = await inserting;
  const sender = { id: caller.accountId as AccountPublic['id'], handle: caller.handle, displayName: caller.displayName };
  const message = row.id === id ? messageView(row, sender, body) : (await viewMessages(s, [row], sender))[0]!;
  if (created) s.metrics.messagesIn.inc({ path: conversation.mode === 'e2ee' ? 'e2ee' : 'visible' });
  // A resend is published again: the sender resends because it had no answer, so the node that stored
  // the message may have died before publishing it. Devices drop the copy by message id.
  await publishMessage(s, memberIds, message, shields);
  // Risk signals concern conversations with a child only; between adults they would record nothing.
  if (created && othersIncludeChild(s, caller.accountId, memberIds, memberBirthDates, s.now())) {
    // Metadata only (every mode): who wrote to whom and when; the body is never looked at here.
    // Commits and welcomes are MLS housekeeping, not messages between people.
    if (contentType !== MLS_CONTENT_TYPES.commit && contentType !== MLS_CONTENT_TYPES.welcome) signalMessage(s, caller.accountId, conversation.id, row.id, memberIds);
    // Text signals: visible conversations with a child only (T9); signalText refuses any other mode.
    signalText(s, conversation, caller.accountId, row.id, contentType, body, memberIds);
  }
  return { message, created };
}

export async function listMessages(s: Services, caller: Caller, conversationId: string, after: number, limit: number): Promise<Message[]> {
  const { joinedSeq } = await membership(s, caller, conversationId);
  return viewMessages(s, await listMessagesAfter(s.db, conversationId, Math.max(after, joinedSeq), limit, caller.deviceId), undefined, caller.accountId);
}

/** Advances this device's cursor (never backwards, never past the last message); returns the cursor. */
export async function acknowledge(s: Services, caller: Caller, conversationId: string, seq: number): Promise<number> {
  const acked = await hotPath(s.db).acknowledge({ accountId: caller.accountId, deviceId: caller.deviceId, conversationId, seq }, s.now());
  if (acked === undefined) throw new HavenError('conversation.not_found');
  return acked;
}

/** Every message this device has not acknowledged, page by page, in (conversation, seq) order. */
export async function* backlog(s: Services, caller: Caller, pageSize = 500): AsyncGenerator<Message[]> {
  let from: { conversationId: string; seq: number } | undefined;
  for (;;) {
    const rows = await backlogForDevice(s.db, caller.accountId, caller.deviceId, from, pageSize);
    if (rows.length === 0) return;
    yield await viewMessages(s, rows, undefined, caller.accountId);
    const last = rows.at(-1)!;
    from = { conversationId: last.conversation_id, seq: last.seq };
    if (rows.length < pageSize) return;
  }
}
