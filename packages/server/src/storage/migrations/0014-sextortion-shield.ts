import { sql, type Kysely, type Migration } from 'kysely';

// Issue 11 (K6): once a sextortion signal (threats and demands) about an account fired in a conversation
// with a child, that account no longer sees who the child's contacts are. One row per (suspect, child);
// a moderator's decision lifts it (`lifted_at`, `lifted_by`). Never edit once landed.

export const sextortionShield: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sextortion_shields')
      .addColumn('suspect_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('child_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      /** The newest threat hit that placed (or placed again) the shield. */
      .addColumn('hit_id', 'uuid')
      .addColumn('threat_at', 'timestamptz', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('lifted_at', 'timestamptz')
      .addColumn('lifted_by', 'uuid')
      .addColumn('lift_reason', 'text')
      .addPrimaryKeyConstraint('sextortion_shields_pk', ['suspect_id', 'child_id'])
      .execute();
    await db.schema.createIndex('sextortion_shields_child').on('sextortion_shields').column('child_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('sextortion_shields').execute();
  },
};
