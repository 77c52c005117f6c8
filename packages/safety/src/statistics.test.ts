import { describe, expect, it } from 'vitest';
import { parsePeriod, type Period } from './period';
import { computeStatistics, type Incident, type StatRow } from './statistics';

// One fixture, expected values counted by hand (docs/STATISTICS.md has the definitions).
const now = new Date('2026-11-30T08:00:00Z');
const at = (iso: string): Date => new Date(iso);
const inc = (p: Partial<Incident> & Pick<Incident, 'id'>): Incident => ({
  force: 'not-known', surface: null, method: null, actionedAt: null, contentItems: 0, referredAt: null, appealedAt: null, restoredAt: null, ...p,
});
const DEVON = 'E23000035';
const MET = 'E23000001';
const INCIDENTS: Incident[] = [
  inc({ id: 'a', force: DEVON, surface: 'media', method: 'server-hash', actionedAt: at('2026-07-05T10:00:00Z'), contentItems: 2, referredAt: at('2026-07-06T10:00:00Z') }),
  inc({ id: 'b', force: DEVON, surface: 'direct', method: 'user-report', actionedAt: at('2026-08-01T10:00:00Z'), contentItems: 1, appealedAt: at('2026-08-03T10:00:00Z'), restoredAt: at('2026-08-10T10:00:00Z') }),
  inc({ id: 'c', force: DEVON, surface: 'group', method: 'risk-signal', actionedAt: at('2026-09-30T23:59:59.999Z') }),
  inc({ id: 'd', force: MET, surface: 'media', method: 'device-hash', actionedAt: at('2026-09-15T10:00:00Z'), contentItems: 1, referredAt: at('2026-10-02T10:00:00Z'), appealedAt: at('2026-10-05T10:00:00Z') }),
  inc({ id: 'e', force: 'not-known', surface: 'profile', method: null, actionedAt: at('2026-08-20T10:00:00Z'), contentItems: 1 }),
  // Actioned at the first instant of Q4: not in Q3.
  inc({ id: 'f', force: MET, surface: 'direct', method: 'user-report', actionedAt: at('2026-10-01T00:00:00Z'), contentItems: 1, referredAt: at('2026-10-01T00:00:00Z') }),
  // Actioned in Q2, referred and appealed in Q3: the referral and the appeal count in Q3, the incident does not.
  inc({ id: 'g', force: MET, surface: 'media', method: 'server-hash', actionedAt: at('2026-06-30T23:59:00Z'), contentItems: 1, referredAt: at('2026-07-01T00:00:00Z'), appealedAt: at('2026-07-02T00:00:00Z') }),
  // Never actioned (still open, or no violation): never an incident.
  inc({ id: 'h', force: MET, surface: 'media', method: 'server-hash', contentItems: 3 }),
];
const q3: Period = (() => {
  const r = parsePeriod('2026-Q3', now);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
})();
const zeroSurfaces = { direct: 0, group: 0, media: 0, profile: 0, 'not-recorded': 0 };
const row = (rows: readonly StatRow[], key: string) => rows.find((r) => r.key === key);

