import { randomUUID } from 'node:crypto';
import { HavenError, type CaseSummary } from '@haven/protocol';
import { PRIORITY_RANK, casePriority, dueAt, type CaseFacts, type Prioritised } from '@haven/safety';
import type { Kysely } from 'kysely';
import { appendAudit } from '../admin/audit';
import { bandOf } from '../policy/participants';
import type { Caller, Services } from '../services/context';
import type { CaseRow, CaseItemsTable, Database } from '../storage/database';
import { findAccountsByIds } from '../storage/repos/accounts';
import { preserve } from './evidence.node.ts';
import { ipEventsBefore } from './ip-capture';
import { caseItemFacts, claimCase, findCase, insertCaseIfNone, insertCaseItem, lockCase, lockLiveCase, releaseCase, updateCase } from '../storage/repos/cases';
import { inTransaction } from '../storage/transaction';

// Cases (issue 9, point 2): every report, hash match, device detection and signal about an account opens
// or joins that account's one live case. Its priority is the most urgent of its items (packages/safety
// M1–M6), due per priority (M7). Claims are one UPDATE that only succeeds while nobody else holds it.

export interface RaisedItem {
  caseId: string;
  itemId: string;
  /** The case's priority after this item joined. */
  priority: Prioritised;
  /** false: the item was in a case already (a repeat). */
  added: boolean;
}

const retentionEnd = (s: Services, now: Date): Date => new Date(now.getTime() + s.config.moderation.evidenceRetentionDays * 86_400_000);

/**
 * Opens or joins the live case about `subjectId` with one item, inside `tx` (the caller's transaction, so
 * the item, its case and its evidence commit together). A repeat of the same item (kind + ref) changes
 * nothing. A case that was decided reopens for the new item.
 */
export async function raiseCase(
  s: Services,
  tx: Kysely<Database>,
  input: { subjectId: string; kind: CaseItemsTable['kind']; refId: string; facts: CaseFacts; at: Date },
): Promise<RaisedItem> {
  let c = await lockLiveCase(tx, input.subjectId);
  if (!c) {
    const first: Prioritised = casePriority([input.facts]);
    const created = await insertCaseIfNone(tx, {
      id: randomUUID(),
      subject_account_id: input.subjectId,
      status: 'open',
      outcome: null,
      priority: first.priority,
      priority_rank: PRIORITY_RANK[first.priority],
      priority_rule: first.rule,
      due_at: dueAt(input.at, first.priority, s.config.moderation.dueMinutes),
      assignee_id: null,
      claimed_at: null,
      evidence_retain_until: retentionEnd(s, input.at),
      evidence_purged_at: null,
      created_at: input.at,
      updated_at: input.at,
    });
    // Either ours, or the one a concurrent transaction just committed.
    c = await lockLiveCase(tx, input.subjectId);
    if (!c) throw new Error('a live case vanished while it was being joined');
    if (created) await preserveIpEvents(s, tx, c.id, input.subjectId, input.at, 'ip-events-case-opened.json');
  }
  const itemId = randomUUID();
  const added = await insertCaseItem(tx, { id: itemId, case_id: c.id, kind: input.kind, ref_id: input.refId, facts: JSON.stringify(input.facts), created_at: input.at });
  if (!added) return { caseId: c.id, itemId, priority: { priority: c.priority, rule: c.priority_rule }, added };
  const facts = (await caseItemFacts(tx, c.id)).map((r) => JSON.parse(r.facts) as CaseFacts);
  const p = casePriority(facts);
  const reopen = c.status === 'actioned' || c.status === 'referred';
  await updateCase(tx, c.id, {
    priority: p.priority,
    priority_rank: PRIORITY_RANK[p.priority],
    priority_rule: p.rule,
    // A more urgent item brings the due time forward; it never pushes it back.
    due_at: new Date(Math.min(c.due_at.getTime(), dueAt(input.at, p.priority, s.config.moderation.dueMinutes).getTime())),
    updated_at: input.at,
    ...(reopen ? { status: 'open' as const, assignee_id: null, claimed_at: null } : {}),
    // New evidence keeps the whole bundle for the retention period from now (never shorter).
    ...(c.evidence_purged_at ? {} : { evidence_retain_until: new Date(Math.max(c.evidence_retain_until?.getTime() ?? 0, retentionEnd(s, input.at).getTime())) }),
  });
  return { caseId: c.id, itemId, priority: p, added };
}

/**
 * Copies the subject's IP capture events of the configured window before `at` into the case's evidence
 * (nothing when capture is off or there are none), so a referral still has them after the rows expire.
 */
