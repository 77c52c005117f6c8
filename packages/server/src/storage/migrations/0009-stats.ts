import { sql, type Kysely, type Migration } from 'kysely';

// Transparency statistics (issue 10): one row per case actioned as a violation, written by the moderation
// workflow when it decides, refers, and decides an appeal. The force area is stored as it was at the
// decision, so a later change of region does not move a published figure. Never edit once landed.

export const stats: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('incidents')
      .addColumn('case_id', 'text', (c) => c.primaryKey())
      .addColumn('subject_account_id', 'uuid', (c) => c.references('accounts.id').onDelete('set null'))
      .addColumn('child_account_id', 'uuid', (c) => c.references('accounts.id').onDelete('set null'))
      .addColumn('force', 'text', (c) => c.notNull())
      .addColumn('surface', 'text')
      .addColumn('method', 'text')
      .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
      .addColumn('actioned_at', 'timestamptz', (c) => c.notNull())
      .addColumn('content_items', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('referred_at', 'timestamptz')
      .addColumn('appealed_at', 'timestamptz')
      .addColumn('appeal_outcome', 'text')
      .addColumn('restored_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addCheckConstraint('incidents_surface', sql`surface is null or surface in ('direct', 'group', 'media', 'profile')`)
      .addCheckConstraint('incidents_method', sql`method is null or method in ('server-hash', 'device-hash', 'user-report', 'risk-signal')`)
      .addCheckConstraint('incidents_outcome', sql`appeal_outcome is null or appeal_outcome in ('overturned', 'upheld')`)
      .addCheckConstraint('incidents_items', sql`content_items >= 0`)
      .execute();
    await db.schema.createIndex('incidents_actioned').on('incidents').column('actioned_at').execute();
    await db.schema.createIndex('incidents_referred').on('incidents').column('referred_at').execute();
  },
};