describe('statistics', () => {
  it('T3 T4 T5 T6: by force, exact (admin view): incidents, surfaces, referrals, content, proactive, appeals', () => {
    const r = computeStatistics(INCIDENTS, q3, { by: 'force', suppressBelow: 0, computedAt: now });
    expect(r.period).toEqual({ label: '2026-Q3', start: '2026-07-01T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z', partial: false });
    expect(r.computedAt).toBe('2026-11-30T08:00:00.000Z');
    expect(r.suppression).toEqual({ below: 0, rule: 'none: every count is exact' });
    expect(r.columns.map((c) => c.key)).toEqual(['direct', 'group', 'media', 'profile', 'not-recorded']);
    expect(r.rows).toHaveLength(48);
    expect(row(r.rows, DEVON)).toEqual({
      key: DEVON, name: 'Devon & Cornwall', incidents: 3, breakdown: { direct: 1, group: 1, media: 1, profile: 0, 'not-recorded': 0 },
      referrals: 1, contentActioned: 3, proactive: 2, proactivePercent: 66.7, appealed: 1, restored: 1,
    });
    expect(row(r.rows, MET)).toEqual({
      key: MET, name: 'Metropolitan Police', incidents: 1, breakdown: { ...zeroSurfaces, media: 1 },
      referrals: 1, contentActioned: 1, proactive: 1, proactivePercent: 100, appealed: 1, restored: 0,
    });
    expect(row(r.rows, 'not-known')).toEqual({
      key: 'not-known', name: 'Not known', incidents: 1, breakdown: { ...zeroSurfaces, profile: 1 },
      referrals: 0, contentActioned: 1, proactive: 0, proactivePercent: null, appealed: 0, restored: 0,
    });
    expect(row(r.rows, 'W15000004')).toEqual({
      key: 'W15000004', name: 'Dyfed-Powys', incidents: 0, breakdown: zeroSurfaces,
      referrals: 0, contentActioned: 0, proactive: 0, proactivePercent: null, appealed: 0, restored: 0,
    });
    expect(r.total).toEqual({
      key: 'total', name: 'Total', incidents: 5, breakdown: { direct: 1, group: 1, media: 2, profile: 1, 'not-recorded': 0 },
      referrals: 2, contentActioned: 5, proactive: 3, proactivePercent: 75, appealed: 2, restored: 1,
    });
  });

  it('T6: shares are of the incidents where the method (or surface) was recorded', () => {
    const r = computeStatistics(INCIDENTS, q3, { by: 'force', suppressBelow: 0, computedAt: now });
    expect(r.shares.method).toEqual({
      recorded: 4, notRecorded: 1,
      shares: [
        { key: 'server-hash', name: 'Server hash match', count: 1, percent: 25 },
        { key: 'device-hash', name: 'Device hash match', count: 1, percent: 25 },
        { key: 'user-report', name: 'User report', count: 1, percent: 25 },
        { key: 'risk-signal', name: 'Risk signal', count: 1, percent: 25 },
      ],
      sentence: 'Of the 4 incidents where the method was recorded, 25.0% were found by server hash match, 25.0% were found by device hash match, 25.0% were found by user report, 25.0% were found by risk signal; it was not recorded for 1.',
    });
    expect(r.shares.surface.shares.map((s) => [s.key, s.count, s.percent])).toEqual([['direct', 1, 20], ['group', 1, 20], ['media', 2, 40], ['profile', 1, 20]]);
    expect(r.shares.surface.sentence).toBe('Of the 5 incidents where the surface was recorded, 20.0% were in direct messages, 20.0% were in groups, 40.0% were in media, 20.0% were in profiles.');
  });

  it('T3: by surface (broken down by method) and by method (broken down by surface)', () => {
    const s = computeStatistics(INCIDENTS, q3, { by: 'surface', suppressBelow: 0, computedAt: now });
    expect(s.rows.map((x) => [x.key, x.incidents, x.breakdown])).toEqual([
      ['direct', 1, { 'server-hash': 0, 'device-hash': 0, 'user-report': 1, 'risk-signal': 0, 'not-recorded': 0 }],
      ['group', 1, { 'server-hash': 0, 'device-hash': 0, 'user-report': 0, 'risk-signal': 1, 'not-recorded': 0 }],
      ['media', 2, { 'server-hash': 1, 'device-hash': 1, 'user-report': 0, 'risk-signal': 0, 'not-recorded': 0 }],
      ['profile', 1, { 'server-hash': 0, 'device-hash': 0, 'user-report': 0, 'risk-signal': 0, 'not-recorded': 1 }],
      ['not-recorded', 0, { 'server-hash': 0, 'device-hash': 0, 'user-report': 0, 'risk-signal': 0, 'not-recorded': 0 }],
    ]);
    const m = computeStatistics(INCIDENTS, q3, { by: 'method', suppressBelow: 0, computedAt: now });
    expect(m.rows.map((x) => [x.key, x.incidents, x.referrals, x.proactivePercent])).toEqual([
      ['server-hash', 1, 2, 100],
      ['device-hash', 1, 0, 100],
      ['user-report', 1, 0, 0],
      ['risk-signal', 1, 0, 100],
      ['not-recorded', 1, 0, null],
    ]);
    expect(m.total.incidents).toBe(5);
  });

  it('T7: the public view shows 1–4 as <5, computes totals from exact counts, hides rates and shares that would give a count away', () => {
    const r = computeStatistics(INCIDENTS, q3, { by: 'force', suppressBelow: 5, computedAt: now });
    expect(r.suppression).toEqual({ below: 5, rule: 'counts from 1 to 4 are shown as <5; totals are computed from exact counts before suppression' });
    expect(row(r.rows, DEVON)).toEqual({
      key: DEVON, name: 'Devon & Cornwall', incidents: '<5', breakdown: { direct: '<5', group: '<5', media: '<5', profile: 0, 'not-recorded': 0 },
      referrals: '<5', contentActioned: '<5', proactive: '<5', proactivePercent: null, appealed: '<5', restored: '<5',
    });
    // Every row is suppressed, yet the total is the exact 5, not a sum of "<5"s.
    expect(r.total.incidents).toBe(5);
    expect(r.total.contentActioned).toBe(5);
    expect(r.total.proactivePercent).toBe(75);
    expect(r.total.breakdown).toEqual({ direct: '<5', group: '<5', media: '<5', profile: '<5', 'not-recorded': 0 });
    // Zero is not suppressed: published tables show it.
    expect(row(r.rows, 'W15000004')!.incidents).toBe(0);
    expect(r.shares.method).toMatchObject({ recorded: '<5', notRecorded: '<5', sentence: 'The method was recorded for <5 incidents: too few to show shares.' });
    expect(r.shares.method.shares.every((s) => s.percent === null && s.count === '<5')).toBe(true);
    expect(r.shares.surface.sentence).toBe(
      'Of the 5 incidents where the surface was recorded, a suppressed share were in direct messages, a suppressed share were in groups, a suppressed share were in media, a suppressed share were in profiles.',
    );
  });

  it('T7: the threshold is configurable: below 3 shows 1–2 as <3', () => {
    const r = computeStatistics(INCIDENTS, q3, { by: 'force', suppressBelow: 3, computedAt: now });
    expect(r.suppression.rule).toBe('counts from 1 to 2 are shown as <3; totals are computed from exact counts before suppression');
    expect(row(r.rows, DEVON)!.incidents).toBe(3);
    expect(row(r.rows, MET)!.incidents).toBe('<3');
    expect(row(r.rows, DEVON)!.proactivePercent).toBe(66.7);
  });

  it('T8: a period still running is marked partial', () => {
    const q4 = parsePeriod('2026-Q4', now);
    if (!q4.ok) throw new Error('unreachable');
    const r = computeStatistics(INCIDENTS, q4.value, { by: 'force', suppressBelow: 0, computedAt: now });
    expect(r.period.partial).toBe(true);
    expect(r.total).toMatchObject({ incidents: 1, referrals: 2, appealed: 1 });
  });

  it('T3: an incident with a force code this version does not know counts as not known, never lost', () => {
    const r = computeStatistics([inc({ id: 'x', force: 'E23000099' as never, actionedAt: at('2026-08-01T00:00:00Z') })], q3, { by: 'force', suppressBelow: 0, computedAt: now });
    expect(r.total.incidents).toBe(1);
    expect(row(r.rows, 'not-known')!.incidents).toBe(1);
  });
});
