import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/storage/batcher';
import { hotPath, observeHotPath } from '../src/storage/hot-path';
import { upsertContact } from '../src/storage/repos/contacts';
import { findForSendMany } from '../src/storage/repos/conversations';
import { getCursor } from '../src/storage/repos/cursors';
import { insertCheckedMessages, insertMessages, listMessagesAfter } from '../src/storage/repos/messages';
import { Migrator, sql } from 'kysely';
import { migrate } from '../src/storage/connect';
import { migrationProvider } from '../src/storage/migrations';
import { describeOnDatabases, plainMessage, seedAccount, seedDirect } from './databases';

// Group commit (issue 12): many senders' messages, contexts and acks go to the database as one statement
// per batch, and every guarantee of the one-at-a-time path still holds.

describe('Batcher', () => {
  it('runs calls that arrive while a batch is running as the next batch, in arrival order', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new Batcher(async (xs: number[]) => {
      batches.push(xs);
      if (batches.length === 1) await gate;
      return xs.map((x) => x * 10);
    });
    const first = b.submit(1);
    await new Promise((r) => setImmediate(r));
    const rest = [b.submit(2), b.submit(3), b.submit(4)];
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('a batch holds at most maxSize items and maxWeight together, but always one (a heavy item goes alone)', async () => {
    const batches: number[][] = [];
    const b = new Batcher(
      async (xs: number[]) => {
        batches.push(xs);
        return xs;
      },
      { maxSize: 3, weigh: (x) => x, maxWeight: 10 },
    );
    expect(await Promise.all([4, 4, 4, 1, 1, 1, 1, 50, 2].map((x) => b.submit(x)))).toEqual([4, 4, 4, 1, 1, 1, 1, 50, 2]);
    expect(batches).toEqual([[4, 4], [4, 1, 1], [1, 1], [50], [2]]);
  });

  it('fails only the bad item: a failed batch is retried item by item', async () => {
    const b = new Batcher(async (xs: number[]) => {
      if (xs.includes(13)) throw new Error('unlucky');
      return xs;
    });
    const results = await Promise.allSettled([b.submit(12), b.submit(13), b.submit(14)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});

describeOnDatabases('hot path', (storage) => {
  const account = (handle: string) => seedAccount(storage.db, handle);
  const direct = (a: string, b: string) => seedDirect(storage.db, a, b);
  const msg = plainMessage;
  /** Two adults in a direct conversation whose MLS group is at `epoch` (empty roster: the tests' checks do not read it). */
  const inGroup = async (x: string, y: string, epoch: number) => {
    const a = await account(x);
    const b = await account(y);
    const ab = await direct(a.id, b.id);
    await sql`insert into mls_groups (conversation_id, epoch, roster, updated_at) values (${ab.id}::uuid, ${epoch}, '{"leaves":[]}', now())`.execute(storage.db);
    return { a, b, ab };
  };

  it('one batch into several conversations: per-conversation seqs in the order given, resends return the first copy', async () => {
    const a = await account('ann');
    const b = await account('ben');
    const c = await account('cal');
    const ab = await direct(a.id, b.id);
    const ac = await direct(a.id, c.id);
    const out = await insertMessages(storage.db, [
      msg(ab.id, a, 'm1'),
      msg(ac.id, a, 'x1'),
      msg(ab.id, b, 'm2'),
      msg(ab.id, a, 'm1'), // a resend inside the same batch
      msg(ac.id, c, 'x2'),
    ]);
    expect(out.map((o) => [o.row.conversation_id === ab.id ? 'ab' : 'ac', o.row.seq, o.created])).toEqual([
      ['ab', 1, true],
      ['ac', 1, true],
      ['ab', 2, true],
      ['ab', 1, false],
      ['ac', 2, true],
    ]);
    // A later batch continues the sequences and recognises an earlier resend.
    const again = await insertMessages(storage.db, [msg(ab.id, b, 'm2'), msg(ab.id, b, 'm3')]);
    expect(again.map((o) => [o.row.seq, o.created])).toEqual([
      [2, false],
      [3, true],
    ]);
    expect((await listMessagesAfter(storage.db, ab.id, 0, 10)).map((m) => m.client_message_id)).toEqual(['m1', 'm2', 'm3']);
  });

  it('concurrent senders through the hot path: every message stored once, seqs gap-free, in fewer batches than messages', async () => {
    const a = await account('amy');
    const b = await account('bo');
    const ab = await direct(a.id, b.id);
    const sizes: number[] = [];
    observeHotPath(storage.db, (kind, size) => kind === 'insert' && sizes.push(size));
    const hp = hotPath(storage.db);
    const n = 120;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => hp.insert(msg(ab.id, i % 2 ? a : b, `c${i}`))));
    expect(results.every((r) => r.created)).toBe(true);
    expect(results.map((r) => r.row.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(n);
    expect(sizes.length).toBeLessThan(n);
    // Resending all of them again creates nothing.
    const resent = await Promise.all(Array.from({ length: n }, (_, i) => hp.insert(msg(ab.id, i % 2 ? a : b, `c${i}`))));
    expect(resent.some((r) => r.created)).toBe(false);
    expect(await listMessagesAfter(storage.db, ab.id, 0, 1000)).toHaveLength(n);
  });

  it('batches running at once (several nodes) into the same conversations: no deadlock, seqs gap-free, each batch in its order', async () => {
    const a = await account('ari');
    const b = await account('ben');
    const c = await account('cai');
    const ab = await direct(a.id, b.id);
    const bc = await direct(b.id, c.id);
    // Eight batches at once over the pool, each into both conversations in a different order; with
    // resends of one another's messages mixed in, so some batches meet stored copies and run again.
    const batches = Array.from({ length: 8 }, (_, j) =>
      Array.from({ length: 20 }, (_, i) => msg((i + j) % 2 ? ab.id : bc.id, b, `k${j}-${i}`)).concat(j > 0 ? [msg(((j - 1) % 2) ? ab.id : bc.id, b, `k${j - 1}-0`)] : []),
    );
    const results = await Promise.all(batches.map((batch) => insertMessages(storage.db, batch)));
    for (const conv of [ab.id, bc.id]) {
      const stored = await listMessagesAfter(storage.db, conv, 0, 1000);
      expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
      // Within one batch, one conversation's messages are numbered in the order given.
      for (const r of results) {
        const own = r.filter((o) => o.created && o.row.conversation_id === conv).map((o) => o.row.seq);
        expect(own).toEqual([...own].sort((x, y) => x - y));
      }
    }
    expect((await listMessagesAfter(storage.db, ab.id, 0, 1000)).length + (await listMessagesAfter(storage.db, bc.id, 0, 1000)).length).toBe(160);
    expect(results.flat().filter((o) => o.created)).toHaveLength(160);
  });

  it('a message into a conversation that does not exist fails alone, the rest of its batch is stored', async () => {
    const a = await account('ava');
    const b = await account('bea');
    const ab = await direct(a.id, b.id);
    const hp = hotPath(storage.db);
    const results = await Promise.allSettled([hp.insert(msg(ab.id, a, 'ok1')), hp.insert(msg(randomUUID(), a, 'bad')), hp.insert(msg(ab.id, a, 'ok2'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await listMessagesAfter(storage.db, ab.id, 0, 10)).map((m) => [m.client_message_id, m.seq])).toEqual([
      ['ok1', 1],
      ['ok2', 2],
    ]);
  });

  it('checked (MLS) messages: each check sees its group under lock; a refusal or a replay fails only that message', async () => {
    const { a, b, ab } = await inGroup('aria', 'bert', 3);
    const digest = (n: number) => new Uint8Array(32).fill(n);
    const epochIs3 = ({ group }: { group?: { epoch: number } | undefined }) => (group?.epoch === 3 ? undefined : new Error('stale'));
    const noReplay = ({ replayed }: { replayed: boolean }) => (replayed ? new Error('replay') : undefined);
    const out = await insertCheckedMessages(storage.db, [
      { message: { ...msg(ab.id, a, 'e1'), mls_digest: digest(1) }, check: (c) => epochIs3(c) ?? noReplay(c) },
      { message: { ...msg(ab.id, a, 'e2'), mls_digest: digest(1) }, check: (c) => epochIs3(c) ?? noReplay(c) }, // same ciphertext, new id
      { message: { ...msg(ab.id, b, 'e3'), mls_digest: digest(3) }, check: () => new Error('not a member') },
      { message: { ...msg(ab.id, b, 'e4'), mls_digest: digest(4) }, check: (c) => epochIs3(c) ?? noReplay(c) },
    ]);
    expect(out.map((r) => (r instanceof Error ? r.message : [r.row.client_message_id, r.row.seq, r.created]))).toEqual([
      ['e1', 1, true],
      'replay',
      'not a member',
      ['e4', 2, true],
    ]);
    // The stored ciphertext is a replay in a later batch too; a resend of e1 is not (it returns e1).
    const later = await insertCheckedMessages(storage.db, [
      { message: { ...msg(ab.id, b, 'e5'), mls_digest: digest(4) }, check: noReplay },
      { message: { ...msg(ab.id, a, 'e1'), mls_digest: digest(1) }, check: noReplay },
    ]);
    expect(later.map((r) => (r instanceof Error ? r.message : [r.row.client_message_id, r.row.seq, r.created]))).toEqual(['replay', ['e1', 1, false]]);
  });

  it('a commit between a batch\'s check and its statement: nothing is stored at the old epoch; the batch is checked again under the lock', async () => {
    const { a, b, ab } = await inGroup('cora', 'dov', 3);
    const epochIs3 = ({ group }: { group?: { epoch: number } | undefined }) => (group?.epoch === 3 ? undefined : new Error('stale'));
    const commit = sql`update mls_groups set epoch = 4 where conversation_id = ${ab.id}::uuid`;
    let out: Awaited<ReturnType<typeof insertCheckedMessages>>;
    if (storage.kind === 'postgres') {
      // A commit in progress holds the group; the batch reads it unlocked (epoch 3), passes its check, and its
      // statement waits for the group; the commit moves it to epoch 4.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let holding!: () => void;
      const held = new Promise<void>((r) => (holding = r));
      const committer = storage.db.transaction().execute(async (tx) => {
        await sql`select 1 from mls_groups where conversation_id = ${ab.id}::uuid for update`.execute(tx);
        holding();
        await gate;
        await commit.execute(tx);
      });
      await held;
      const batch = insertCheckedMessages(storage.db, [{ message: { ...msg(ab.id, a, 'late'), mls_digest: new Uint8Array(32).fill(7) }, check: epochIs3 }]);
      await waitForLockWait(storage.db);
      release();
      await committer;
      out = await batch;
    } else {
      // One connection: the commit is queued while the batch checks, so it runs before the batch's statement.
      let fired = false;
      out = await insertCheckedMessages(storage.db, [
        {
          message: { ...msg(ab.id, a, 'late'), mls_digest: new Uint8Array(32).fill(7) },
          check: (c) => {
            if (!fired) void commit.execute(storage.db);
            fired = true;
            return epochIs3(c);
          },
        },
      ]);
    }
    expect(out.map((r) => (r instanceof Error ? r.message : r.row.client_message_id))).toEqual(['stale']);
    expect(await listMessagesAfter(storage.db, ab.id, 0, 10)).toEqual([]);
    // No number was used: the next message is 1.
    const next = await insertMessages(storage.db, [msg(ab.id, b, 'next')]);
    expect(next[0]!.row.seq).toBe(1);
  });

  it('on PostgreSQL, a replay stored on another node while a batch waits is refused, once, with no number skipped', async () => {
    if (storage.kind !== 'postgres') return;
    const { a, b, ab } = await inGroup('edda', 'finn', 1);
    const same = new Uint8Array(32).fill(9);
    const noReplay = ({ replayed }: { replayed: boolean }) => (replayed ? new Error('replay') : undefined);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let stored!: () => void;
    const storedP = new Promise<void>((r) => (stored = r));
    // The other node stores the ciphertext and has not committed yet: the batch cannot see it when it reads.
    const other = storage.db.transaction().execute(async (tx) => {
      await insertCheckedMessages(tx, [{ message: { ...msg(ab.id, a, 'first'), mls_digest: same } }]);
      stored();
      await gate;
    });
    await storedP;
    const batch = insertCheckedMessages(storage.db, [
      { message: { ...msg(ab.id, a, 'again'), mls_digest: same }, check: noReplay },
      { message: { ...msg(ab.id, b, 'fresh'), mls_digest: new Uint8Array(32).fill(10) }, check: noReplay },
    ]);
    await waitForLockWait(storage.db);
    release();
    await other;
    const out = await batch;
    expect(out.map((r) => (r instanceof Error ? r.message : [r.row.client_message_id, r.row.seq]))).toEqual(['replay', ['fresh', 2]]);
    expect((await listMessagesAfter(storage.db, ab.id, 0, 10)).map((m) => [m.client_message_id, m.seq])).toEqual([
      ['first', 1],
      ['fresh', 2],
    ]);
  });

  it('migration 0015: a database that holds two copies of a ciphertext keeps both messages, and the digest becomes unique', async () => {
    const a = await account('gus');
    const b = await account('hal');
    const ab = await direct(a.id, b.id);
    const migrator = new Migrator({ db: storage.db, provider: migrationProvider });
    expect((await migrator.migrateTo('0014-sextortion-shield')).error).toBeUndefined();
    const same = new Uint8Array(32).fill(5);
    await insertCheckedMessages(storage.db, [{ message: { ...msg(ab.id, a, 'one'), mls_digest: same } }, { message: { ...msg(ab.id, b, 'two'), mls_digest: same } }]);
    await migrate(storage.db);
    const rows = await listMessagesAfter(storage.db, ab.id, 0, 10);
    expect(rows.map((m) => [m.client_message_id, m.mls_digest ? Buffer.from(m.mls_digest).toString('hex') : null])).toEqual([
      ['one', Buffer.from(same).toString('hex')],
      ['two', null],
    ]);
    await expect(insertCheckedMessages(storage.db, [{ message: { ...msg(ab.id, b, 'three'), mls_digest: same } }])).rejects.toThrow();
    expect(await listMessagesAfter(storage.db, ab.id, 0, 10)).toHaveLength(2);
  });

  it('on PostgreSQL the hot statements are named: prepared once per connection, reused for any batch size', async () => {
    const a = await account('prue');
    const b = await account('quinn');
    const ab = await direct(a.id, b.id);
    // One transaction keeps one connection, whose prepared statements PostgreSQL lists.
    const prepared = await storage.db.transaction().execute(async (tx) => {
      expect((await findForSendMany(tx, [{ conversationId: ab.id, accountId: a.id }]))[0]?.memberIds).toHaveLength(2);
      const two = await findForSendMany(tx, [{ conversationId: ab.id, accountId: a.id }, { conversationId: ab.id, accountId: b.id }]);
      expect(two.map((c) => c?.conversation.id)).toEqual([ab.id, ab.id]);
      if (storage.kind !== 'postgres') return [];
      return (await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(tx)).rows.map((r) => r.name);
    });
    if (storage.kind === 'postgres') expect(prepared).toEqual(['send-context']);
  });

  it('send context in a batch: members only, blocks seen in either direction, unknown ids undefined', async () => {
    const a = await account('ada');
    const b = await account('bram');
    const c = await account('cleo');
    const ab = await direct(a.id, b.id);
    const ac = await direct(a.id, c.id);
    await upsertContact(storage.db, c.id, a.id, 'blocked', new Date());
    const hp = hotPath(storage.db);
    const [x, y, z, w] = await Promise.all([
      hp.findForSend(ab.id, a.id),
      hp.findForSend(ac.id, a.id),
      hp.findForSend(ab.id, c.id), // not a member
      hp.findForSend(randomUUID(), a.id),
    ]);
    expect(x?.blocked).toBe(false);
    expect(x?.memberIds.slice().sort()).toEqual([a.id, b.id].sort());
    expect(y?.blocked).toBe(true);
    expect(z).toBeUndefined();
    expect(w).toBeUndefined();
  });

  it('acks in a batch: merged per device and conversation, clamped, monotonic, refused for non-members', async () => {
    const a = await account('abe');
    const b = await account('bill');
    const c = await account('cora');
    const ab = await direct(a.id, b.id);
    await insertMessages(storage.db, [msg(ab.id, a, '1'), msg(ab.id, a, '2'), msg(ab.id, a, '3')]);
    const hp = hotPath(storage.db);
    const at = new Date();
    const [r1, r2, r3, r4] = await Promise.all([
      hp.acknowledge({ accountId: b.id, deviceId: b.device, conversationId: ab.id, seq: 2 }, at),
      hp.acknowledge({ accountId: b.id, deviceId: b.device, conversationId: ab.id, seq: 99 }, at),
      hp.acknowledge({ accountId: c.id, deviceId: c.device, conversationId: ab.id, seq: 1 }, at),
      hp.acknowledge({ accountId: a.id, deviceId: a.device, conversationId: ab.id, seq: 1 }, at),
    ]);
    expect([r1, r2, r3, r4]).toEqual([3, 3, undefined, 1]);
    expect(await hp.acknowledge({ accountId: b.id, deviceId: b.device, conversationId: ab.id, seq: 1 }, at)).toBe(3);
    expect(await getCursor(storage.db, b.device, ab.id)).toBe(3);
    expect(await getCursor(storage.db, c.device, ab.id)).toBe(0);
  });
});

/** Resolves once a statement of this database waits for a lock (PostgreSQL). */
async function waitForLockWait(db: Parameters<typeof listMessagesAfter>[0]): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
    if (r.rows[0]!.n > 0) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('no statement waited for a lock');
}
