import { describe, expect, it } from 'vitest';
import { parsePeriod } from './period';
import { computeStatistics, type Incident } from './statistics';
import { statisticsChartSpec, statisticsCsv, statisticsTable } from './statistics-format';
import { validatePublishedTable } from './table-validate';

const now = new Date('2026-11-30T08:00:00Z');
const sept = (() => {
  const p = parsePeriod('2026-09', now);
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
})();
const inc = (id: string, force: Incident['force'], surface: Incident['surface'], method: Incident['method']): Incident => ({
  id, force, surface, method, actionedAt: new Date('2026-09-10T00:00:00Z'), contentItems: 1, referredAt: null, appealedAt: null, restoredAt: null,
});
const SIX = [
  inc('1', 'E23000032', 'media', 'server-hash'),
  inc('2', 'E23000032', 'media', 'server-hash'),
  inc('3', 'E23000032', 'direct', 'user-report'),
  inc('4', 'E23000032', 'group', 'risk-signal'),
  inc('5', 'E23000032', 'group', null),
  inc('6', 'W15000001', 'profile', 'user-report'),
];

describe('statistics outputs', () => {
  it('T8: CSV: metadata lines, the published shape, a total row; suppressed cells as <5', () => {
    const csv = statisticsCsv(computeStatistics(SIX, sept, { by: 'force', suppressBelow: 5, computedAt: now })).split('\r\n');
    expect(csv.slice(0, 6)).toEqual([
      '# Haven transparency statistics: incidents by force, period 2026-09 (2026-09-01 to 2026-09-30)',
      '# Computed at 2026-11-30T08:00:00.000Z',
      '# Suppression: counts from 1 to 4 are shown as <5; totals are computed from exact counts before suppression',
      '# Of the 5 incidents where the method was recorded, a suppressed share were found by server hash match, 0.0% were found by device hash match, a suppressed share were found by user report, a suppressed share were found by risk signal; it was not recorded for <5.',
      '# Of the 6 incidents where the surface was recorded, a suppressed share were in direct messages, a suppressed share were in groups, a suppressed share were in media, a suppressed share were in profiles.',
      'Police Force,Code,Total incidents,Direct messages,Groups,Media,Profiles,Not recorded,Referrals,Content actioned,Proactive,Proactive %,Appealed,Restored',
    ]);
    expect(csv).toContain('Kent,E23000032,5,<5,<5,<5,0,0,0,5,<5,75.0,0,0');
    expect(csv).toContain('North Wales,W15000001,<5,0,0,0,<5,0,0,<5,0,,0,0');
    expect(csv.at(-2)).toBe('Total,,6,<5,<5,<5,<5,0,0,6,<5,60.0,0,0');
    expect(csv.at(-1)).toBe('');
    // The CSV is a published table like any other: it validates, the ranges of "<5" included.
    const v = validatePublishedTable(csv.join('\r\n'));
    if (!v.ok) throw new Error(v.error.message);
    expect(v.value.findings).toEqual([]);
  });

  it('T8: the text table leaves out empty rows and ends with the shares', () => {
    const t = statisticsTable(computeStatistics(SIX, sept, { by: 'method', suppressBelow: 0, computedAt: now })).split('\n');
    expect(t.slice(0, 4)).toEqual([
      'Haven transparency statistics: incidents by method, period 2026-09 (2026-09-01 to 2026-09-30)',
      'Computed at 2026-11-30T08:00:00.000Z',
      'Suppression: none: every count is exact',
      '',
    ]);
    expect(t.filter((l) => /^(Server hash|Device hash|User report|Risk signal|Not recorded|Total)/.test(l)).map((l) => l.split(/\s{2,}/)[0])).toEqual([
      'Server hash match', 'User report', 'Risk signal', 'Not recorded', 'Total',
    ]);
    expect(t.at(-3)).toBe('Of the 5 incidents where the method was recorded, 40.0% were found by server hash match, 0.0% were found by device hash match, 40.0% were found by user report, 20.0% were found by risk signal; it was not recorded for 1.');
  });

  it('T8: the chart specification: a bar per row stacked by surface, period, time and rule in the title, suppressed cells named', () => {
    const spec = statisticsChartSpec(computeStatistics(SIX, sept, { by: 'force', suppressBelow: 2, computedAt: now })) as any;
    expect(spec.mark).toBe('bar');
    expect(spec.title).toEqual({
      text: 'Incidents by force, 2026-09',
      subtitle: [
        'Computed at 2026-11-30T08:00:00.000Z',
        'Suppression: counts of 1 are shown as <2; totals are computed from exact counts before suppression',
        'Suppressed (drawn as 0): Kent / Direct messages; North Wales / Profiles',
      ],
    });
    expect(spec.data.values).toEqual([
      { row: 'Kent', part: 'Groups', count: 2 },
      { row: 'Kent', part: 'Media', count: 2 },
    ]);
  });
});
