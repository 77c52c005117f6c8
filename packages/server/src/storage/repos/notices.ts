import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, SafetyNoticesTable } from '../database';

// Safety notices kept for an account's devices (policy/notices.ts, migrations 0006 and 0007).

/** Stores a notice; `false` when the account already has one with the same `dedupe_key` (nothing is stored). */
export async function insertNotice(db: Kysely<Database>, notice: Insertable<SafetyNoticesTable>): Promise<boolean> {
  const stored = await db
    .insertInto('safety_notices')
    .values(notice)
    .onConflict((oc) => oc.columns(['account_id', 'dedupe_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return stored !== undefined;
}

/** The account's `limit` most recent notices, newest first. */
export function listRecentNotices(db: Kysely<Database>, accountId: string, limit: number): Promise<Selectable<SafetyNoticesTable>[]> {
  return db.selectFrom('safety_notices').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').limit(limit).execute();
}

/** Marks the account's unseen notices among `ids` seen at `at` (others' ids match nothing); returns how many changed. */
export async function setNoticesSeen(db: Kysely<Database>, accountId: string, ids: readonly string[], at: Date): Promise<number> {
  const r = await db
    .updateTable('safety_notices')
    .set({ seen_at: at })
    .where('account_id', '=', accountId)
    .where('id', 'in', ids)
    .where('seen_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
