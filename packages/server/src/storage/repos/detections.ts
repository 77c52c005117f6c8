import type { Insertable, Kysely } from 'kysely';
import type { Database, DetectionsTable } from '../database';

// Known-image matches (migration 0002): the detection rows moderators and statistics read, and the
// sealed bytes of matched files kept for review.

/** Stores a known-image match (the row moderators and statistics read). */
export async function insertDetection(db: Kysely<Database>, row: Insertable<DetectionsTable>): Promise<void> {
  await db.insertInto('detections').values(row).execute();
}

/** Keeps a matched file's bytes, sealed, for review. */
export async function insertQuarantine(db: Kysely<Database>, row: { detection_id: string; body: Uint8Array; created_at: Date }): Promise<void> {
  await db.insertInto('quarantine').values(row).execute();
}
