import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStorage } from '../src/storage/connect';
import { hotPath, sendContextCacheOf } from '../src/storage/hot-path';
import { SEND_CONTEXT_CONVERSATION_COLUMNS } from '../src/storage/migrations/0016-send-context-changes';
import { upsertContact } from '../src/storage/repos/contacts';
import type { SendContext } from '../src/storage/repos/conversations';
import { SendContextCache } from '../src/storage/send-context-cache';
import { PG, createPgDatabase, describeOnDatabases, seedAccount, seedDirect } from './databases';

// Issue 12: send contexts are kept in memory per node and dropped when the database reports a change
// (migration 0016's triggers, LISTEN/NOTIFY). The guarantee: a change made anywhere (any node, the CLI, raw
// SQL) is seen by the next send on every node once its notification has arrived, and nothing is kept while
// a node cannot hear changes.

const ctx = (id: string): SendContext => ({ conversation: { id } as SendContext['conversation'], memberIds: [], memberBirthDates: [], blocked: false, shields: [] });

describe('SendContextCache', () => {
  it('keeps nothing until it is live, and empties itself when it goes live again (changes may have been missed)', () => {
    const c = new SendContextCache(10);
    c.put(c.begin(), 'c1', 'a', ctx('c1'));
    expect(c.get('c1', 'a')).toBeUndefined();
    c.setLive(true);
    c.put(c.begin(), 'c1', 'a', ctx('c1'));
    expect(c.get('c1', 'a')?.conversation.id).toBe('c1');
    c.setLive(false);
    expect(c.get('c1', 'a')).toBeUndefined();
    c.setLive(true);
    expect(c.get('c1', 'a')).toBeUndefined();
  });

  it('a lookup that ran while any change was reported is not kept; a change drops its conversation, `*` drops all', () => {
    const c = new SendContextCache(10);
    c.setLive(true);
    const token = c.begin();
    c.changed('c9'); // another conversation, but the read may have raced it: not kept
    c.put(token, 'c1', 'a', ctx('c1'));
    expect(c.get('c1', 'a')).toBeUndefined();
    c.put(c.begin(), 'c1', 'a', ctx('c1'));
    c.put(c.begin(), 'c1', 'b', ctx('c1'));
    c.put(c.begin(), 'c2', 'a', ctx('c2'));
    c.changed('c1');
    expect([c.get('c1', 'a'), c.get('c1', 'b'), c.get('c2', 'a')?.conversation.id]).toEqual([undefined, undefined, 'c2']);
    c.changed('*');
    expect(c.get('c2', 'a')).toBeUndefined();
    expect(c.size).toBe(0);
    // A refusal (not a member) is never kept.
    c.put(c.begin(), 'c3', 'x', undefined);
    expect(c.size).toBe(0);
  });

  it('holds at most its size, dropping the conversations seen longest ago; size 0 keeps nothing', () => {
    const c = new SendContextCache(3);
    c.setLive(true);
    for (const id of ['c1', 'c2', 'c3', 'c4']) c.put(c.begin(), id, 'a', ctx(id));
    expect(c.size).toBe(3);
    expect(c.get('c1', 'a')).toBeUndefined();
    expect(c.get('c4', 'a')?.conversation.id).toBe('c4');
    const none = new SendContextCache(0);
    none.setLive(true);
    none.put(none.begin(), 'c1', 'a', ctx('c1'));
    expect(none.live).toBe(false);
    expect(none.get('c1', 'a')).toBeUndefined();
  });
});

