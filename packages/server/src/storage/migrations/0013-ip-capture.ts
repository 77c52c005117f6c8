import { sql, type Kysely, type Migration } from 'kysely';

// IP capture (issue 9 item 5): the address of each sign-in (`Login`), registration (`Other`) and media
// upload (`Upload`), where the operator enables it (`moderation.ipCapture`), read per account and time
// window when a case opens, and deleted after `moderation.ipCapture.retentionDays`. Never edit once landed.

export const ipCapture: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('ip_capture_events')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('event', 'text', (c) => c.notNull().check(sql`event in ('Login', 'Upload', 'Other')`))
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('ip_capture_events_account_at').on('ip_capture_events').columns(['account_id', 'at']).execute();
    // The retention purge deletes by time alone.
    await db.schema.createIndex('ip_capture_events_at').on('ip_capture_events').column('at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('ip_capture_events').execute();
  },
};
