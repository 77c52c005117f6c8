import type { Kysely, Selectable } from 'kysely';
import type { Database, MediaRestrictionsTable } from '../database';

// What moderators' decisions and known-image matches change on an account (migration 0008): suspension
// and ban (status and end time), the end of its sessions, a banned account's memberships and key
// packages, and media restrictions.

export async function setSuspension(db: Kysely<Database>, accountId: string, suspended: boolean, until: Date | null): Promise<void> {
  await db
    .updateTable('accounts')
    .set({ status: suspended ? 'suspended' : 'active', suspended_until: suspended ? until : null })
    .where('id', '=', accountId)
    .execute();
}

/** Deletes every session of the account; returns their token hashes (to close live connections). */
export async function endSessions(db: Kysely<Database>, accountId: string): Promise<string[]> {
  const rows = await db.deleteFrom('sessions').where('account_id', '=', accountId).returning('token_hash').execute();
  return rows.map((r) => r.token_hash);
}

/**
 * A banned account leaves every conversation (the other members' devices remove its devices from their
 * MLS groups at their next reconcile) and its key packages go, so nobody can add it again.
 */
export async function removeFromEverything(db: Kysely<Database>, accountId: string): Promise<string[]> {
  const rows = await db.deleteFrom('conversation_members').where('account_id', '=', accountId).returning('conversation_id').execute();
  await db
    .deleteFrom('mls_key_packages')
    .where('device_id', 'in', db.selectFrom('devices').select('id').where('account_id', '=', accountId))
    .execute();
  return rows.map((r) => r.conversation_id);
}

export async function liftMediaRestrictionOf(db: Kysely<Database>, accountId: string): Promise<boolean> {
  const r = await db.deleteFrom('media_restrictions').where('account_id', '=', accountId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function unremoveMessages(db: Kysely<Database>, decisionId: string): Promise<number> {
  const r = await db.deleteFrom('removed_messages').where('decision_id', '=', decisionId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Restricts an account from sending media (idempotent: the first detection stays the reason). */
export async function restrictMedia(db: Kysely<Database>, accountId: string, detectionId: string | null, reason: string, now: Date): Promise<void> {
  await db
    .insertInto('media_restrictions')
    .values({ account_id: accountId, detection_id: detectionId, reason, created_at: now })
    .onConflict((oc) => oc.column('account_id').doNothing())
    .execute();
}

export async function isMediaRestricted(db: Kysely<Database>, accountId: string): Promise<boolean> {
  return (await db.selectFrom('media_restrictions').select('account_id').where('account_id', '=', accountId).executeTakeFirst()) !== undefined;
}


/** Lifts the account's media restriction; the row that was lifted, or `undefined` when there was none. */
export function deleteMediaRestriction(db: Kysely<Database>, accountId: string): Promise<Selectable<MediaRestrictionsTable> | undefined> {
  return db.deleteFrom('media_restrictions').where('account_id', '=', accountId).returningAll().executeTakeFirst();
}
