import { sql, type Kysely, type Migration } from 'kysely';

// Uploaded blobs (the bytes live under <dataDir>/media): who uploaded them, to which conversation, size
// and SHA-256 of the stored bytes. Never edit once landed.

export const media: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('media')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('uploader_account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('uploader_device_id', 'uuid', (c) => c.notNull())
      .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('media_conversation').on('media').column('conversation_id').execute();
  },
};
