import { sql, type Kysely, type Migration } from 'kysely';

// Issue 13 (delivery and client integrity). Never edit once landed.
// - mls_welcomes: the SHA-256 of every Welcome the server accepted, so the same Welcome bytes are never
//   delivered twice (a replay into another conversation, or into the same one later).
// - safety_notices.seen_at: when the account's client showed the notice (CLI `inbox` shows unseen ones).
// - safety_notices.dedupe_key: one notice per fact (blocking the same account twice keeps one notice).

export const delivery: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('mls_welcomes')
      .addColumn('digest', 'bytea', (c) => c.primaryKey())
      .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.alterTable('safety_notices').addColumn('seen_at', 'timestamptz').execute();
    await db.schema.alterTable('safety_notices').addColumn('dedupe_key', 'text').execute();
    await db.schema.createIndex('safety_notices_dedupe').on('safety_notices').columns(['account_id', 'dedupe_key']).unique().execute();
  },
};