export async function preserveIpEvents(s: Services, tx: Kysely<Database>, caseId: string, subjectId: string, at: Date, name: string): Promise<void> {
  const ipEvents = await ipEventsBefore(s, tx, subjectId, at);
  if (ipEvents.length === 0) return;
  const metadata = { subjectAccountId: subjectId, until: at.toISOString(), ipEvents };
  await preserve(s, tx, { caseId, itemId: null, kind: 'metadata', name, contentType: 'application/json', bytes: Buffer.from(JSON.stringify(metadata), 'utf8'), metadata }, at);
}

export async function caseSummaries(s: Services, rows: readonly (CaseRow & { subject_handle?: string; subject_birth_date?: string; assignee_handle?: string | null; item_count?: number })[]): Promise<CaseSummary[]> {
  const missing = rows.filter((r) => r.subject_handle === undefined || (r.assignee_id && r.assignee_handle === undefined));
  const ids = [...new Set(missing.flatMap((r) => [r.subject_account_id, ...(r.assignee_id ? [r.assignee_id] : [])]))];
  const accounts = new Map((await findAccountsByIds(s.db, ids)).map((a) => [a.id, a]));
  const now = s.now();
  return rows.map((r) => {
    const subject = accounts.get(r.subject_account_id);
    const handle = r.subject_handle ?? subject?.handle ?? '(deleted)';
    const birth = r.subject_birth_date ?? subject?.birth_date ?? '1900-01-01';
    const assigneeHandle = r.assignee_id ? (r.assignee_handle ?? accounts.get(r.assignee_id)?.handle ?? '(deleted)') : null;
    return {
      id: r.id as CaseSummary['id'],
      subject: { id: r.subject_account_id, handle, ageBand: bandOf(s.policy, birth, now) },
      status: r.status,
      outcome: r.outcome,
      priority: r.priority,
      priorityRule: r.priority_rule,
      dueAt: r.due_at.toISOString(),
      overdue: r.due_at.getTime() < now.getTime() && (r.status === 'open' || r.status === 'in_review'),
      assignee: r.assignee_id ? { id: r.assignee_id, handle: assigneeHandle! } : null,
      items: r.item_count ?? 0,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    };
  });
}

async function summaryOf(s: Services, c: CaseRow): Promise<CaseSummary> {
  const n = (await caseItemFacts(s.db, c.id)).length;
  return (await caseSummaries(s, [{ ...c, item_count: n }]))[0]!;
}

/** Claims a case: `case.claimed` when another moderator holds it, `case.closed` when it is closed. */
export async function claim(s: Services, caller: Caller, caseId: string): Promise<CaseSummary> {
  const now = s.now();
  const row = await inTransaction(s.db, async (tx) => {
    const r = await claimCase(tx, caseId, caller.accountId, now);
    if (!r) {
      const c = await findCase(tx, caseId);
      if (!c) throw new HavenError('case.not_found');
      if (c.status === 'closed') throw new HavenError('case.closed');
      throw new HavenError('case.claimed');
    }
    await appendAudit(tx, now, { actorId: caller.accountId, actorHandle: caller.handle, action: 'case.claim', target: `case:${caseId}`, reason: '', details: {} });
    return r;
  });
  return summaryOf(s, row);
}

export async function release(s: Services, caller: Caller, caseId: string): Promise<CaseSummary> {
  const now = s.now();
  const row = await inTransaction(s.db, async (tx) => {
    const r = await releaseCase(tx, caseId, caller.accountId, now);
    if (!r) {
      const c = await findCase(tx, caseId);
      if (!c) throw new HavenError('case.not_found');
      throw new HavenError(c.assignee_id ? 'case.claimed' : 'case.not_claimed');
    }
    await appendAudit(tx, now, { actorId: caller.accountId, actorHandle: caller.handle, action: 'case.release', target: `case:${caseId}`, reason: '', details: {} });
    return r;
  });
  return summaryOf(s, row);
}

/** The case locked for a decision by `caller`, who must hold it. */
export async function lockHeldCase(tx: Kysely<Database>, caller: Caller, caseId: string): Promise<CaseRow> {
  const c = await lockCase(tx, caseId);
  if (!c) throw new HavenError('case.not_found');
  if (c.status === 'closed') throw new HavenError('case.closed');
  if (c.assignee_id !== caller.accountId) throw new HavenError(c.assignee_id ? 'case.claimed' : 'case.not_claimed');
  return c;
}

export { summaryOf };
