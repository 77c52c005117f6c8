import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { insertAccount } from '../src/storage/repos/accounts';
import { complianceCounts, incidentsTouching, insertIncident, markIncidentAppealDecided, markIncidentAppealed, markIncidentReferred } from '../src/storage/repos/statistics';
import { describeOnDatabases } from './databases';

// The incidents table (migration 0009) on PGlite and PostgreSQL: idempotent writes, one referral and
// one appeal per case, and the period boundaries of the reads (start in, end out).

describeOnDatabases(
  'statistics storage',
  (storage) => {
    const at = (iso: string) => new Date(iso);
    const base = { subject_account_id: null, child_account_id: null, force: 'E23000035', surface: 'media' as const, method: 'server-hash' as const, content_items: 1 };

    it('T3: an incident is recorded once; referral, appeal and its outcome are recorded once each', async () => {
      const a = (await insertAccount(storage.db, { id: randomUUID(), handle: `s${Date.now().toString(36)}`, display_name: null, password_hash: 'x', birth_date: '1990-01-01', age_assurance: 'self-declared', role: 'user', region: 'E23000035' }))!.id;
      const row = { ...base, case_id: 'case-1', subject_account_id: a, opened_at: at('2026-07-01T10:00:00Z'), actioned_at: at('2026-07-01T12:00:00Z') };
      expect(await insertIncident(storage.db, row)).toBe(true);
      expect(await insertIncident(storage.db, { ...row, force: 'E23000001' })).toBe(false);
      expect(await markIncidentReferred(storage.db, 'case-1', at('2026-07-02T00:00:00Z'))).toBe(true);
      expect(await markIncidentReferred(storage.db, 'case-1', at('2026-08-02T00:00:00Z'))).toBe(false);
      // An appeal decided before it is lodged is refused.
      expect(await markIncidentAppealDecided(storage.db, 'case-1', 'overturned', at('2026-07-03T00:00:00Z'))).toBe(false);
      expect(await markIncidentAppealed(storage.db, 'case-1', at('2026-07-03T00:00:00Z'))).toBe(true);
      expect(await markIncidentAppealed(storage.db, 'case-1', at('2026-07-04T00:00:00Z'))).toBe(false);
      expect(await markIncidentAppealDecided(storage.db, 'case-1', 'overturned', at('2026-07-05T00:00:00Z'))).toBe(true);
      expect(await markIncidentAppealDecided(storage.db, 'case-1', 'upheld', at('2026-07-06T00:00:00Z'))).toBe(false);
      const [r] = await incidentsTouching(storage.db, at('2026-07-01T00:00:00Z'), at('2026-10-01T00:00:00Z'));
      expect(r).toMatchObject({
        case_id: 'case-1', force: 'E23000035', referred_at: at('2026-07-02T00:00:00Z'), appealed_at: at('2026-07-03T00:00:00Z'),
        appeal_outcome: 'overturned', restored_at: at('2026-07-05T00:00:00Z'),
      });
    });

    it('T1 T4: reads take incidents with anything in [start, end): actioned, referred, appealed or restored', async () => {
      const add = (id: string, actioned: string, extra: Record<string, Date> = {}) =>
        insertIncident(storage.db, { ...base, case_id: id, opened_at: at(actioned), actioned_at: at(actioned), ...extra });
      await add('edge-start', '2026-10-01T00:00:00.000Z');
      await add('edge-end', '2026-12-31T23:59:59.999Z');
      await add('after', '2027-01-01T00:00:00.000Z');
      await add('before-referred-in', '2026-09-30T23:59:59.999Z', { referred_at: at('2026-10-05T00:00:00Z') });
      await add('before-all', '2026-09-01T00:00:00Z', { referred_at: at('2026-09-02T00:00:00Z') });
      const ids = (await incidentsTouching(storage.db, at('2026-10-01T00:00:00Z'), at('2027-01-01T00:00:00Z'))).map((r) => r.case_id).sort();
      expect(ids).toEqual(['before-referred-in', 'edge-end', 'edge-start']);
    });

    it('refuses a surface or method outside the lists, and a negative count', async () => {
      const row = { ...base, opened_at: at('2026-07-01T00:00:00Z'), actioned_at: at('2026-07-01T00:00:00Z') };
      await expect(insertIncident(storage.db, { ...row, case_id: 'bad-1', surface: 'email' as never })).rejects.toThrow();
      await expect(insertIncident(storage.db, { ...row, case_id: 'bad-2', method: 'guess' as never })).rejects.toThrow();
      await expect(insertIncident(storage.db, { ...row, case_id: 'bad-3', content_items: -1 })).rejects.toThrow();
    });

    it('O3: compliance counts: decisions with hours to decide, appeals and their outcomes', async () => {
      const c = await complianceCounts(storage.db, at('2026-07-01T00:00:00Z'), at('2026-10-01T00:00:00Z'));
      // Hours to decide come from moderation's decisions (none here: these incidents were inserted directly).
      expect(c.decisionHours).toEqual([]);
      expect(c).toMatchObject({ casesOpened: 0, decisions: 0, reports: 0 });
      expect(c.appeals).toEqual({ lodged: 1, overturned: 1, upheld: 0, pending: 0 });
      expect(c).toMatchObject({ moderators: 0, matches: [], quarantined: 0, frankedReports: 0, blocks: 0 });
    });
  },
  { shared: true },
);
