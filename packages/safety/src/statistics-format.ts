import { NOT_RECORDED, type StatRow, type StatisticsReport } from './statistics';

// Outputs of a statistics report (T8): CSV, a text table, and a Vega-Lite chart specification. Each carries
// the period, the time it was computed and the suppression rule. Rendering the chart to SVG needs the
// Vega runtime and is done by the server (src/stats/chart.ts); the specification is plain data here so the
// web app can render the same chart.

const FIRST_COLUMN = { force: 'Police Force', surface: 'Surface', method: 'Detection method' } as const;

/** The lines every output starts with (T8). */
export function statisticsHeader(r: StatisticsReport): string[] {
  return [
    `Haven transparency statistics: incidents by ${r.by}, period ${r.period.label} (${r.period.start.slice(0, 10)} to ${dayBefore(r.period.end)}${r.period.partial ? ', not yet ended' : ''})`,
    `Computed at ${r.computedAt}`,
    `Suppression: ${r.suppression.rule}`,
  ];
}

function dayBefore(iso: string): string {
  return new Date(Date.parse(iso) - 86_400_000).toISOString().slice(0, 10);
}

function headings(r: StatisticsReport): string[] {
  return [
    FIRST_COLUMN[r.by],
    ...(r.by === 'force' ? ['Code'] : []),
    'Total incidents',
    ...r.columns.map((c) => c.name),
    'Referrals',
    'Content actioned',
    'Proactive',
    'Proactive %',
    'Appealed',
    'Restored',
  ];
}

function cells(r: StatisticsReport, row: StatRow): string[] {
  return [
    row.name,
    ...(r.by === 'force' ? [row.key === 'total' ? '' : row.key] : []),
    String(row.incidents),
    ...r.columns.map((c) => String(row.breakdown[c.key])),
    String(row.referrals),
    String(row.contentActioned),
    String(row.proactive),
    row.proactivePercent === null ? '' : row.proactivePercent.toFixed(1),
    String(row.appealed),
    String(row.restored),
  ];
}

function csvField(s: string): string {
  return /[",\r\n#]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * CSV in the shape published tables use (first column the force, a total column, one column per
 * surface), then the other measures; a total row last. Metadata lines start with `#`.
 */
export function statisticsCsv(r: StatisticsReport): string {
  const lines = [
    ...statisticsHeader(r).map((l) => `# ${l}`),
    ...[r.shares.method.sentence, r.shares.surface.sentence].map((l) => `# ${l}`),
    headings(r).map(csvField).join(','),
    ...r.rows.map((row) => cells(r, row).map(csvField).join(',')),
    cells(r, r.total).map(csvField).join(','),
  ];
  return lines.join('\r\n') + '\r\n';
}

/** A text table for a terminal: rows with no incidents, referrals or appeals are left out. */
export function statisticsTable(r: StatisticsReport): string {
  const shown = r.rows.filter((row) => [row.incidents, row.referrals, row.appealed, row.restored].some((c) => c !== 0));
  const grid = [headings(r), ...shown.map((row) => cells(r, row)), cells(r, r.total)];
  const widths = grid[0]!.map((_, i) => Math.max(...grid.map((g) => g[i]!.length)));
  const line = (g: string[]): string => g.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [
    ...statisticsHeader(r),
    '',
    line(grid[0]!),
    ...grid.slice(1, -1).map(line),
    widths.map((w) => '-'.repeat(w)).join('  '),
    line(grid.at(-1)!),
    '',
    r.shares.method.sentence,
    r.shares.surface.sentence,
  ].join('\n') + '\n';
}

/**
 * A Vega-Lite specification of a bar chart: one bar per row (force, surface or method), stacked by the
 * breakdown column (surface, or method when rows are surfaces). Suppressed cells are drawn at 0 and
 * listed in the caption; the title carries the period, time and suppression rule (T8).
 */
export function statisticsChartSpec(r: StatisticsReport): Record<string, unknown> {
  const values: { row: string; part: string; count: number }[] = [];
  const suppressed: string[] = [];
  for (const row of r.rows) {
    for (const c of r.columns) {
      const v = row.breakdown[c.key];
      if (typeof v === 'number') {
        if (v > 0) values.push({ row: row.name, part: c.name, count: v });
      } else {
        suppressed.push(`${row.name} / ${c.name}`);
      }
    }
  }
  const subtitle = [`Computed at ${r.computedAt}`, `Suppression: ${r.suppression.rule}`];
  if (suppressed.length) subtitle.push(`Suppressed (drawn as 0): ${suppressed.join('; ')}`);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Incidents by ${r.by}, ${r.period.label}`, subtitle },
    width: 480,
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'row', type: 'nominal', title: FIRST_COLUMN[r.by], sort: r.rows.map((x) => x.name) },
      x: { field: 'count', type: 'quantitative', title: 'Incidents', aggregate: 'sum' },
      color: {
        field: 'part',
        type: 'nominal',
        title: r.by === 'surface' ? 'Detection method' : 'Surface',
        sort: r.columns.map((c) => c.name),
        scale: { domain: r.columns.map((c) => c.name) },
      },
      order: { field: 'part' },
    },
    config: { font: 'sans-serif' },
    usermeta: { period: r.period, computedAt: r.computedAt, suppression: r.suppression, notRecorded: NOT_RECORDED.name },
  };
}
