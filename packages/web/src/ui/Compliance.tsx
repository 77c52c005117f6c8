import { useEffect, useState } from 'react';
import type { ComplianceReportWire } from '@haven/protocol';
import { saveText } from '../lib/download';
import type { AppState, HavenSession } from '../lib/session';
import { ErrorMessage, useAction } from './common';
import { ConsolePage, NoAccess, When } from './console-common';

// The regulator's view for admins (issue 14, item 6): each Ofcom Illegal Content Codes measure Haven
// addresses, on or off in this deployment, its config key and evidence from live data; as Markdown too.

const STATUS_TEXT: Record<ComplianceReportWire['measures'][number]['status'], string> = { on: 'On', partial: 'Partly on', off: 'Off', 'not-built': 'Not built' };

/** Evidence values are whatever the server measured: numbers and words as they are, anything else as JSON. */
const evidenceText = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null ? '–' : JSON.stringify(v));

export function CompliancePage({ session, state }: { session: HavenSession; state: AppState }) {
  const me = state.me;
  const [period, setPeriod] = useState('');
  const [report, setReport] = useState<ComplianceReportWire | null>(null);
  const q = () => (period.trim() ? { period: period.trim() } : {});
  const load = useAction(async () => setReport(await session.client.adminCompliance(q())));
  const md = useAction(async () => saveText(await session.client.adminComplianceMarkdown(q()), `haven-compliance-${report?.period.label ?? 'period'}.md`, 'text/markdown'));
  const admin = me?.role === 'admin';
  useEffect(() => void (admin && load.run()), [admin]);
  if (!me)
    return (
      <ConsolePage id="compliance" title="Compliance">
        <p role="status">Loading…</p>
      </ConsolePage>
    );
  if (!admin) return <NoAccess id="compliance" title="Compliance" who="administrators" />;
  return (
    <ConsolePage id="compliance" title="Compliance" wide>
      <p className="lead">The Ofcom Illegal Content Codes measures this deployment addresses, whether each is on, and the evidence from live data.</p>
      <section className="card" aria-labelledby="compliance-controls">
        <h2 id="compliance-controls" className="visually-hidden">
          Choose the period
        </h2>
        <form
          className="row filters"
          onSubmit={(e) => {
            e.preventDefault();
            void load.run();
          }}
        >
          <label htmlFor="compliance-period">Period</label>
          <input id="compliance-period" value={period} placeholder="this quarter" onChange={(e) => setPeriod(e.target.value)} />
          <button type="submit" disabled={load.busy}>
            Show
          </button>
          <button type="button" onClick={() => void md.run()} disabled={md.busy || !report}>
            Download Markdown
          </button>
        </form>
        <ErrorMessage error={load.error ?? md.error} />
      </section>
      {load.busy && !report && <p role="status">Loading the compliance report…</p>}
      {report && (
        <section className="card" aria-labelledby="compliance-title">
          <h2 id="compliance-title">Measures, {report.period.label}</h2>
          <p className="muted">
            Preset {report.preset}. <When at={report.period.start} /> to <When at={report.period.end} />; computed <When at={report.computedAt} />.
          </p>
          <ul className="measure-list">
            {report.measures.map((m) => (
              <li key={m.id}>
                <h3>
                  {m.id} {m.title} <span className={`tag measure-${m.status}`}>{STATUS_TEXT[m.status]}</span>
                </h3>
                <p>{m.why}</p>
                <p className="muted small">
                  Config: <code>{m.configKey}</code>
                </p>
                {Object.keys(m.evidence).length > 0 && (
                  <dl className="facts small">
                    {Object.entries(m.evidence).map(([k, v]) => (
                      <div key={k} className="fact">
                        <dt>{k}</dt>
                        <dd>{evidenceText(v)}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </ConsolePage>
  );
}
