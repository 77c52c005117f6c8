import type { Insertable, Kysely } from 'kysely';
import type { Database, MediaTable } from '../database';

// Uploaded files (media/routes.ts): the bytes live in the media store, these rows say whose they are and
// which conversation they belong to.

/** Records an upload that the media store has committed. */
export async function insertMedia(db: Kysely<Database>, media: Insertable<MediaTable>): Promise<void> {
  await db.insertInto('media').values(media).execute();
}

/** What serving a file needs: its conversation, size and whether it is sealed; `undefined` when there is none. */
export function findMediaForDownload(db: Kysely<Database>, id: string): Promise<{ conversation_id: string; size: string; sealed: boolean } | undefined> {
  return db.selectFrom('media').select(['conversation_id', 'size', 'sealed']).where('id', '=', id).executeTakeFirst();
}

/** Those of `ids` that were uploaded to `conversationId`. */
export async function mediaIdsInConversation(db: Kysely<Database>, conversationId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('media').select('id').where('conversation_id', '=', conversationId).where('id', 'in', ids).execute();
  return rows.map((r) => r.id);
}
