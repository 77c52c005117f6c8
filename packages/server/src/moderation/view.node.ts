import { HavenError, MessagePayload, type CaseDetail, type CaseItem, type CaseQueue, type ReportReason } from '@haven/protocol';
import { appendAudit } from '../admin/audit';
import { isMediaRestricted } from '../storage/repos/sanctions';
import { bandOf } from '../policy/participants';
import type { Caller, Services } from '../services/context';
import type { EvidenceRow } from '../storage/database';
import { findAccountsByIds } from '../storage/repos/accounts';
import { caseAppeals, caseAuditRows, caseDecisions, caseReferrals, conversationsByIds, detectionsByIds, findCase, listCaseItems, queuePage } from '../storage/repos/cases';
import { caseEvidence } from '../storage/repos/evidence';
import { reportsOfCase } from '../storage/repos/reports';
import { caseSummaries } from './cases';
import { evidenceInfo, openEvidence, revealCount } from './evidence.node.ts';
import { inTransaction } from '../storage/transaction';

// What moderators see: the queue (most urgent first, keyset-paginated) and one case with everything that
// led to it. Opening a case is an evidence view and is audited.

const encodeCursor = (c: { rank: number; due: Date; id: string }): string => Buffer.from(JSON.stringify([c.rank, c.due.toISOString(), c.id])).toString('base64url');
function decodeCursor(raw: string | undefined): { rank: number; due: Date; id: string } | undefined {
  if (!raw) return undefined;
  try {
    const [rank, due, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [number, string, string];
    const d = new Date(due);
    if (!Number.isInteger(rank) || Number.isNaN(d.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) throw new Error('bad');
    return { rank, due: d, id };
  } catch {
    throw new HavenError('request.invalid', 'The cursor is not one this server gave.');
  }
}

export async function queue(s: Services, caller: Caller, q: { status: 'active' | CaseDetail['status']; mine?: 'true' | 'false' | undefined; limit: number; cursor?: string | undefined }): Promise<CaseQueue> {
  // The page and the moderator's reveal counter are independent: asked for at once (one round trip less).
  const [rows, reveals] = await Promise.all([
    queuePage(s.db, { status: q.status, assigneeId: q.mine === 'true' ? caller.accountId : undefined, limit: q.limit + 1, after: decodeCursor(q.cursor) }),
    revealCount(s, caller.accountId),
  ]);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    cases: await caseSummaries(s, page),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ rank: last.priority_rank, due: last.due_at, id: last.id }) : null,
    reveals,
  };
}

function textOf(s: Services, e: EvidenceRow | undefined): { text: string | null; attachments: number } | null {
  if (!e || e.kind !== 'message') return null;
  if (!e.sealed) return { text: '[evidence deleted at the end of its retention period]', attachments: 0 };
  try {
    const p = MessagePayload.safeParse(JSON.parse(Buffer.from(openEvidence(s, e)).toString('utf8')));
    if (!p.success) return { text: null, attachments: 0 };
    return { text: p.data.text ?? null, attachments: p.data.attachments?.length ?? 0 };
  } catch {
    return { text: null, attachments: 0 };
  }
}

