import { useEffect, useState } from 'react';
import { MOD_ACTIONS, REPORT_REASONS, REPORT_REASON_TEXT, type AccountSelf, type CaseDetail, type ModAction, type ReportReason } from '@haven/protocol';
import { ACTION_TEXT, PRIORITY_TEXT, STATUS_TEXT, ageText } from '../lib/moderation-text';
import type { HavenSession } from '../lib/session';
import { ErrorMessage, useAction } from './common';
import { ConsolePage, When } from './console-common';
import { EvidenceList } from './ModerationEvidence';
import { ReferralPackageView } from './ModerationReferral';

// One case: what was reported and found, the evidence (images blurred until revealed), the decision,
// closing, referral and appeals. Only the moderator who holds the case may decide on it; the server
// enforces that and its refusal is shown in its own words.

const KIND_TEXT = { report: 'Report', detection: 'Detection', signal: 'Risk signal', appeal: 'Appeal' } as const;

export function CaseView({ session, me, caseId, back }: { session: HavenSession; me: AccountSelf; caseId: string; back: () => void }) {
  const [c, setC] = useState<CaseDetail | null>(null);
  const [reveals, setReveals] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const load = useAction(async () => {
    const d = await session.client.modCase(caseId);
    setC(d);
    setReveals(d.reveals.today);
  });
  useEffect(() => void load.run(), [caseId]);
  // Every change answers with the case as it now is (or a summary): read it again either way.
  const act = useAction(async (f: () => Promise<unknown>, said: string) => {
    setDone(null);
    await f();
    await load.run();
    setDone(said);
  });

  if (!c)
    return (
      <ConsolePage id="case" title="Case">
        <button type="button" className="link-button" onClick={back}>
          ← Back to the queue
        </button>
        {load.busy && <p role="status">Loading the case…</p>}
        <ErrorMessage error={load.error} />
      </ConsolePage>
    );
  const mine = c.assignee?.id === me.id;
  const open = c.status !== 'closed';
  return (
    <ConsolePage id="case" title={`Case about @${c.subject.handle}`} wide>
      <div className="row">
        <button type="button" className="link-button" onClick={back}>
          ← Back to the queue
        </button>
        <span className="spacer" />
        <span className="reveal-count" role="status">
          Originals you revealed today: {reveals ?? c.reveals.today}
        </span>
      </div>
      <section className="card" aria-labelledby="case-facts">
        <h2 id="case-facts">Summary</h2>
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            {STATUS_TEXT[c.status]}
            {c.outcome && ` (${c.outcome === 'no_violation' ? 'no violation' : 'actioned'})`}
          </dd>
          <dt>Priority</dt>
          <dd>
            <span className={`priority ${c.priority}`}>{PRIORITY_TEXT[c.priority]}</span> by rule {c.priorityRule}
          </dd>
          <dt>Due</dt>
          <dd>
            <When at={c.dueAt} />
            {c.overdue && <span className="tag overdue-tag">Overdue</span>}
          </dd>
          <dt>About</dt>
          <dd>
            @{c.subject.handle} ({ageText(c.subject.ageBand)}); account {c.subjectAccount.status}
            {c.subjectAccount.mediaRestricted && ', media restricted'}
            {c.subjectAccount.suspendedUntil && <>, suspended until <When at={c.subjectAccount.suspendedUntil} /></>}
            {c.subjectAccount.region && `, region ${c.subjectAccount.region}`}
          </dd>
          <dt>Held by</dt>
          <dd>{mine ? 'You' : c.assignee ? `@${c.assignee.handle}` : 'Nobody'}</dd>
        </dl>
        <div className="row case-claim">
          {!mine && open && (
            <button type="button" className="primary" disabled={act.busy} onClick={() => void act.run(() => session.client.modClaim(c.id), 'You hold this case now.')}>
              Claim
            </button>
          )}
          {mine && open && (
            <button type="button" disabled={act.busy} onClick={() => void act.run(() => session.client.modRelease(c.id), 'You released this case.')}>
              Release
            </button>
          )}
        </div>
        {done && <p role="status">{done}</p>}
        <ErrorMessage error={act.error} />
        <ErrorMessage error={load.error} />
      </section>

      <section className="card" aria-labelledby="case-items">
        <h2 id="case-items">What was reported and found ({c.itemList.length})</h2>
        <ol className="case-items">
          {c.itemList.map((i) => (
            <li key={i.id}>
              <p>
                <strong>{KIND_TEXT[i.kind]}</strong> · <When at={i.at} /> · {i.summary}
              </p>
              <dl className="facts small">
                {i.reason && (
                  <>
                    <dt>Reason</dt>
                    <dd>{REPORT_REASON_TEXT[i.reason]}</dd>
                  </>
                )}
                {i.note && (
                  <>
                    <dt>Note</dt>
                    <dd className="quoted">{i.note}</dd>
                  </>
                )}
                {i.reporter && (
                  <>
                    <dt>Reported by</dt>
                    <dd>
                      @{i.reporter.handle} ({ageText(i.reporter.ageBand)})
                    </dd>
                  </>
                )}
                {i.conversation && (
                  <>
                    <dt>Conversation</dt>
                    <dd>
                      {i.conversation.kind === 'group' ? 'Group' : 'Direct'}, {i.conversation.mode === 'e2ee' ? 'end-to-end encrypted' : 'visible to safety checks'}
                    </dd>
                  </>
                )}
                {i.content && (
                  <>
                    <dt>Content</dt>
                    <dd className="quoted">
                      {i.content.text ?? <span className="muted">(no text)</span>}
                      {i.content.attachments > 0 && <span className="muted"> (+{i.content.attachments} attachment{i.content.attachments === 1 ? '' : 's'})</span>}
                    </dd>
                  </>
                )}
                <dt>Verified by</dt>
                <dd>{i.verifiedBy}</dd>
              </dl>
            </li>
          ))}
        </ol>
      </section>

      <EvidenceList session={session} c={c} onReveals={setReveals} />

      {open && mine && <DecisionForm session={session} c={c} run={act.run} busy={act.busy} />}
      {open && !mine && (
        <section className="card">
          <h2>Decide</h2>
          <p className="muted">Claim the case to decide on it, close it or refer it. One moderator holds a case at a time.</p>
        </section>
      )}

      <History session={session} c={c} run={act.run} busy={act.busy} />
      <AuditTrail c={c} />
    </ConsolePage>
  );
}

