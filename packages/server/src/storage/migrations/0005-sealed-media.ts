import type { Kysely, Migration } from 'kysely';

// Issue 13 (7): media files are sealed at rest under the server key. Files stored before this migration
// stay as they were (`sealed = false`) and are served as they lie; every new upload is sealed.
// Never edit once landed.

export const sealedMedia: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('media').addColumn('sealed', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  },
};
