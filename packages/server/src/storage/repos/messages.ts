import { sql, type Kysely } from 'kysely';
import type { Database, MessageRow, NewMessage } from '../database';

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
 * Stores a message with the next sequence number of its conversation, in one statement: the
 * `UPDATE … SET last_seq = last_seq + 1 RETURNING` takes the conversation's row lock, so concurrent
 * senders are serialised until commit and seqs become visible in order. A resend (same conversation,
 * device and client message id) returns the stored message with `created: false` and allocates nothing;
 * only two copies racing in the same instant can leave a gap in the seqs, never a duplicate.
 */
export async function insertMessage(
  db: Kysely<Database>,
  msg: Omit<NewMessage, 'seq' | 'recipient_device_id' | 'franking_key_id' | 'franking_tag' | 'mls_digest'> & {
    recipient_device_id?: string | null;
    franking_key_id?: string | null;
    franking_tag?: Uint8Array | null;
    mls_digest?: Uint8Array | null;
  },
): Promise<{ row: MessageRow; created: boolean }> {
  const inserted = await db
    .with('seq', (q) =>
      q
        .updateTable('conversations')
        .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
        .where('id', '=', msg.conversation_id)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('messages')
                .select('id')
                .where('conversation_id', '=', msg.conversation_id)
                .where('sender_device_id', '=', msg.sender_device_id)
                .where('client_message_id', '=', msg.client_message_id),
            ),
          ),
        )
        .returning('last_seq'),
    )
    .insertInto('messages')
    .columns(['id', 'conversation_id', 'seq', 'sender_account_id', 'sender_device_id', 'client_message_id', 'content_type', 'body', 'sent_at', 'recipient_device_id', 'franking_key_id', 'franking_tag', 'mls_digest'])
    .expression((eb) =>
      eb
        .selectFrom('seq')
        .select((s) => [
          s.val(msg.id).as('id'),
          s.val(msg.conversation_id).as('conversation_id'),
          'seq.last_seq',
          s.val(msg.sender_account_id).as('sender_account_id'),
          s.val(msg.sender_device_id).as('sender_device_id'),
          s.val(msg.client_message_id).as('client_message_id'),
          s.val(msg.content_type).as('content_type'),
          s.val(msg.body).as('body'),
          s.val(msg.sent_at).as('sent_at'),
          sql<string | null>`${msg.recipient_device_id ?? null}::uuid`.as('recipient_device_id'),
          sql<string | null>`${msg.franking_key_id ?? null}::text`.as('franking_key_id'),
          sql<Uint8Array | null>`${msg.franking_tag ?? null}::bytea`.as('franking_tag'),
          sql<Uint8Array | null>`${msg.mls_digest ?? null}::bytea`.as('mls_digest'),
        ]),
    )
    .onConflict((oc) => oc.columns(['conversation_id', 'sender_device_id', 'client_message_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { row: inserted, created: true };
  const existing = await findByClientId(db, msg.conversation_id, msg.sender_device_id, msg.client_message_id);
  if (!existing) throw new Error(`conversation ${msg.conversation_id} does not exist`);
  return { row: existing, created: false };
}

/** Messages after `after`; device-targeted ones only for `deviceId`. */
export function listMessagesAfter(db: Kysely<Database>, conversationId: string, after: number, limit: number, deviceId?: string): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('seq', '>', after)
    .where((eb) => (deviceId ? eb.or([eb('recipient_device_id', 'is', null), eb('recipient_device_id', '=', deviceId)]) : eb('recipient_device_id', 'is', null)))
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
    .where((eb) => eb.or([eb('messages.recipient_device_id', 'is', null), eb('messages.recipient_device_id', '=', deviceId)]))
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

/** One message for `insertMessages`: the server-visible columns a plain (non-MLS) message has. */
export type PlainMessage = Pick<NewMessage, 'id' | 'conversation_id' | 'sender_account_id' | 'sender_device_id' | 'client_message_id' | 'content_type' | 'body' | 'sent_at'>;

const idempotencyKey = (m: Pick<PlainMessage, 'conversation_id' | 'sender_device_id' | 'client_message_id'>): string =>
  `${m.conversation_id} ${m.sender_device_id} ${m.client_message_id}`;

/**
 * Group commit of many messages, possibly into many conversations, in one transaction: the conversations'
 * rows are locked in id order (so two batches on two nodes cannot deadlock), then one statement allocates
 * each conversation's next sequence numbers (in the order given) and inserts every message that is not a
 * resend. Results are in input order; a resend (here or earlier in the same batch) returns the stored row
 * with `created: false`. As with `insertMessage`, only a copy racing on another node can leave a seq gap.
 */
export async function insertMessages(db: Kysely<Database>, msgs: PlainMessage[]): Promise<{ row: MessageRow; created: boolean }[]> {
  const firstOf = new Map<string, number>();
  const fresh: { ord: number; m: PlainMessage }[] = [];
  msgs.forEach((m, ord) => {
    const k = idempotencyKey(m);
    if (firstOf.has(k)) return;
    firstOf.set(k, ord);
    fresh.push({ ord, m });
  });
  const conversationIds = [...new Set(fresh.map((f) => f.m.conversation_id))].sort();
  const inserted = await db.transaction().execute(async (tx) => {
    await sql`select id from conversations where id in (${sql.join(conversationIds.map((id) => sql`${id}::uuid`))}) order by id for update`.execute(tx);
    const values = sql.join(
      fresh.map(
        ({ ord, m }) =>
          sql`(${ord}::integer, ${m.id}::uuid, ${m.conversation_id}::uuid, ${m.sender_account_id}::uuid, ${m.sender_device_id}::uuid, ${m.client_message_id}::text, ${m.content_type}::text, ${m.body}::bytea, ${m.sent_at}::timestamptz)`,
      ),
    );
    const res = await sql<MessageRow>`
      with input(ord, id, conversation_id, sender_account_id, sender_device_id, client_message_id, content_type, body, sent_at) as (values ${values}),
      fresh as (
        select i.* from input i
        where not exists (
          select 1 from messages m
          where m.conversation_id = i.conversation_id and m.sender_device_id = i.sender_device_id and m.client_message_id = i.client_message_id
        )
      ),
      numbered as (
        select f.*, row_number() over (partition by f.conversation_id order by f.ord) as rn, count(*) over (partition by f.conversation_id) as n
        from fresh f
      ),
      bump as (
        update conversations c set last_seq = c.last_seq + k.n
        from (select conversation_id, max(n) as n from numbered group by conversation_id) k
        where c.id = k.conversation_id
        returning c.id, c.last_seq
      )
      insert into messages (id, conversation_id, seq, sender_account_id, sender_device_id, client_message_id, content_type, body, sent_at)
      select nb.id, nb.conversation_id, (b.last_seq - nb.n + nb.rn)::integer, nb.sender_account_id, nb.sender_device_id, nb.client_message_id, nb.content_type, nb.body, nb.sent_at
      from numbered nb join bump b on b.id = nb.conversation_id
      on conflict (conversation_id, sender_device_id, client_message_id) do nothing
      returning *`.execute(tx);
    return res.rows;
  });
  const created = new Map(inserted.map((r) => [idempotencyKey(r), r]));
  const missing = msgs.filter((m) => !created.has(idempotencyKey(m)));
  const existing = new Map<string, MessageRow>();
  if (missing.length > 0) {
    const rows = await db
      .selectFrom('messages')
      .selectAll()
      .where((eb) =>
        eb.or(
          missing.map((m) =>
            eb.and([eb('conversation_id', '=', m.conversation_id), eb('sender_device_id', '=', m.sender_device_id), eb('client_message_id', '=', m.client_message_id)]),
          ),
        ),
      )
      .execute();
    for (const r of rows) existing.set(idempotencyKey(r), r);
  }
  return msgs.map((m, ord) => {
    const k = idempotencyKey(m);
    const row = created.get(k);
    if (row && firstOf.get(k) === ord) return { row, created: true };
    const stored = row ?? existing.get(k);
    if (!stored) throw new Error(`conversation ${m.conversation_id} does not exist`);
    return { row: stored, created: false };
  });
}