type Run = (f: () => Promise<unknown>, said: string) => Promise<void>;

function ReasonSelect({ id, value, onChange }: { id: string; value: ReportReason; onChange: (r: ReportReason) => void }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value as ReportReason)}>
      {REPORT_REASONS.map((r) => (
        <option key={r} value={r}>
          {REPORT_REASON_TEXT[r]}
        </option>
      ))}
    </select>
  );
}

function DecisionForm({ session, c, run, busy }: { session: HavenSession; c: CaseDetail; run: Run; busy: boolean }) {
  const firstReason = c.itemList.find((i) => i.reason)?.reason ?? 'other';
  const [action, setAction] = useState<ModAction>('warn');
  const [reason, setReason] = useState<ReportReason>(firstReason);
  const [note, setNote] = useState('');
  const [hours, setHours] = useState('24');
  const noteOpt = note.trim() ? { note: note.trim() } : {};
  return (
    <section className="card" aria-labelledby="decide-title">
      <h2 id="decide-title">Decide</h2>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          const h = Number(hours);
          void run(() => session.client.modAct(c.id, { action, reason, ...noteOpt, ...(action === 'suspend' ? { hours: h } : {}) }), `Decision recorded: ${ACTION_TEXT[action].toLowerCase()}.`);
        }}
      >
        <label htmlFor="decide-action">Action</label>
        <select id="decide-action" value={action} onChange={(e) => setAction(e.target.value as ModAction)}>
          {MOD_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {ACTION_TEXT[a]}
            </option>
          ))}
        </select>
        {action === 'suspend' && (
          <>
            <label htmlFor="decide-hours">Suspension (hours)</label>
            <input id="decide-hours" type="number" min={1} max={24 * 366} value={hours} onChange={(e) => setHours(e.target.value)} />
          </>
        )}
        <label htmlFor="decide-reason">Reason</label>
        <ReasonSelect id="decide-reason" value={reason} onChange={setReason} />
        <label htmlFor="decide-note">Note for the record (optional)</label>
        <textarea id="decide-note" value={note} maxLength={2000} rows={2} onChange={(e) => setNote(e.target.value)} />
        <div className="row">
          <button type="submit" className="primary" disabled={busy}>
            Record decision
          </button>
          <button type="button" disabled={busy} onClick={() => void run(() => session.client.modClose(c.id, note.trim() || undefined), c.outcome ? 'Case closed.' : 'Case closed with no violation.')}>
            {c.outcome ? 'Close case' : 'Close: no violation'}
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void run(() => session.client.modRefer(c.id, note.trim() || undefined), 'Referred to law enforcement: the referral package is ready below.')}>
            Refer to law enforcement
          </button>
        </div>
        <p className="hint">The note goes with whichever you choose. Referring builds a package of the evidence for the hotline; the subject is not told.</p>
      </form>
    </section>
  );
}

