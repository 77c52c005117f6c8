import { HavenError, type MyReport, type ReportReason } from '@haven/protocol';
import type { Caller, Services } from '../services/context';
import type { ReportRow } from '../storage/database';
import { reportsBy, setReportNotify } from '../storage/repos/reports';

// A reporter's own reports: where each stands, and the outcome notice they can opt out of.

function status(r: ReportRow, caseStatus: string | null): MyReport['status'] {
  if (r.outcome) return r.outcome;
  return caseStatus === 'in_review' ? 'in_review' : 'received';
}

const view = (r: ReportRow, caseStatus: string | null): MyReport => ({
  id: r.id,
  target: r.target_kind,
  reason: r.reason as ReportReason,
  status: status(r, caseStatus),
  notifyOutcome: r.notify_outcome,
  createdAt: r.created_at.toISOString(),
});

export async function myReports(s: Services, caller: Caller): Promise<MyReport[]> {
  return (await reportsBy(s.db, caller.accountId)).map((r) => view(r, r.case_status));
}

export async function setNotify(s: Services, caller: Caller, id: string, notify: boolean): Promise<MyReport> {
  const r = await setReportNotify(s.db, id, caller.accountId, notify);
  if (!r) throw new HavenError('report.not_found');
  return view(r, null);
}
