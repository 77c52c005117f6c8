import type { Kysely } from 'kysely';
import type { ContactRow, ContactsTable, Database } from '../database';

// One row per direction: (owner, other) is the owner's view. Blocking writes the blocker's row and deletes
// the blocked account's row, so the blocker disappears from the blocked account's list.

export function findContact(db: Kysely<Database>, ownerId: string, otherId: string): Promise<ContactRow | undefined> {
  return db.selectFrom('contacts').selectAll().where('owner_id', '=', ownerId).where('other_id', '=', otherId).executeTakeFirst();
}

export async function upsertContact(db: Kysely<Database>, ownerId: string, otherId: string, state: ContactsTable['state'], since: Date): Promise<ContactRow> {
  return db
    .insertInto('contacts')
    .values({ owner_id: ownerId, other_id: otherId, state, since })
    .onConflict((oc) => oc.columns(['owner_id', 'other_id']).doUpdateSet({ state, since }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteContact(db: Kysely<Database>, ownerId: string, otherId: string): Promise<void> {
  await db.deleteFrom('contacts').where('owner_id', '=', ownerId).where('other_id', '=', otherId).execute();
}

export function listContacts(db: Kysely<Database>, ownerId: string): Promise<ContactRow[]> {
  return db.selectFrom('contacts').selectAll().where('owner_id', '=', ownerId).orderBy('since').execute();
}

/** True when either account has blocked the other. */
export async function isBlockedEitherWay(db: Kysely<Database>, a: string, b: string): Promise<boolean> {
  const row = await db
    .selectFrom('contacts')
    .select('owner_id')
    .where('state', '=', 'blocked')
    .where((eb) => eb.or([eb.and([eb('owner_id', '=', a), eb('other_id', '=', b)]), eb.and([eb('owner_id', '=', b), eb('other_id', '=', a)])]))
    .executeTakeFirst();
  return row !== undefined;
}

/** Every contact row from one of `ids` to one of `others`, in either direction (both sides of each relationship). */
export async function contactStatesBetween(db: Kysely<Database>, ids: readonly string[], others: readonly string[]): Promise<Pick<ContactRow, 'owner_id' | 'other_id' | 'state'>[]> {
  if (ids.length === 0 || others.length === 0) return [];
  return db
    .selectFrom('contacts')
    .select(['owner_id', 'other_id', 'state'])
    .where((eb) =>
      eb.or([
        eb.and([eb('owner_id', 'in', ids), eb('other_id', 'in', others)]),
        eb.and([eb('owner_id', 'in', others), eb('other_id', 'in', ids)]),
      ]),
    )
    .execute();
}
