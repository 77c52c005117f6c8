import { sql, type Kysely, type Migration } from 'kysely';

// Risk signals (issue 11): the metadata events the signals need, the signal hits waiting for the
// moderation queue, each account's latest risk score with its explanation, which safety notices a
// child was already shown, and the platform block list of children's self-reported images (hashes
// only). No foreign keys to accounts on events and hits: evidence outlives a deleted account.
// Never edit once landed.

export const signals: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('signal_events')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addColumn('actor_id', 'uuid', (c) => c.notNull())
      .addColumn('subject_id', 'text')
      .addColumn('subject_band', 'text')
      .addColumn('conversation_id', 'uuid')
      .addColumn('message_id', 'uuid')
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('signal_events_actor').on('signal_events').columns(['actor_id', 'at']).execute();
    await db.schema.createIndex('signal_events_subject').on('signal_events').columns(['subject_id', 'at']).execute();

    await db.schema
      .createTable('signal_hits')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('account_id', 'uuid', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('explanation', 'text', (c) => c.notNull())
      .addColumn('related', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'uuid')
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
      .addColumn('case_id', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('signal_hits_account').on('signal_hits').columns(['account_id', 'status']).execute();

    await db.schema
      .createTable('risk_scores')
      .addColumn('account_id', 'uuid', (c) => c.primaryKey())
      .addColumn('score', 'integer', (c) => c.notNull())
      .addColumn('codes', 'text', (c) => c.notNull())
      .addColumn('explanation', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('signal_notices_sent')
      .addColumn('child_id', 'uuid', (c) => c.notNull())
      .addColumn('suspect_id', 'uuid', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('signal_notices_sent_pk', ['child_id', 'suspect_id', 'kind'])
      .execute();

    await db.schema
      .createTable('self_reports')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('pdq_quality', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('removed_at', 'timestamptz')
      .addColumn('removed_by', 'uuid')
      .execute();
    await db.schema.createIndex('self_reports_account').on('self_reports').columns(['account_id', 'created_at']).execute();
    await db.schema
      .createTable('self_report_hashes')
      .addColumn('report_id', 'uuid', (c) => c.notNull().references('self_reports.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('self_report_hashes_pk', ['report_id', 'kind', 'value'])
      .execute();
    await db.schema.createIndex('self_report_hashes_value').on('self_report_hashes').columns(['kind', 'value']).execute();
  },
};
