import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { appendAudit, readAudit, verifyRows } from '../src/admin/audit';
import { isMediaRestricted, restrictMedia } from '../src/storage/repos/sanctions';
import { relationsAmong, relationship } from '../src/policy/relations';
import { insertAccount } from '../src/storage/repos/accounts';
import { upsertContact } from '../src/storage/repos/contacts';
import { describeOnDatabases } from './databases';

// The policy's storage (migration 0002) on the embedded PGlite and on a real PostgreSQL: the audit
// chain, its append-only trigger under concurrent appends, media restrictions, relationships.

describeOnDatabases(
  'policy storage',
  (storage) => {
    const account = async (handle: string) =>
      (await insertAccount(storage.db, { id: randomUUID(), handle, display_name: null, password_hash: 'x', birth_date: '1990-01-01', age_assurance: 'self-declared', role: 'user', region: null }))!.id;

    it('the audit log chains concurrent appends without forking, refuses updates and deletes, and shows tampering', async () => {
      const at = new Date('2026-06-01T12:00:00.123Z');
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          storage.db.transaction().execute((tx) => appendAudit(tx, at, { actorId: null, actorHandle: 'root', action: 'test.append', target: `t${i}`, reason: `reason ${i}`, details: { i } })),
        ),
      );
      const rows = await readAudit(storage.db);
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(verifyRows(rows)).toMatchObject({ ok: true, brokenAt: null });
      await expect(sql`update audit_log set reason = 'x' where seq = 3`.execute(storage.db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_log where seq = 6`.execute(storage.db)).rejects.toThrow(/append-only/);
      // A row edited, or removed, behind the trigger's back.
      const edited = rows.map((r) => (r.seq === 4 ? { ...r, details: '{"i":99}' } : r));
      expect(verifyRows(edited)).toMatchObject({ ok: false, brokenAt: 4 });
      expect(verifyRows(rows.filter((r) => r.seq !== 2))).toMatchObject({ ok: false, brokenAt: 3 });
      expect(verifyRows([...rows.slice(0, 2), rows[3]!, rows[2]!, ...rows.slice(4)])).toMatchObject({ ok: false });
    });

    it('media restrictions are idempotent; relationships read both rows', async () => {
      const a = await account(`ra${Date.now().toString(36)}`);
      const b = await account(`rb${Date.now().toString(36)}`);
      const c = await account(`rc${Date.now().toString(36)}`);
      expect(await isMediaRestricted(storage.db, a)).toBe(false);
      await restrictMedia(storage.db, a, null, 'first', new Date());
      await restrictMedia(storage.db, a, null, 'second', new Date());
      expect(await isMediaRestricted(storage.db, a)).toBe(true);
      const now = new Date();
      await upsertContact(storage.db, a, b, 'accepted', now);
      await upsertContact(storage.db, b, a, 'accepted', now);
      await upsertContact(storage.db, c, a, 'blocked', now);
      expect(await relationship(storage.db, a, b)).toEqual({ contact: 'accepted', blockedByMe: false, blockedByThem: false });
      expect(await relationship(storage.db, a, c)).toMatchObject({ blockedByThem: true });
      const all = await relationsAmong(storage.db, [a, b, c]);
      expect(all[c]![a]).toMatchObject({ blockedByMe: true });
      expect(all[b]![c]).toEqual({ contact: 'none', blockedByMe: false, blockedByThem: false });
    });
  },
  { shared: true },
);
