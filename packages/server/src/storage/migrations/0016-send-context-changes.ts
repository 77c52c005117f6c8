import { sql, type Kysely, type Migration } from 'kysely';

// Issue 12: each node keeps the send contexts of the conversations it serves in memory
// (storage/send-context-cache.ts), and the database says when one may have changed, on the channel
// `haven_send_context`, whoever made the change (any node, the CLI, a migration, a test's raw SQL). The
// payload is a conversation id, or `*` for a change that may touch any conversation (a block, a shield, a
// birth date). PostgreSQL sends notifications at commit, once per distinct payload per transaction.
// What a send context holds: the conversation's row (all of it but `last_seq`, which every insert moves
// and no send reads from the context), its members and their birth dates, blocks between members, and
// sextortion shields. A column added to `conversations` must be added to the trigger's list (a test
// compares the list with the table). Never edit once landed.

const CONVERSATION_COLUMNS = ['id', 'kind', 'title', 'mode', 'mode_reason_code', 'created_by', 'direct_key', 'created_at', 'mode_reason', 'closed_reason'];

export const sendContextChanges: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create function haven_send_context_conversation() returns trigger language plpgsql as $$
      begin
        perform pg_notify('haven_send_context', (case when tg_op = 'DELETE' then old.id else new.id end)::text);
        return null;
      end $$`.execute(db);
    await sql`
      create function haven_send_context_member() returns trigger language plpgsql as $$
      begin
        perform pg_notify('haven_send_context', (case when tg_op = 'DELETE' then old.conversation_id else new.conversation_id end)::text);
        return null;
      end $$`.execute(db);
    await sql`
      create function haven_send_context_all() returns trigger language plpgsql as $$
      begin
        perform pg_notify('haven_send_context', '*');
        return null;
      end $$`.execute(db);
    await sql`
      create trigger send_context_conversation after update of ${sql.raw(CONVERSATION_COLUMNS.join(', '))} or delete on conversations
      for each row execute function haven_send_context_conversation()`.execute(db);
    await sql`
      create trigger send_context_member after insert or update or delete on conversation_members
      for each row execute function haven_send_context_member()`.execute(db);
    await sql`
      create trigger send_context_birth_date after update of birth_date on accounts
      for each row when (old.birth_date is distinct from new.birth_date) execute function haven_send_context_all()`.execute(db);
    await sql`
      create trigger send_context_block_added after insert on contacts
      for each row when (new.state = 'blocked') execute function haven_send_context_all()`.execute(db);
    await sql`
      create trigger send_context_block_changed after update on contacts
      for each row when (old.state is distinct from new.state and (old.state = 'blocked' or new.state = 'blocked')) execute function haven_send_context_all()`.execute(db);
    await sql`
      create trigger send_context_block_removed after delete on contacts
      for each row when (old.state = 'blocked') execute function haven_send_context_all()`.execute(db);
    await sql`
      create trigger send_context_shield after insert or update or delete on sextortion_shields
      for each row execute function haven_send_context_all()`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const [trigger, table] of [
      ['send_context_conversation', 'conversations'],
      ['send_context_member', 'conversation_members'],
      ['send_context_birth_date', 'accounts'],
      ['send_context_block_added', 'contacts'],
      ['send_context_block_changed', 'contacts'],
      ['send_context_block_removed', 'contacts'],
      ['send_context_shield', 'sextortion_shields'],
    ] as const) {
      await sql`drop trigger ${sql.raw(trigger)} on ${sql.raw(table)}`.execute(db);
    }
    for (const fn of ['haven_send_context_conversation', 'haven_send_context_member', 'haven_send_context_all']) await sql`drop function ${sql.raw(fn)}()`.execute(db);
  },
};

/** The columns of `conversations` whose change the trigger reports (for the test that compares it with the table). */
export const SEND_CONTEXT_CONVERSATION_COLUMNS: readonly string[] = CONVERSATION_COLUMNS;
