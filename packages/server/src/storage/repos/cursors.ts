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