/** Waits until `cond` holds (a notification arrives within milliseconds; the limit is generous). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describeOnDatabases('send-context cache', (storage) => {
  const cache = () => sendContextCacheOf(storage.db)!;
  /** Reads the context through the hot path until it is kept (a notification of the setup may be in flight). */
  const cached = async (conversationId: string, accountId: string): Promise<SendContext | undefined> => {
    for (let i = 0; i < 300; i++) {
      const c = await hotPath(storage.db).findForSend(conversationId, accountId);
      if (cache().get(conversationId, accountId)) return c;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the context was never kept');
  };

  it('each change a send context depends on is reported, whoever makes it (raw SQL here); the next lookup reads it again', async () => {
    expect(cache().live).toBe(true);
    const a = await seedAccount(storage.db, 'kai');
    const b = await seedAccount(storage.db, 'lia');
    const c = await seedAccount(storage.db, 'moe');
    const ab = await seedDirect(storage.db, a.id, b.id);
    const dropped = async (change: () => Promise<unknown>, what: string) => {
      await cached(ab.id, a.id);
      await change();
      await until(() => cache().get(ab.id, a.id) === undefined, what);
    };
    // Every column of the conversation but last_seq.
    const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_name = 'conversations' and table_schema = current_schema()`.execute(storage.db);
    expect(columns.rows.map((r) => r.column_name).filter((n) => n !== 'last_seq').sort()).toEqual([...SEND_CONTEXT_CONVERSATION_COLUMNS].sort());
    await dropped(() => sql`update conversations set closed_reason = 'closed for the test' where id = ${ab.id}::uuid`.execute(storage.db), 'closure');
    expect((await hotPath(storage.db).findForSend(ab.id, a.id))?.conversation.closed_reason).toBe('closed for the test');
    await dropped(() => sql`update conversations set mode = 'e2ee' where id = ${ab.id}::uuid`.execute(storage.db), 'mode');
    await dropped(() => sql`insert into conversation_members (conversation_id, account_id, joined_seq) values (${ab.id}::uuid, ${c.id}::uuid, 0)`.execute(storage.db), 'a member added');
    expect((await hotPath(storage.db).findForSend(ab.id, a.id))?.memberIds).toContain(c.id);
    await dropped(() => sql`delete from conversation_members where conversation_id = ${ab.id}::uuid and account_id = ${c.id}::uuid`.execute(storage.db), 'a member removed');
    await dropped(() => sql`update accounts set birth_date = '2014-05-05' where id = ${b.id}::uuid`.execute(storage.db), 'a birth date');
    expect((await hotPath(storage.db).findForSend(ab.id, a.id))?.memberBirthDates).toContain('2014-05-05');
    await dropped(() => upsertContact(storage.db, b.id, a.id, 'blocked', new Date()), 'a block');
    expect((await hotPath(storage.db).findForSend(ab.id, a.id))?.blocked).toBe(true);
    await dropped(() => sql`update contacts set state = 'accepted' where owner_id = ${b.id}::uuid`.execute(storage.db), 'a block lifted');
    expect((await hotPath(storage.db).findForSend(ab.id, a.id))?.blocked).toBe(false);
    await dropped(() => sql`insert into sextortion_shields (suspect_id, child_id, threat_at) values (${a.id}::uuid, ${b.id}::uuid, now())`.execute(storage.db), 'a shield');
    expect((await hotPath(storage.db).findForSend(ab.id, a.id))?.shields).toEqual([{ suspectId: a.id, childId: b.id }]);
    await dropped(() => sql`update sextortion_shields set lifted_at = now() where suspect_id = ${a.id}::uuid`.execute(storage.db), 'a shield lifted');
    // A message moves last_seq only: the context stays.
    await cached(ab.id, a.id);
    await sql`update conversations set last_seq = last_seq + 1 where id = ${ab.id}::uuid`.execute(storage.db);
    await sql`update accounts set display_name = 'Kai' where id = ${a.id}::uuid`.execute(storage.db);
    await new Promise((r) => setTimeout(r, 100));
    expect(cache().get(ab.id, a.id)).toBeDefined();
    // Leaving the conversation: the next lookup refuses.
    await dropped(() => sql`delete from conversation_members where conversation_id = ${ab.id}::uuid and account_id = ${a.id}::uuid`.execute(storage.db), 'the sender left');
    expect(await hotPath(storage.db).findForSend(ab.id, a.id)).toBeUndefined();
  });
});

describe.skipIf(!PG.available)(`send-context cache on several nodes of one PostgreSQL${PG.available ? '' : ` (skipped: ${PG.reason})`}`, () => {
  it('a block made on one node is seen by the next send on the other; a node that cannot hear changes keeps nothing until it hears again', async () => {
    const database = await createPgDatabase();
    const one = await openStorage({ databaseUrl: database.url, poolSize: 4 });
    const two = await openStorage({ databaseUrl: database.url, poolSize: 4 });
    try {
      const a = await seedAccount(one.db, 'nia');
      const b = await seedAccount(one.db, 'oto');
      const ab = await seedDirect(one.db, a.id, b.id);
      const onTwo = () => hotPath(two.db).findForSend(ab.id, a.id);
      await until(() => two.sendContexts.live, 'node two listening');
      // Node two keeps the context (retried while the setup's notifications arrive).
      for (let i = 0; i < 300 && !two.sendContexts.get(ab.id, a.id); i++) await onTwo();
      expect((await onTwo())?.blocked).toBe(false);
      const hits = two.sendContexts.hits;
      expect((await onTwo())?.blocked).toBe(false);
      expect(two.sendContexts.hits).toBe(hits + 1);
      // Node one blocks; node two drops the context and its next lookup sees the block.
      await upsertContact(one.db, b.id, a.id, 'blocked', new Date());
      await until(() => two.sendContexts.get(ab.id, a.id) === undefined, 'the block reaching node two');
      expect((await onTwo())?.blocked).toBe(true);
      // Node two's listening connection is cut (as by a database restart): it keeps nothing meanwhile, and
      // listens again by itself, empty.
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query = 'listen haven_send_context' and pid <> pg_backend_pid()`.execute(one.db);
      await until(() => !two.sendContexts.live, 'node two noticing it cannot hear changes');
      expect(two.sendContexts.size).toBe(0);
      await onTwo();
      expect(two.sendContexts.size).toBe(0);
      await sql`update contacts set state = 'accepted' where owner_id = ${b.id}::uuid`.execute(one.db);
      expect((await onTwo())?.blocked).toBe(false);
      await until(() => two.sendContexts.live, 'node two listening again');
      for (let i = 0; i < 300 && !two.sendContexts.get(ab.id, a.id); i++) await onTwo();
      await upsertContact(one.db, b.id, a.id, 'blocked', new Date());
      await until(() => two.sendContexts.get(ab.id, a.id) === undefined, 'the second block reaching node two');
      expect((await onTwo())?.blocked).toBe(true);
    } finally {
      await one.close();
      await two.close();
      await database.drop();
    }
  });
});
