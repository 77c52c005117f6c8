import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  claimNotice,
  countAttemptsToChildren,
  findRiskScore,
  insertSignalEvent,
  insertSignalHits,
  markSignalHitsQueued,
  openSignalHits,
  signalEventsAbout,
  upsertRiskScore,
} from '../src/storage/repos/signals';
import { describeOnDatabases } from './databases';

// Risk-signal storage (migration 0010) on the embedded PGlite and on a real PostgreSQL.

describeOnDatabases(
  'signal storage',
  (storage) => {
    const T0 = new Date('2026-06-01T12:00:00Z');
    const at = (min: number) => new Date(T0.getTime() + min * 60_000);

    it('events about an account as actor or subject, oldest first, the newest kept when over the limit; attempts to children counted', async () => {
      const adult = randomUUID();
      const child = randomUUID();
      const ev = (i: number, actor: string, subject: string, band: string | null, type = 'contact_attempt') => ({
        id: randomUUID(), type, at: at(i), actor_id: actor, subject_id: subject, subject_band: band, conversation_id: null, message_id: null, data: JSON.stringify({ i }),
      });
      for (let i = 0; i < 5; i++) await insertSignalEvent(storage.db, ev(i, adult, child, 'child'));
      await insertSignalEvent(storage.db, ev(5, child, adult, null, 'block'));
      await insertSignalEvent(storage.db, ev(6, adult, randomUUID(), 'adult'));
      const all = await signalEventsAbout(storage.db, adult, at(-1), 100);
      expect(all.map((r) => JSON.parse(r.data).i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      const newest = await signalEventsAbout(storage.db, adult, at(-1), 3);
      expect(newest.map((r) => JSON.parse(r.data).i)).toEqual([4, 5, 6]);
      expect(await countAttemptsToChildren(storage.db, adult, at(2))).toBe(3);
    });

    it('hits are stored once per dedupe key, and taken into a case once only, even concurrently', async () => {
      const acct = randomUUID();
      const hit = (key: string) => ({ id: randomUUID(), account_id: acct, code: 'signal.large_age_gap', explanation: 'x.', related: '[]', evidence: '["e1"]', conversation_id: null, at: T0, dedupe_key: key, created_at: T0 });
      const key = `${acct}|k1`;
      expect(await insertSignalHits(storage.db, [hit(key)])).toHaveLength(1);
      expect(await insertSignalHits(storage.db, [hit(key)])).toHaveLength(0);
      const open = (await openSignalHits(storage.db, 1000)).filter((h) => h.account_id === acct);
      expect(open).toHaveLength(1);
      const moved = await Promise.all([markSignalHitsQueued(storage.db, [open[0]!.id], 'a'), markSignalHitsQueued(storage.db, [open[0]!.id], 'b')]);
      expect(moved.sort()).toEqual([0, 1]);
    });

    it('the risk score is replaced, not duplicated; a notice is claimed once per child, suspect and kind', async () => {
      const acct = randomUUID();
      await upsertRiskScore(storage.db, { account_id: acct, score: 30, codes: '[]', explanation: '[]', evidence: '[]', updated_at: T0 });
      await upsertRiskScore(storage.db, { account_id: acct, score: 55, codes: '["x"]', explanation: '[]', evidence: '[]', updated_at: at(1) });
      expect((await findRiskScore(storage.db, acct))?.score).toBe(55);
      const child = randomUUID();
      const claims = await Promise.all([claimNotice(storage.db, child, acct, 'grooming', T0), claimNotice(storage.db, child, acct, 'grooming', T0)]);
      expect(claims.sort()).toEqual([false, true]);
      expect(await claimNotice(storage.db, child, acct, 'sextortion', T0)).toBe(true);
    });
  },
  { shared: true },
);
