import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrate, readiness } from '../src/storage/connect';
import { findAccountByHandle, insertAccount } from '../src/storage/repos/accounts';
import { deleteContact, findContact, isBlockedEitherWay, upsertContact } from '../src/storage/repos/contacts';
import { addMember, findForSend, findMembership, insertConversation, listConversationsForMember, membersOf, removeMember } from '../src/storage/repos/conversations';
import { acknowledgeAsMember, advanceCursor, getCursor } from '../src/storage/repos/cursors';
import { backlogForDevice, insertMessage, listMessagesAfter } from '../src/storage/repos/messages';
import { deleteExpiredSessions, findSession, insertSession } from '../src/storage/repos/sessions';
import { describeOnDatabases, plainMessage, seedAccount, seedDirect } from './databases';

// One storage suite, run on the embedded PGlite and on a real PostgreSQL, each test on its own database.

describeOnDatabases('storage', (storage) => {
  const account = (handle: string) => seedAccount(storage.db, handle);
  const direct = (a: string, b: string) => seedDirect(storage.db, a, b);
  const msg = plainMessage;

  it('migrations are applied once and re-running them is a no-op', async () => {
    await migrate(storage.db);
    expect(await readiness(storage.db)).toEqual({ database: true, migrations: true });
    const tables = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = 'public' order by tablename`.execute(storage.db);
    expect(tables.rows.map((r) => r.tablename)).toEqual(
      expect.arrayContaining(['accounts', 'contacts', 'conversation_members', 'conversations', 'cursors', 'devices', 'messages', 'sessions']),
    );
  });

  it('handles are unique: a second insert returns undefined', async () => {
    await account('alice');
    const again = await insertAccount(storage.db, {
      id: randomUUID(), handle: 'alice', display_name: null, password_hash: 'y', birth_date: '1990-01-01', age_assurance: 'self-declared', role: 'user', region: null,
    });
    expect(again).toBeUndefined();
    expect((await findAccountByHandle(storage.db, 'alice'))?.password_hash).toBe('x');
  });

  it('sessions are found by token hash with their account, and expired ones are deleted', async () => {
    const a = await account('alice');
    await insertSession(storage.db, { token_hash: 'h1', account_id: a.id, device_id: a.device, expires_at: new Date(Date.now() - 1000) });
    await insertSession(storage.db, { token_hash: 'h2', account_id: a.id, device_id: a.device, expires_at: new Date(Date.now() + 60_000) });
    expect((await findSession(storage.db, 'h2'))?.account.handle).toBe('alice');
    expect(await deleteExpiredSessions(storage.db, new Date())).toBe(1);
    expect(await findSession(storage.db, 'h1')).toBeUndefined();
  });

  it('contacts: rows per direction, blocks seen either way', async () => {
    const a = await account('alice');
    const b = await account('bob');
    await upsertContact(storage.db, a.id, b.id, 'pending_outgoing', new Date());
    await upsertContact(storage.db, a.id, b.id, 'blocked', new Date());
    expect((await findContact(storage.db, a.id, b.id))?.state).toBe('blocked');
    expect(await isBlockedEitherWay(storage.db, b.id, a.id)).toBe(true);
    await deleteContact(storage.db, a.id, b.id);
    expect(await isBlockedEitherWay(storage.db, a.id, b.id)).toBe(false);
  });

  it('one direct conversation per pair, whoever starts it', async () => {
    const a = await account('alice');
    const b = await account('bob');
    const c1 = await direct(a.id, b.id);
    const c2 = await direct(b.id, a.id);
    expect(c2.id).toBe(c1.id);
    expect((await listConversationsForMember(storage.db, a.id)).map((c) => c.id)).toEqual([c1.id]);
    expect((await membersOf(storage.db, [c1.id])).get(c1.id)?.sort()).toEqual([a.id, b.id].sort());
  });

  it('concurrent sends get distinct, gap-free sequence numbers', async () => {
    const a = await account('alice');
    const b = await account('bob');
    const c = await direct(a.id, b.id);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => insertMessage(storage.db, msg(c.id, i % 2 ? a : b, `client-${i}`))));
    expect(results.map((r) => r.row.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await listMessagesAfter(storage.db, c.id, 0, 100)).map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('a resend with the same client message id returns the first message, also when concurrent', async () => {
    const a = await account('alice');
    const b = await account('bob');
    const c = await direct(a.id, b.id);
    const first = await insertMessage(storage.db, msg(c.id, a, 'same-id-1'));
    const again = await insertMessage(storage.db, msg(c.id, a, 'same-id-1'));
    expect(again).toEqual({ row: first.row, created: false });
    const racing = await Promise.all(Array.from({ length: 8 }, () => insertMessage(storage.db, msg(c.id, a, 'race-id-1'))));
    expect(new Set(racing.map((r) => r.row.id)).size).toBe(1);
    expect(racing.filter((r) => r.created)).toHaveLength(1);
    expect((await listMessagesAfter(storage.db, c.id, 0, 100)).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('cursors only move forward', async () => {
    const a = await account('alice');
    const b = await account('bob');
    const c = await direct(a.id, b.id);
    expect(await advanceCursor(storage.db, a.device, c.id, 5, new Date())).toBe(5);
    expect(await advanceCursor(storage.db, a.device, c.id, 3, new Date())).toBe(5);
    expect(await getCursor(storage.db, a.device, c.id)).toBe(5);
  });

  it('acknowledging as a member: clamped to the last seq, monotonic, refused for non-members', async () => {
    const a = await account('alice');
    const b = await account('bob');
    const c = await account('carol');
    const ab = await direct(a.id, b.id);
    await insertMessage(storage.db, msg(ab.id, a, 'ack-me-1'));
    await insertMessage(storage.db, msg(ab.id, a, 'ack-me-2'));
    expect(await acknowledgeAsMember(storage.db, b.id, b.device, ab.id, 99, new Date())).toBe(2);
    expect(await acknowledgeAsMember(storage.db, b.id, b.device, ab.id, 1, new Date())).toBe(2);
    expect(await acknowledgeAsMember(storage.db, c.id, c.device, ab.id, 1, new Date())).toBeUndefined();
    expect(await getCursor(storage.db, c.device, ab.id)).toBe(0);
  });

  it('send context: members, and blocks in either direction, in one query', async () => {
    const a = await account('alice');
    const b = await account('bob');
    const c = await account('carol');
    const ab = await direct(a.id, b.id);
    const ctx = await findForSend(storage.db, ab.id, a.id);
    expect(ctx?.memberIds.sort()).toEqual([a.id, b.id].sort());
    expect(ctx?.blocked).toBe(false);
    expect(await findForSend(storage.db, ab.id, c.id)).toBeUndefined();
    await upsertContact(storage.db, b.id, a.id, 'blocked', new Date());
    expect((await findForSend(storage.db, ab.id, a.id))?.blocked).toBe(true);
    expect((await findForSend(storage.db, ab.id, b.id))?.blocked).toBe(true);
    // A block between carol and alice says nothing about the alice–bob conversation.
    await deleteContact(storage.db, b.id, a.id);
    await upsertContact(storage.db, c.id, a.id, 'blocked', new Date());
    expect((await findForSend(storage.db, ab.id, a.id))?.blocked).toBe(false);
  });

  it('backlog: after the cursor, in order, without the device own messages, paged', async () => {
    const a = await account('alice');
    const b = await account('bob');
    const c = await account('carol');
    const ab = await direct(a.id, b.id);
    const bc = await direct(b.id, c.id);
    for (let i = 0; i < 3; i++) await insertMessage(storage.db, msg(ab.id, a, `ab-a-${i}`));
    await insertMessage(storage.db, msg(ab.id, b, 'ab-b-0'));
    for (let i = 0; i < 2; i++) await insertMessage(storage.db, msg(bc.id, c, `bc-c-${i}`));
    await advanceCursor(storage.db, b.device, ab.id, 1, new Date());
    const all = await backlogForDevice(storage.db, b.id, b.device, undefined, 100);
    expect(all.map((m) => [m.conversation_id === ab.id ? 'ab' : 'bc', m.seq])).toEqual(
      (ab.id < bc.id ? [['ab', 2], ['ab', 3], ['bc', 1], ['bc', 2]] : [['bc', 1], ['bc', 2], ['ab', 2], ['ab', 3]]),
    );
    const page1 = await backlogForDevice(storage.db, b.id, b.device, undefined, 3);
    const last = page1.at(-1)!;
    const page2 = await backlogForDevice(storage.db, b.id, b.device, { conversationId: last.conversation_id, seq: last.seq }, 3);
    expect([...page1, ...page2].map((m) => m.id)).toEqual(all.map((m) => m.id));
    // A non-member (alice is not in b–c) sees none of it.
    expect((await backlogForDevice(storage.db, a.id, a.device, undefined, 100)).every((m) => m.conversation_id === ab.id)).toBe(true);
  });

  it('members added later see only what is sent after they joined; removed members see nothing', async () => {
    const a = await account('alice');
    const b = await account('bob');
    const c = await account('carol');
    const g = (
      await insertConversation(storage.db, { id: randomUUID(), kind: 'group', title: 'g', mode: 'visible', mode_reason_code: 'mode.default_visible', created_by: a.id, direct_key: null }, [a.id, b.id])
    ).row;
    await insertMessage(storage.db, msg(g.id, a, 'before-join'));
    expect(await addMember(storage.db, g.id, c.id)).toBe(true);
    expect(await addMember(storage.db, g.id, c.id)).toBe(false);
    expect((await findMembership(storage.db, g.id, c.id))?.joinedSeq).toBe(1);
    await insertMessage(storage.db, msg(g.id, a, 'after-join'));
    expect((await backlogForDevice(storage.db, c.id, c.device, undefined, 100)).map((m) => m.client_message_id)).toEqual(['after-join']);
    expect(await removeMember(storage.db, g.id, c.id)).toBe(true);
    expect(await backlogForDevice(storage.db, c.id, c.device, undefined, 100)).toEqual([]);
    expect(await findMembership(storage.db, g.id, c.id)).toBeUndefined();
  });
});
