import { sql, type Kysely, type Migration } from 'kysely';

// Issue 12: an MLS application message's digest (SHA-256 of its ciphertext) is unique within its
// conversation, as the database's own guarantee. The send path checked replays under the group's row lock
// in a four-statement transaction; with the index a batch is checked without holding the lock across round
// trips and stored in one statement, and a replay racing it on another node fails that statement (then the
// batch is checked again under the lock). Replays were always refused, so no conversation should hold two
// copies; if an older database does, the later copy keeps its message and loses only its digest. Never edit
// once landed.

export const mlsDigestUnique: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      update messages m set mls_digest = null
      where m.mls_digest is not null and exists (
        select 1 from messages o where o.conversation_id = m.conversation_id and o.mls_digest = m.mls_digest and o.seq < m.seq
      )`.execute(db);
    await db.schema.dropIndex('messages_mls_digest').execute();
    await db.schema
      .createIndex('messages_mls_digest')
      .on('messages')
      .columns(['conversation_id', 'mls_digest'])
      .unique()
      .where(sql.ref('mls_digest'), 'is not', null)
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('messages_mls_digest').execute();
    await db.schema.createIndex('messages_mls_digest').on('messages').columns(['conversation_id', 'mls_digest']).execute();
  },
};
