import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database';

/**
 * Runs `work` in one database transaction and returns its result; a throw rolls everything back. Code
 * outside `storage/` opens transactions only here and passes `tx` to repository functions, so several
 * repository calls commit or fail together without that code writing a query itself.
 *
 * @example
 * await inTransaction(s.db, async (tx) => {
 *   await upsertContact(tx, a, b, 'accepted', now);
 *   await upsertContact(tx, b, a, 'accepted', now);
 * });
 */
export function inTransaction<T>(db: Kysely<Database>, work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}