function History({ session, c, run, busy }: { session: HavenSession; c: CaseDetail; run: Run; busy: boolean }) {
  const [pkg, setPkg] = useState<string | null>(null);
  if (c.decisions.length + c.appeals.length + c.referrals.length === 0) return null;
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">Decisions, appeals and referrals</h2>
      {c.decisions.length > 0 && (
        <ul className="plain-list">
          {c.decisions.map((d) => (
            <li key={d.id}>
              <strong>{ACTION_TEXT[d.action]}</strong> for {REPORT_REASON_TEXT[d.reason]} by {d.moderator}, <When at={d.at} />
              {d.until && (
                <>
                  {' '}
                  (until <When at={d.until} />)
                </>
              )}
              {d.note && <span className="quoted"> — {d.note}</span>}
            </li>
          ))}
        </ul>
      )}
      {c.appeals.map((a) => (
        <AppealRow key={a.id} session={session} appeal={a} run={run} busy={busy} />
      ))}
      {c.referrals.length > 0 && (
        <>
          <h3>Referrals</h3>
          <ul className="plain-list">
            {c.referrals.map((r) => (
              <li key={r.id}>
                Referral {r.id.slice(0, 8)}: {r.status === 'built' ? 'package built' : r.status === 'submitted' ? `submitted${r.remoteReportId ? ` (hotline report ${r.remoteReportId})` : ''}` : `failed: ${r.error ?? 'unknown error'}`}, <When at={r.createdAt} />{' '}
                <button type="button" onClick={() => setPkg(pkg === r.id ? null : r.id)} aria-expanded={pkg === r.id}>
                  {pkg === r.id ? 'Hide package' : 'View package'}
                </button>
              </li>
            ))}
          </ul>
          {pkg && <ReferralPackageView session={session} referralId={pkg} />}
        </>
      )}
    </section>
  );
}

function AppealRow({ session, appeal, run, busy }: { session: HavenSession; appeal: CaseDetail['appeals'][number]; run: Run; busy: boolean }) {
  const [outcome, setOutcome] = useState<'upheld' | 'overturned'>('upheld');
  const [reason, setReason] = useState<ReportReason>('other');
  const [note, setNote] = useState('');
  const id = `appeal-${appeal.id.slice(0, 8)}`;
  return (
    <div className="appeal">
      <h3>Appeal</h3>
      <p>
        <When at={appeal.at} />: <span className="quoted">{appeal.text}</span>
      </p>
      <p>
        {appeal.status === 'pending' ? 'Waiting for a decision (by a moderator other than the one who decided).' : `${appeal.status === 'upheld' ? 'Upheld' : 'Overturned'}${appeal.decidedBy ? ` by ${appeal.decidedBy}` : ''}.`}
      </p>
      {appeal.status === 'pending' && (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => session.client.modDecideAppeal(appeal.id, { outcome, reason, ...(note.trim() ? { note: note.trim() } : {}) }), `Appeal ${outcome}.`);
          }}
        >
          <label htmlFor={`${id}-outcome`}>Appeal outcome</label>
          <select id={`${id}-outcome`} value={outcome} onChange={(e) => setOutcome(e.target.value as 'upheld' | 'overturned')}>
            <option value="upheld">Uphold the decision</option>
            <option value="overturned">Overturn the decision</option>
          </select>
          <label htmlFor={`${id}-reason`}>Appeal reason</label>
          <ReasonSelect id={`${id}-reason`} value={reason} onChange={setReason} />
          <label htmlFor={`${id}-note`}>Appeal note (optional)</label>
          <textarea id={`${id}-note`} rows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
          <div className="row">
            <button type="submit" className="primary" disabled={busy}>
              Decide appeal
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

/** The case's audit trail (issue 14 item 5): every view, claim, decision, referral and appeal, oldest first. */
function AuditTrail({ c }: { c: CaseDetail }) {
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail ({c.audit.length})</h2>
      <p className="hint">Written to the append-only, hash-chained audit log; nobody can edit or remove an entry.</p>
      <details>
        <summary>Show every entry</summary>
        <table className="audit-trail">
          <caption className="visually-hidden">Audit trail of this case</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {c.audit.map((a) => (
              <tr key={a.seq}>
                <td>
                  <When at={a.at} />
                </td>
                <td>{a.actor}</td>
                <td>
                  {a.action} <span className="muted">{a.target}</span>
                </td>
                <td>{a.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
