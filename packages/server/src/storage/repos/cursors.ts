import { preparedAs } from '../prepared';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';

/** Moves a device's cursor forward to `seq` (never back); returns the cursor after the move. */
export async function advanceCursor(db: Kysely<Database>, deviceId: string, conversationId: string, seq: number, at: Date): Promise<number> {
  const row = await db
    .insertInto('cursors')
    .values({ device_id: deviceId, conversation_id: conversationId, acked_seq: seq, updated_at: at })
    .onConflict((oc) =>
      oc.columns(['device_id', 'conversation_id']).doUpdateSet({
        acked_seq: sql<number>`greatest(cursors.acked_seq, excluded.acked_seq)`,
        updated_at: at,
      }),
    )
    .returning('acked_seq')
    .executeTakeFirstOrThrow();
  return row.acked_seq;
}

export async function getCursor(db: Kysely<Database>, deviceId: string, conversationId: string): Promise<number> {
  const row = await db.selectFrom('cursors').select('acked_seq').where('device_id', '=', deviceId).where('conversation_id', '=', conversationId).executeTakeFirst();
  return row?.acked_seq ?? 0;
}

/**
 * Acknowledges up to `seq` for a device in one statement: only when `accountId` is a member, never past
 * the conversation's last seq, never backwards. `undefined` when not a member.
 */
export async function acknowledgeAsMember(
  db: Kysely<Database>,
  accountId: string,
  deviceId: string,
  conversationId: string,
  seq: number,
  at: Date,
): Promise<number | undefined> {
  const row = await db
    .insertInto('cursors')
    .columns(['device_id', 'conversation_id', 'acked_seq', 'updated_at'])
    .expression((eb) =>
      eb
        .selectFrom('conversations as c')
        .innerJoin('conversation_members as m', (j) => j.onRef('m.conversation_id', '=', 'c.id').on('m.account_id', '=', accountId))
        .select((s) => [s.val(deviceId).as('device_id'), 'c.id', sql<number>`least(${seq}::integer, c.last_seq)`.as('acked_seq'), s.val(at).as('updated_at')])
        .where('c.id', '=', conversationId),
    )
    .onConflict((oc) =>
      oc.columns(['device_id', 'conversation_id']).doUpdateSet({
        acked_seq: sql<number>`greatest(cursors.acked_seq, excluded.acked_seq)`,
        updated_at: at,
      }),
    )
    .returning('acked_seq')
    .executeTakeFirst();
  return row?.acked_seq;
}

export interface AckInput {
  accountId: string;
  deviceId: string;
  conversationId: string;
  seq: number;
}

/**
 * `acknowledgeAsMember` for many acks in one statement (acks for the same device and conversation merge
 * to the highest). Results in input order: the cursor after the move, or `undefined` when not a member.
 */
export async function acknowledgeManyAsMember(db: Kysely<Database>, acks: AckInput[], at: Date): Promise<(number | undefined)[]> {
  const key = (a: { deviceId: string; conversationId: string }): string => `${a.deviceId} ${a.conversationId}`;
  const merged = new Map<string, AckInput>();
  for (const a of acks) {
    const k = key(a);
    const prev = merged.get(k);
    if (!prev || a.seq > prev.seq) merged.set(k, a);
  }
  // One JSON parameter for the whole batch: the statement's text is the same for any batch size.
  const input = JSON.stringify([...merged.values()].map((a) => ({ account_id: a.accountId, device_id: a.deviceId, conversation_id: a.conversationId, seq: a.seq })));
  const res = await sql<{ device_id: string; conversation_id: string; acked_seq: number }>`${preparedAs('ack')}
    insert into cursors (device_id, conversation_id, acked_seq, updated_at)
    select q.device_id, c.id, least(q.seq, c.last_seq), ${at}::timestamptz
    from json_to_recordset(${input}::json) as q(account_id uuid, device_id uuid, conversation_id uuid, seq integer)
    join conversations c on c.id = q.conversation_id
    join conversation_members m on m.conversation_id = c.id and m.account_id = q.account_id
    on conflict (device_id, conversation_id) do update set acked_seq = greatest(cursors.acked_seq, excluded.acked_seq), updated_at = excluded.updated_at
    returning device_id, conversation_id, acked_seq`.execute(db);
  const after = new Map(res.rows.map((r) => [`${r.device_id} ${r.conversation_id}`, r.acked_seq]));
  return acks.map((a) => after.get(key(a)));
}
