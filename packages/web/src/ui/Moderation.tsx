import { useEffect, useState } from 'react';
import type { CaseQueue, CaseSummary } from '@haven/protocol';
import type { AppState, HavenSession } from '../lib/session';
import { ErrorMessage, useAction } from './common';
import { ConsolePage, NoAccess, When } from './console-common';
import { PRIORITY_TEXT, STATUS_TEXT, ageText } from '../lib/moderation-text';
import { CaseView } from './ModerationCase';

// The moderator console (issue 14, item 5): the queue, most urgent first, and one case at a time. It
// talks to the server only through the SDK; the server decides who may see what and refuses the rest.

const STATUS_FILTERS = [
  ['active', 'Active (open and in review)'],
  ['open', 'Open'],
  ['in_review', 'In review'],
  ['actioned', 'Actioned'],
  ['referred', 'Referred'],
  ['closed', 'Closed'],
] as const;

export function ModerationPage({ session, state, caseId, open }: { session: HavenSession; state: AppState; caseId: string | null; open: (id: string | null) => void }) {
  const me = state.me;
  if (!me)
    return (
      <ConsolePage id="mod" title="Moderation">
        <p role="status">Loading…</p>
      </ConsolePage>
    );
  if (me.role === 'user') return <NoAccess id="mod" title="Moderation" who="moderators and administrators" />;
  return caseId ? <CaseView session={session} me={me} caseId={caseId} back={() => open(null)} /> : <Queue session={session} open={open} />;
}

function Queue({ session, open }: { session: HavenSession; open: (id: string) => void }) {
  const [status, setStatus] = useState<string>('active');
  const [mine, setMine] = useState(false);
  const [queue, setQueue] = useState<CaseQueue | null>(null);
  const [pages, setPages] = useState<CaseSummary[]>([]);
  const load = useAction(async (cursor?: string) => {
    const q = await session.client.modQueue({ status, ...(mine ? { mine: true } : {}), limit: 50, ...(cursor ? { cursor } : {}) });
    setQueue(q);
    setPages((before) => (cursor ? [...before, ...q.cases] : q.cases));
  });
  const refresh = () => void load.run();
  // The first page again whenever the filter changes.
  useEffect(refresh, [status, mine]);
  const claim = useAction(async (id: string) => {
    await session.client.modClaim(id);
    open(id);
  });

  return (
    <ConsolePage id="mod" title="Moderation" wide>
      <section className="card" aria-labelledby="queue-title">
        <div className="row">
          <h2 id="queue-title">Case queue</h2>
          <span className="spacer" />
          {queue && (
            <span className="reveal-count" role="status">
              Originals you revealed today: {queue.reveals.today}
            </span>
          )}
        </div>
        <form
          className="row filters"
          onSubmit={(e) => {
            e.preventDefault();
            refresh();
          }}
        >
          <label htmlFor="queue-status">Show</label>
          <select id="queue-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            {STATUS_FILTERS.map(([v, t]) => (
              <option key={v} value={v}>
                {t}
              </option>
            ))}
          </select>
          <label className="checkbox">
            <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Only cases I hold
          </label>
          <button type="submit" disabled={load.busy}>
            Refresh
          </button>
        </form>
        <ErrorMessage error={load.error} />
        <ErrorMessage error={claim.error} />
        {queue && pages.length === 0 && <p className="muted">No cases here. The queue is empty.</p>}
        {pages.length > 0 && (
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Cases, most urgent first</caption>
              <thead>
                <tr>
                  <th scope="col">Priority</th>
                  <th scope="col">Status</th>
                  <th scope="col">Due</th>
                  <th scope="col">About</th>
                  <th scope="col">Items</th>
                  <th scope="col">Held by</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {pages.map((c) => (
                  <tr key={c.id} className={c.overdue ? 'overdue' : undefined}>
                    <td>
                      <span className={`priority ${c.priority}`}>{PRIORITY_TEXT[c.priority]}</span> <span className="muted small">({c.priorityRule})</span>
                    </td>
                    <td>{STATUS_TEXT[c.status]}</td>
                    <td>
                      <When at={c.dueAt} />
                      {c.overdue && <span className="tag overdue-tag">Overdue</span>}
                    </td>
                    <td>
                      @{c.subject.handle} <span className="muted">({ageText(c.subject.ageBand)})</span>
                    </td>
                    <td>{c.items}</td>
                    <td>{c.assignee ? `@${c.assignee.handle}` : <span className="muted">nobody</span>}</td>
                    <td className="row">
                      <button type="button" onClick={() => open(c.id)} aria-label={`Open case about @${c.subject.handle}`}>
                        Open
                      </button>
                      {!c.assignee && c.status !== 'closed' && (
                        <button type="button" className="primary" disabled={claim.busy} onClick={() => void claim.run(c.id)} aria-label={`Claim case about @${c.subject.handle}`}>
                          Claim
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {queue?.nextCursor && (
          <button type="button" onClick={() => void load.run(queue.nextCursor!)} disabled={load.busy}>
            More cases
          </button>
        )}
      </section>
    </ConsolePage>
  );
}
