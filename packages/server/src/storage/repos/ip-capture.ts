import type { Kysely } from 'kysely';
import type { Database, IpCaptureEventsTable } from '../database';

// IP capture events (migration 0013): written on sign-in and upload where enabled, read per account and
// window when a case opens or is referred, deleted by age.

export async function insertIpEvent(db: Kysely<Database>, e: IpCaptureEventsTable): Promise<void> {
  await db.insertInto('ip_capture_events').values(e).execute();
}

/** One account's events from `since` to `until` (both inclusive), oldest first. */
export function ipEventsOf(db: Kysely<Database>, accountId: string, since: Date, until: Date): Promise<IpCaptureEventsTable[]> {
  return db
    .selectFrom('ip_capture_events')
    .select(['id', 'account_id', 'event', 'ip', 'at'])
    .where('account_id', '=', accountId)
    .where('at', '>=', since)
    .where('at', '<=', until)
    .orderBy('at')
    .orderBy('id')
    .execute();
}

/** Deletes events older than `before`; returns how many. */
export async function deleteIpEventsBefore(db: Kysely<Database>, before: Date): Promise<number> {
  const r = await db.deleteFrom('ip_capture_events').where('at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
