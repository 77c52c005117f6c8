import { sql, type Kysely } from 'kysely';
import type { Database, MessageRow, NewMessage } from '../database';

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === UNIQUE_VIOLATION;
}

export function findByClientId(db: Kysely<Database>, conversationId: string, senderDeviceId: string, clientMessageId: string): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('sender_device_id', '=', senderDeviceId)
    .where('client_message_id', '=', clientMessageId)
    .executeTakeFirst();
}

/**
 * Stores a message with the next sequence number of its conversation. The seq comes from
 * `UPDATE … SET last_seq = last_seq + 1 RETURNING`, whose row lock serialises concurrent senders until
 * commit, so seqs are gap-free and become visible in order. A resend (same conversation, device and client
 * message id) returns the stored message with `created: false`.
 */
export async function insertMessage(db: Kysely<Database>, msg: Omit<NewMessage, 'seq'>): Promise<{ row: MessageRow; created: boolean }> {
  const existing = await findByClientId(db, msg.conversation_id, msg.sender_device_id, msg.client_message_id);
  if (existing) return { row: existing, created: false };
  try {
    const row = await db.transaction().execute(async (tx) => {
      const { last_seq } = await tx
        .updateTable('conversations')
        .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
        .where('id', '=', msg.conversation_id)
        .returning('last_seq')
        .executeTakeFirstOrThrow();
      return tx.insertInto('messages').values({ ...msg, seq: last_seq }).returningAll().executeTakeFirstOrThrow();
    });
    return { row, created: true };
  } catch (e) {
    // Two concurrent resends: the loser's transaction rolled back (and its seq with it); return the winner's.
    if (!isUniqueViolation(e)) throw e;
    const winner = await findByClientId(db, msg.conversation_id, msg.sender_device_id, msg.client_message_id);
    if (!winner) throw e;
    return { row: winner, created: false };
  }
}

export function listMessagesAfter(db: Kysely<Database>, conversationId: string, after: number, limit: number): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/**
 * What a device has not acknowledged, in (conversation, seq) order, after the position `from`: messages
 * of conversations its account is a member of, after both the device's cursor and the member's join,
 * excluding the device's own messages (it got `sent` for those).
 */
export function backlogForDevice(
  db: Kysely<Database>,
  accountId: string,
  deviceId: string,
  from: { conversationId: string; seq: number } | undefined,
  limit: number,
): Promise<MessageRow[]> {
  let q = db
    .selectFrom('messages')
    .innerJoin('conversation_members as mb', (j) => j.onRef('mb.conversation_id', '=', 'messages.conversation_id').on('mb.account_id', '=', accountId))
    .leftJoin('cursors as c', (j) => j.onRef('c.conversation_id', '=', 'messages.conversation_id').on('c.device_id', '=', deviceId))
    .selectAll('messages')
    .where('messages.sender_device_id', '<>', deviceId)
    .where('messages.seq', '>', sql<number>`greatest(coalesce(c.acked_seq, 0), mb.joined_seq)`);
  if (from) {
    q = q.where((eb) =>
      eb.or([
        eb('messages.conversation_id', '>', from.conversationId),
        eb.and([eb('messages.conversation_id', '=', from.conversationId), eb('messages.seq', '>', from.seq)]),
      ]),
    );
  }
  return q.orderBy('messages.conversation_id').orderBy('messages.seq').limit(limit).execute();
}
