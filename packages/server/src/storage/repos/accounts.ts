import { LOOKALIKES } from '@haven/protocol';
import { sql, type Kysely } from 'kysely';
import type { AccountRow, AccountsTable, ContactsTable, Database } from '../database';

export type NewAccount = Omit<AccountsTable, 'created_at' | 'status' | 'suspended_until'>;

/** Inserts an account; `undefined` when the handle is taken. */
export async function insertAccount(db: Kysely<Database>, account: NewAccount): Promise<AccountRow | undefined> {
  return db
    .insertInto('accounts')
    .values(account)
    .onConflict((oc) => oc.column('handle').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findAccountByHandle(db: Kysely<Database>, handle: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('handle', '=', handle).executeTakeFirst();
}

export function findAccountById(db: Kysely<Database>, id: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findAccountsByIds(db: Kysely<Database>, ids: readonly string[]): Promise<AccountRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('accounts').selectAll().where('id', 'in', ids).execute();
}

export function findAccountsByHandles(db: Kysely<Database>, handles: readonly string[]): Promise<AccountRow[]> {
  if (handles.length === 0) return Promise.resolve([]);
  return db.selectFrom('accounts').selectAll().where('handle', 'in', handles).execute();
}

/** Sets (or with null removes) an account's region; the updated row, or undefined when there is none. */
export function setAccountRegion(db: Kysely<Database>, id: string, region: string | null): Promise<AccountRow | undefined> {
  return db.updateTable('accounts').set({ region }).where('id', '=', id).returningAll().executeTakeFirst();
}

/** An account found by handle, with the two contact rows between it and the one who asked. */
export interface AccountSeenBy {
  account: AccountRow;
  /** The viewer's row about the account. */
  mine: ContactsTable['state'] | undefined;
  /** The account's row about the viewer. */
  theirs: ContactsTable['state'] | undefined;
}

/**
 * The accounts with these handles and their contact rows with `viewerId`, in one query whatever the
 * outcome, so that a handle that exists costs the same as one that does not (issue 13, 2).
 */
export async function findAccountsSeenBy(db: Kysely<Database>, viewerId: string, handles: readonly string[]): Promise<AccountSeenBy[]> {
  if (handles.length === 0) return [];
  const rows = await db
    .selectFrom('accounts')
    .leftJoin('contacts as mine', (j) => j.onRef('mine.other_id', '=', 'accounts.id').on('mine.owner_id', '=', viewerId))
    .leftJoin('contacts as theirs', (j) => j.onRef('theirs.owner_id', '=', 'accounts.id').on('theirs.other_id', '=', viewerId))
    .selectAll('accounts')
    .select(['mine.state as mine_state', 'theirs.state as theirs_state'])
    .where('accounts.handle', 'in', handles)
    .execute();
  return rows.map(({ mine_state, theirs_state, ...account }) => ({ account: account as AccountRow, mine: mine_state ?? undefined, theirs: theirs_state ?? undefined }));
}

/**
 * Whether another account's handle, folded with `lookalikes` (digit → letter), equals `folded` (display
 * names must not pass for a handle).
 */
export async function anyHandleFoldsTo(db: Kysely<Database>, folded: string, exceptHandle: string): Promise<boolean> {
  const pairs = Object.entries(LOOKALIKES).filter(([from]) => /^[a-z0-9_.]$/.test(from));
  const from = pairs.map(([f]) => f).join('');
  const to = pairs.map(([, t]) => t).join('');
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where(sql<string>`translate(handle, ${from}, ${to})`, '=', folded)
    .where('handle', '!=', exceptHandle)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Active accounts other than `exceptId` whose handle starts with `prefix` (taken literally), by handle, at most `limit`. */
export function searchActiveAccounts(db: Kysely<Database>, prefix: string, exceptId: string, limit: number): Promise<AccountRow[]> {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db.selectFrom('accounts').selectAll().where('handle', 'like', pattern).where('status', '=', 'active').where('id', '<>', exceptId).orderBy('handle').limit(limit).execute();
}

/** Sets how an account's age is known and, when given, corrects its birth date; returns the updated row. */
export function updateAgeAssurance(db: Kysely<Database>, id: string, ageAssurance: AccountRow['age_assurance'], birthDate?: string): Promise<AccountRow> {
  return db
    .updateTable('accounts')
    .set({ age_assurance: ageAssurance, ...(birthDate ? { birth_date: birthDate } : {}) })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
