import { sql, type RawBuilder } from 'kysely';

/** The first line of a statement PostgreSQL prepares once per connection (storage/connect.ts). */
export const PREPARED_MARK = '-- prepared:';

/**
 * Put first in a hot statement whose text never changes (one JSON parameter for any batch size): on
 * PostgreSQL it is then sent as a named statement, parsed and planned once per connection instead of on
 * every call. A name must belong to one text only. PGlite reads it as a comment.
 * @example sql`${preparedAs('ack')} insert into cursors …`
 */
export function preparedAs(name: string): RawBuilder<unknown> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`a prepared statement's name is lower-case words with dashes, got ${name}`);
  return sql.raw(`${PREPARED_MARK} ${name}\n`);
}