export async function caseDetail(s: Services, caller: Caller, caseId: string, audit = true): Promise<CaseDetail> {
  const c = await findCase(s.db, caseId);
  if (!c) throw new HavenError('case.not_found');
  const [items, reports, evidence, decisions, appeals, referrals] = await Promise.all([
    listCaseItems(s.db, c.id),
    reportsOfCase(s.db, c.id),
    caseEvidence(s.db, c.id),
    caseDecisions(s.db, c.id),
    caseAppeals(s.db, c.id),
    caseReferrals(s.db, c.id),
  ]);
  const detections = await detectionsByIds(s.db, items.filter((i) => i.kind === 'detection').map((i) => i.ref_id));
  const appealsById = new Map(appeals.map((a) => [a.id, a]));
  const accounts = new Map((await findAccountsByIds(s.db, [c.subject_account_id, ...reports.map((r) => r.reporter_account_id)])).map((a) => [a.id, a]));
  const conversations = new Map(
    (await conversationsByIds(s.db, [...reports.flatMap((r) => (r.conversation_id ? [r.conversation_id] : [])), ...detections.flatMap((d) => (d.conversation_id ? [d.conversation_id] : []))])).map((x) => [x.id, x]),
  );
  const now = s.now();
  const reportsById = new Map(reports.map((r) => [r.id, r]));
  const detectionsById = new Map(detections.map((d) => [d.id, d]));
  const itemList: CaseItem[] = items.map((i) => {
    const ev = evidence.filter((e) => e.item_id === i.id);
    const base = { id: i.id as CaseItem['id'], kind: i.kind, at: i.created_at.toISOString(), evidenceIds: ev.map((e) => e.id as CaseItem['id']) };
    if (i.kind === 'report') {
      const r = reportsById.get(i.ref_id);
      const reporter = r ? accounts.get(r.reporter_account_id) : undefined;
      const conv = r?.conversation_id ? conversations.get(r.conversation_id) : undefined;
      return {
        ...base,
        summary: r ? `${reporter?.handle ?? '?'} reported ${r.target_kind === 'account' ? 'the account' : `a ${r.target_kind}`} for ${r.reason}` : 'report',
        reason: (r?.reason as ReportReason | undefined) ?? null,
        note: r?.note ?? null,
        reporter: reporter ? { id: reporter.id, handle: reporter.handle, ageBand: bandOf(s.policy, reporter.birth_date, now) } : null,
        conversation: conv ? { id: conv.id, mode: conv.mode, kind: conv.kind } : null,
        messageId: r?.message_id ?? null,
        verifiedBy: r?.verified_by ?? 'unknown',
        content: textOf(s, ev.find((e) => e.kind === 'message')),
      };
    }
    if (i.kind === 'detection') {
      const d = detectionsById.get(i.ref_id);
      const conv = d?.conversation_id ? conversations.get(d.conversation_id) : undefined;
      return {
        ...base,
        summary: d ? `${d.source === 'server-scan' ? 'Server' : 'Device'} match on list ${d.list_name} (entry ${d.entry_index}, distance ${d.distance})${d.source === 'server-scan' ? '' : ': an unverified device claim'}` : 'detection',
        reason: null,
        note: null,
        reporter: null,
        conversation: conv ? { id: conv.id, mode: conv.mode, kind: conv.kind } : null,
        messageId: null,
        verifiedBy: d?.source === 'server-scan' ? 'server-hash-match' : 'device-claim',
        content: null,
      };
    }
    const a = appealsById.get(i.ref_id);
    return { ...base, summary: a ? `Appeal: ${a.text}` : i.kind, reason: null, note: a?.text ?? null, reporter: null, conversation: null, messageId: null, verifiedBy: i.kind, content: null };
  });
  const subject = accounts.get(c.subject_account_id);
  const [summary] = await caseSummaries(s, [{ ...c, item_count: items.length }]);
  if (audit) {
    await inTransaction(s.db, (tx) =>
      appendAudit(tx, now, { actorId: caller.accountId, actorHandle: caller.handle, action: 'case.view', target: `case:${c.id}`, reason: '', details: { evidence: evidence.map((e) => e.sha256) } }),
    );
  }
  // The trail is read after this view's own entry, so it includes it.
  const [reveals, trail] = await Promise.all([revealCount(s, caller.accountId), caseAuditRows(s.db, c.id, { decisionIds: decisions.map((d) => d.id), evidenceIds: evidence.map((e) => e.id) })]);
  return {
    ...summary!,
    subjectAccount: {
      status: subject?.status ?? 'deleted',
      region: subject?.region ?? null,
      suspendedUntil: subject?.suspended_until?.toISOString() ?? null,
      mediaRestricted: subject ? await isMediaRestricted(s.db, subject.id) : false,
    },
    itemList,
    evidence: evidence.map(evidenceInfo),
    evidenceRetainUntil: c.evidence_retain_until?.toISOString() ?? null,
    legalHold: c.legal_hold,
    evidencePurgedAt: c.evidence_purged_at?.toISOString() ?? null,
    decisions: decisions.map((d) => ({ id: d.id as never, action: d.action, reason: d.reason as ReportReason, note: d.note, until: d.until?.toISOString() ?? null, moderator: d.moderator_handle, at: d.created_at.toISOString() })),
    appeals: appeals.map((a) => ({ id: a.id as never, decisionId: a.decision_id as never, text: a.text, status: a.status, decidedBy: a.decided_by_handle, at: a.created_at.toISOString() })),
    referrals: referrals.map((r) => ({ id: r.id as never, caseId: r.case_id as never, status: r.status, remoteReportId: r.remote_report_id, error: r.error, createdAt: r.created_at.toISOString() })),
    reveals,
    audit: trail.map((a) => ({ seq: a.seq, at: a.at.toISOString(), actor: a.actor_handle, action: a.action, target: a.target, reason: a.reason })),
  };
}
