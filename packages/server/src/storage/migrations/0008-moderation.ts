import { sql, type Kysely, type Migration } from 'kysely';

// Moderation (issue 9, docs/decisions/0008-moderation.md): reports of every kind, cases and their items,
// decisions, appeals, evidence (sealed copies, digests, retention and legal hold), removed content,
// moderators' reveals, referrals, and timed suspensions. Never edit once landed.

export const moderation: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('accounts').addColumn('suspended_until', 'timestamptz').execute();

    await db.schema
      .createTable('cases')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('subject_account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text')
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('priority_rank', 'integer', (c) => c.notNull())
      .addColumn('priority_rule', 'text', (c) => c.notNull())
      .addColumn('due_at', 'timestamptz', (c) => c.notNull())
      .addColumn('assignee_id', 'uuid', (c) => c.references('accounts.id').onDelete('set null'))
      .addColumn('claimed_at', 'timestamptz')
      .addColumn('legal_hold', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('evidence_retain_until', 'timestamptz')
      .addColumn('evidence_purged_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
    // One live case per account: every new item about it joins that case.
    await sql`create unique index cases_live_subject on cases (subject_account_id) where status <> 'closed'`.execute(db);
    // The queue: most urgent, then soonest due.
    await sql`create index cases_queue on cases (priority_rank, due_at, id) where status in ('open', 'in_review')`.execute(db);
    await db.schema.createIndex('cases_status_updated').on('cases').columns(['status', 'updated_at']).execute();
    await sql`create index cases_retention on cases (evidence_retain_until) where evidence_purged_at is null and legal_hold = false`.execute(db);

    await db.schema
      .createTable('case_items')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('case_id', 'uuid', (c) => c.notNull().references('cases.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('ref_id', 'text', (c) => c.notNull())
      /** JSON: the facts the priority rules saw. */
      .addColumn('facts', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addUniqueConstraint('case_items_ref', ['kind', 'ref_id'])
      .execute();
    await db.schema.createIndex('case_items_case').on('case_items').columns(['case_id', 'created_at']).execute();

    await db.schema
      .createTable('reports')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('reporter_account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('reporter_device_id', 'uuid', (c) => c.notNull())
      .addColumn('target_kind', 'text', (c) => c.notNull())
      .addColumn('subject_account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('conversation_id', 'uuid')
      .addColumn('message_id', 'uuid')
      .addColumn('media_id', 'uuid')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('verified_by', 'text', (c) => c.notNull())
      /** `message:<id>`, `media:<id>` or `account:<id>`: the same report twice is one report. */
      .addColumn('dedup_key', 'text', (c) => c.notNull())
      .addColumn('notify_outcome', 'boolean', (c) => c.notNull())
      .addColumn('case_id', 'uuid', (c) => c.references('cases.id').onDelete('set null'))
      .addColumn('outcome', 'text')
      .addColumn('outcome_notified_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addUniqueConstraint('reports_dedup', ['reporter_account_id', 'dedup_key'])
      .execute();
    await db.schema.createIndex('reports_case').on('reports').column('case_id').execute();

    await db.schema
      .createTable('decisions')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('case_id', 'uuid', (c) => c.notNull().references('cases.id').onDelete('cascade'))
      .addColumn('subject_account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('moderator_id', 'uuid', (c) => c.notNull().references('accounts.id'))
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('until', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('decisions_case').on('decisions').column('case_id').execute();
    await db.schema.createIndex('decisions_subject').on('decisions').column('subject_account_id').execute();

    await db.schema
      .createTable('appeals')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      // One appeal per decision, enforced by the database.
      .addColumn('decision_id', 'uuid', (c) => c.notNull().unique().references('decisions.id').onDelete('cascade'))
      .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'uuid', (c) => c.references('accounts.id'))
      .addColumn('decided_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('evidence')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('case_id', 'uuid', (c) => c.notNull().references('cases.id').onDelete('cascade'))
      .addColumn('item_id', 'uuid')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('md5', 'text', (c) => c.notNull())
      .addColumn('pdq', 'text')
      /** AES-256-GCM under the server key (evidence id and case id bound); null once purged. */
      .addColumn('sealed', 'bytea')
      /** JSON: sender, recipients, conversation and mode, times, hashes, franking proof. */
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('evidence_case').on('evidence').columns(['case_id', 'created_at']).execute();

    // Content a moderator removed: hidden from everyone, the stored copy kept as evidence.
    await db.schema
      .createTable('removed_messages')
      .addColumn('message_id', 'uuid', (c) => c.primaryKey().references('messages.id').onDelete('cascade'))
      .addColumn('decision_id', 'uuid', (c) => c.notNull().references('decisions.id').onDelete('cascade'))
      .addColumn('removed_at', 'timestamptz', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('evidence_reveals')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('moderator_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('evidence_id', 'uuid', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('evidence_reveals_moderator').on('evidence_reveals').columns(['moderator_id', 'at']).execute();

    await db.schema
      .createTable('referrals')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('case_id', 'uuid', (c) => c.notNull().references('cases.id').onDelete('cascade'))
      .addColumn('created_by', 'uuid', (c) => c.notNull().references('accounts.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('remote_report_id', 'text')
      .addColumn('error', 'text')
      .addColumn('note', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('referrals_case').on('referrals').column('case_id').execute();
  },
};
