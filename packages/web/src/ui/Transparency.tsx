import { useEffect, useState } from 'react';
import { HavenError, type StatisticsReportWire } from '@haven/protocol';
import { saveText } from '../lib/download';
import type { AppState, HavenSession } from '../lib/session';
import { ErrorMessage, useAction } from './common';
import { ConsolePage, useObjectUrl, When } from './console-common';

// Transparency statistics (issue 14, item 6): exact for an admin, suppressed for everyone else, and only
// while the operator makes them public. The chart is the server's SVG shown as an <img> from a Blob URL,
// so nothing in it can run or touch the page.

const BY = [
  ['force', 'Police force area'],
  ['surface', 'Surface'],
  ['method', 'Detection method'],
] as const;
type By = (typeof BY)[number][0];

const cell = (v: number | string): string => (typeof v === 'number' ? v.toLocaleString('en-GB') : v);

export function TransparencyPage({ session, state }: { session: HavenSession; state: AppState }) {
  const admin = state.me?.role === 'admin';
  const [by, setBy] = useState<By>('force');
  const [period, setPeriod] = useState('');
  const [publicView, setPublicView] = useState(false);
  const [report, setReport] = useState<StatisticsReportWire | null>(null);
  const [chart, setChart] = useState<Blob | null>(null);
  const [notPublic, setNotPublic] = useState(false);
  const chartUrl = useObjectUrl(chart);
  const query = () => ({ by, ...(period.trim() ? { period: period.trim() } : {}), ...(admin && publicView ? { view: 'public' as const } : {}) });
  const load = useAction(async () => {
    setNotPublic(false);
    try {
      const q = query();
      const [r, svg] = await Promise.all([session.client.stats(q), session.client.statsText({ ...q, format: 'svg' })]);
      setReport(r);
      setChart(new Blob([svg], { type: 'image/svg+xml' }));
    } catch (e) {
      setReport(null);
      setChart(null);
      if (e instanceof HavenError && e.code === 'stats.not_public') return setNotPublic(true);
      throw e;
    }
  });
  const csv = useAction(async () => {
    const q = query();
    saveText(await session.client.statsText({ ...q, format: 'csv' }), `haven-statistics-${report?.period.label ?? 'period'}-by-${by}.csv`, 'text/csv');
  });
  // Reload when the signed-in account changes (an admin sees exact counts) or the view changes.
  useEffect(() => void load.run(), [state.me?.id, by, publicView]);

  return (
    <ConsolePage id="stats" title="Transparency" wide>
      <p className="lead">What this server’s safety team acted on, counted by police force area, by surface and by how it was found.</p>
      <section className="card" aria-labelledby="stats-controls">
        <h2 id="stats-controls" className="visually-hidden">
          Choose the statistics
        </h2>
        <form
          className="row filters"
          onSubmit={(e) => {
            e.preventDefault();
            void load.run();
          }}
        >
          <label htmlFor="stats-by">Rows by</label>
          <select id="stats-by" value={by} onChange={(e) => setBy(e.target.value as By)}>
            {BY.map(([v, t]) => (
              <option key={v} value={v}>
                {t}
              </option>
            ))}
          </select>
          <label htmlFor="stats-period">Period</label>
          <input id="stats-period" value={period} placeholder="this quarter" onChange={(e) => setPeriod(e.target.value)} aria-describedby="stats-period-hint" />
          {admin && (
            <label className="checkbox">
              <input type="checkbox" checked={publicView} onChange={(e) => setPublicView(e.target.checked)} /> Show as the public sees it
            </label>
          )}
          <button type="submit" disabled={load.busy}>
            Show
          </button>
          <button type="button" onClick={() => void csv.run()} disabled={csv.busy || !report}>
            Download CSV
          </button>
        </form>
        <p id="stats-period-hint" className="hint">
          A month (2026-09), a quarter (2026-Q3), a year (2026) or a range of days (2026-07-01..2026-09-30).
        </p>
        <ErrorMessage error={load.error ?? csv.error} />
      </section>
      {notPublic && (
        <section className="card" role="status">
          <p>This server does not make its transparency statistics public{state.me ? '; only its administrators can see them.' : '.'}</p>
          {!state.me && <p className="muted">If you run this server, sign in as an administrator to see them.</p>}
        </section>
      )}
      {load.busy && !report && <p role="status">Loading the statistics…</p>}
      {report && <StatisticsTable report={report} />}
      {report && chartUrl && (
        <section className="card" aria-labelledby="stats-chart">
          <h2 id="stats-chart">Chart</h2>
          <img className="stats-chart" src={chartUrl} alt={`Chart of incidents actioned by ${BY.find(([v]) => v === report.by)?.[1].toLowerCase() ?? report.by}, ${report.period.label}; the table above has the same figures.`} />
        </section>
      )}
    </ConsolePage>
  );
}

function StatisticsTable({ report }: { report: StatisticsReportWire }) {
  const byName = BY.find(([v]) => v === report.by)?.[1] ?? report.by;
  const rows = [...report.rows];
  return (
    <section className="card" aria-labelledby="stats-table-title">
      <h2 id="stats-table-title">
        {report.period.label} by {byName.toLowerCase()}
      </h2>
      <p className="muted">
        <When at={report.period.start} /> to <When at={report.period.end} />
        {report.period.partial && ' (the period has not ended: figures so far)'}. Computed <When at={report.computedAt} />. {report.suppression.rule}
      </p>
      <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="stats-table-title">
        <table className="data-table numbers">
          <caption className="visually-hidden">
            Statistics for {report.period.label} by {byName.toLowerCase()}
          </caption>
          <thead>
            <tr>
              <th scope="col">{byName}</th>
              <th scope="col">Incidents actioned</th>
              {report.columns.map((c) => (
                <th scope="col" key={c.key}>
                  {c.name}
                </th>
              ))}
              <th scope="col">Referrals</th>
              <th scope="col">Content actioned</th>
              <th scope="col">Found proactively</th>
              <th scope="col">Proactive %</th>
              <th scope="col">Appealed</th>
              <th scope="col">Restored</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <Row key={r.key} r={r} columns={report.columns} />
            ))}
          </tbody>
          <tfoot>
            <Row r={report.total} columns={report.columns} />
          </tfoot>
        </table>
      </div>
      <h3>How incidents were found and where</h3>
      <ul className="plain-list">
        <li>{report.shares.method.sentence}</li>
        <li>{report.shares.surface.sentence}</li>
      </ul>
    </section>
  );
}

function Row({ r, columns }: { r: StatisticsReportWire['total']; columns: StatisticsReportWire['columns'] }) {
  return (
    <tr>
      <th scope="row">{r.name}</th>
      <td>{cell(r.incidents)}</td>
      {columns.map((c) => (
        <td key={c.key}>{cell(r.breakdown[c.key] ?? 0)}</td>
      ))}
      <td>{cell(r.referrals)}</td>
      <td>{cell(r.contentActioned)}</td>
      <td>{cell(r.proactive)}</td>
      <td>{r.proactivePercent === null ? '–' : `${r.proactivePercent}%`}</td>
      <td>{cell(r.appealed)}</td>
      <td>{cell(r.restored)}</td>
    </tr>
  );
}
