import { sql, type Kysely, type Migration } from 'kysely';

// Safety policy (issue 6): the reason text stored with each conversation's mode, group invite links,
// detections with quarantined evidence, media restrictions, and the hash-chained admin audit log.
// Never edit once landed: add the next number instead.

export const policy: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // The sentence shown with the mode, as decided at creation (a later wording change never rewrites it).
    await db.schema.alterTable('conversations').addColumn('mode_reason', 'text').execute();
    // Set when an age correction leaves the stored mode unfit for its members (P9): sends are refused.
    await db.schema.alterTable('conversations').addColumn('closed_reason', 'text').execute();

    await db.schema
      .createTable('invites')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('created_by', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('detections')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('witness', 'text', (c) => c.notNull())
      .addColumn('sender_account_id', 'uuid', (c) => c.references('accounts.id'))
      .addColumn('reporter_account_id', 'uuid', (c) => c.references('accounts.id'))
      .addColumn('conversation_id', 'uuid', (c) => c.references('conversations.id').onDelete('set null'))
      .addColumn('list_name', 'text', (c) => c.notNull())
      .addColumn('list_kind', 'text', (c) => c.notNull())
      .addColumn('entry_index', 'integer', (c) => c.notNull())
      .addColumn('entry_label', 'text')
      .addColumn('distance', 'integer', (c) => c.notNull())
      .addColumn('sha256', 'text')
      .addColumn('md5', 'text')
      .addColumn('pdq', 'text')
      .addColumn('pdq_quality', 'integer')
      .addColumn('content_type', 'text')
      .addColumn('size', 'integer')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('detections_sender').on('detections').column('sender_account_id').execute();

    // Evidence for server-side matches: the bytes sealed under the server key, never delivered.
    await db.schema
      .createTable('quarantine')
      .addColumn('detection_id', 'uuid', (c) => c.primaryKey().references('detections.id').onDelete('cascade'))
      .addColumn('body', 'bytea', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('media_restrictions')
      .addColumn('account_id', 'uuid', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
      .addColumn('detection_id', 'uuid', (c) => c.references('detections.id').onDelete('set null'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();

    // Safety events kept for the account, so one who was offline still sees them (with their help).
    await db.schema
      .createTable('safety_notices')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('safety_notices_account').on('safety_notices').columns(['account_id', 'created_at']).execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addColumn('actor_id', 'uuid')
      .addColumn('actor_handle', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    // Append-only in the database itself: updates and deletes are refused whoever asks.
    await sql`
      create function audit_log_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_log is append-only';
      end;
      $$`.execute(db);
    await sql`create trigger audit_log_no_update before update or delete on audit_log for each row execute function audit_log_append_only()`.execute(db);
  },
};
