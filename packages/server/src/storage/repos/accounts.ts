import type { Kysely } from 'kysely';
import type { AccountRow, AccountsTable, Database } from '../database';

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
