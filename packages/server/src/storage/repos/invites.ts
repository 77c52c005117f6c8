import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, InvitesTable } from '../database';

// Group invite links (policy/invites.ts): one row per link, keyed by the SHA-256 of its token.

/** Stores a new invite link. */
export async function insertInvite(db: Kysely<Database>, invite: Insertable<InvitesTable>): Promise<void> {
  await db.insertInto('invites').values(invite).execute();
}

/** The invite whose token hashes to `tokenHash`, expired or not; `undefined` when there is none. */
export function findInviteByTokenHash(db: Kysely<Database>, tokenHash: string): Promise<Selectable<InvitesTable> | undefined> {
  return db.selectFrom('invites').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}
