import { sql, type Kysely, type Updateable } from 'kysely';
import { MLS_CONTENT_TYPES, PAYLOAD_CONTENT_TYPE } from '@haven/protocol';
import type { CaseItemsTable, CaseRow, CasesTable, Database, DecisionRow, DecisionsTable } from '../database';

// Cases, their items, decisions, appeals, referrals and moderators' reveals (migration 0008).

/** The live (not closed) case about an account, locked for update; `undefined` when there is none. */
export function lockLiveCase(db: Kysely<Database>, subjectId: string): Promise<CaseRow | undefined> {
  return db.selectFrom('cases').selectAll().where('subject_account_id', '=', subjectId).where('status', '<>', 'closed').forUpdate().executeTakeFirst();
}

/** Inserts a case unless a live one exists for the subject (the partial unique index decides races). */
export async function insertCaseIfNone(db: Kysely<Database>, row: Omit<CasesTable, 'legal_hold'>): Promise<boolean> {
  const r = await db
    .insertInto('cases')
    .values(row)
    .onConflict((oc) => oc.column('subject_account_id').where('status', '<>', 'closed').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Adds an item; `false` when that item (kind + ref) is already in a case. */
export async function insertCaseItem(db: Kysely<Database>, item: CaseItemsTable): Promise<boolean> {
  const r = await db.insertInto('case_items').values(item).onConflict((oc) => oc.columns(['kind', 'ref_id']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export function caseItemFacts(db: Kysely<Database>, caseId: string): Promise<{ facts: string }[]> {
  return db.selectFrom('case_items').select('facts').where('case_id', '=', caseId).execute();
}

export function listCaseItems(db: Kysely<Database>, caseId: string) {
  return db.selectFrom('case_items').selectAll().where('case_id', '=', caseId).orderBy('created_at').orderBy('id').execute();
}

export async function updateCase(db: Kysely<Database>, id: string, set: Omit<Updateable<CasesTable>, 'id'>): Promise<CaseRow> {
  return db.updateTable('cases').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export function findCase(db: Kysely<Database>, id: string): Promise<CaseRow | undefined> {
  return db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
}

export function lockCase(db: Kysely<Database>, id: string): Promise<CaseRow | undefined> {
  return db.selectFrom('cases').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * Claims a case in one statement: it succeeds only while nobody else holds it, so two moderators never
 * hold one case, whatever the interleaving.
 */
export function claimCase(db: Kysely<Database>, id: string, moderatorId: string, now: Date): Promise<CaseRow | undefined> {
  return db
    .updateTable('cases')
    .set((eb) => ({
      assignee_id: moderatorId,
      claimed_at: now,
      updated_at: now,
      status: eb.case().when('status', '=', 'open').then(sql.lit('in_review')).else(eb.ref('status')).end() as never,
    }))
    .where('id', '=', id)
    .where('status', '<>', 'closed')
    .where((eb) => eb.or([eb('assignee_id', 'is', null), eb('assignee_id', '=', moderatorId)]))
    .returningAll()
    .executeTakeFirst();
}

export function releaseCase(db: Kysely<Database>, id: string, moderatorId: string, now: Date): Promise<CaseRow | undefined> {
  return db
    .updateTable('cases')
    .set((eb) => ({
      assignee_id: null,
      claimed_at: null,
      updated_at: now,
      status: eb.case().when('status', '=', 'in_review').then(sql.lit('open')).else(eb.ref('status')).end() as never,
    }))
    .where('id', '=', id)
    .where('assignee_id', '=', moderatorId)
    .returningAll()
    .executeTakeFirst();
}

export interface QueueRow extends CaseRow {
  subject_handle: string;
  subject_birth_date: string;
  assignee_handle: string | null;
  item_count: number;
}

/**
 * A page of the queue: most urgent first, then soonest due (keyset pagination on rank, due time, id).
 * `status` `active` is open + in review.
 */
export async function queuePage(
  db: Kysely<Database>,
  opts: { status: 'active' | CaseRow['status']; assigneeId?: string | undefined; limit: number; after?: { rank: number; due: Date; id: string } | undefined },
): Promise<QueueRow[]> {
  let q = db
    .selectFrom('cases as c')
    .innerJoin('accounts as s', 's.id', 'c.subject_account_id')
    .leftJoin('accounts as m', 'm.id', 'c.assignee_id')
    .selectAll('c')
    .select(['s.handle as subject_handle', 's.birth_date as subject_birth_date', 'm.handle as assignee_handle'])
    .select((eb) => eb.selectFrom('case_items as i').select(sql<number>`count(*)::int`.as('n')).whereRef('i.case_id', '=', 'c.id').as('item_count'));
  q = opts.status === 'active' ? q.where('c.status', 'in', ['open', 'in_review']) : q.where('c.status', '=', opts.status);
  if (opts.assigneeId) q = q.where('c.assignee_id', '=', opts.assigneeId);
  if (opts.after) {
    const a = opts.after;
    q = q.where(sql<boolean>`(c.priority_rank, c.due_at, c.id) > (${a.rank}, ${a.due}, ${a.id}::uuid)`);
  }
  const rows = await q.orderBy('c.priority_rank').orderBy('c.due_at').orderBy('c.id').limit(opts.limit).execute();
  return rows.map((r) => ({ ...r, item_count: Number(r.item_count ?? 0) }));
}

export async function insertDecision(db: Kysely<Database>, d: DecisionsTable): Promise<void> {
  await db.insertInto('decisions').values(d).execute();
}

export function caseDecisions(db: Kysely<Database>, caseId: string) {
  return db
    .selectFrom('decisions as d')
    .innerJoin('accounts as m', 'm.id', 'd.moderator_id')
    .selectAll('d')
    .select('m.handle as moderator_handle')
    .where('d.case_id', '=', caseId)
    .orderBy('d.created_at')
    .execute();
}

export function findDecision(db: Kysely<Database>, id: string): Promise<DecisionRow | undefined> {
  return db.selectFrom('decisions').selectAll().where('id', '=', id).executeTakeFirst();
}

export function decisionsAbout(db: Kysely<Database>, accountId: string) {
  return db
    .selectFrom('decisions as d')
    .leftJoin('appeals as a', 'a.decision_id', 'd.id')
    .selectAll('d')
    .select(['a.id as appeal_id', 'a.status as appeal_status'])
    .where('d.subject_account_id', '=', accountId)
    .where('d.action', 'not in', ['no_violation'])
    .orderBy('d.created_at', 'desc')
    .limit(100)
    .execute();
}

/** Inserts an appeal; `false` when the decision was appealed already (unique decision_id). */
export async function insertAppeal(db: Kysely<Database>, a: { id: string; decision_id: string; account_id: string; text: string; created_at: Date }): Promise<boolean> {
  const r = await db
    .insertInto('appeals')
    .values({ ...a, status: 'pending', decided_by: null, decided_at: null })
    .onConflict((oc) => oc.column('decision_id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export function lockAppeal(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('appeals as a')
    .innerJoin('decisions as d', 'd.id', 'a.decision_id')
    .selectAll('a')
    .select(['d.moderator_id', 'd.case_id', 'd.subject_account_id', 'd.action'])
    .where('a.id', '=', id)
    .forUpdate('a')
    .executeTakeFirst();
}

export async function decideAppeal(db: Kysely<Database>, id: string, status: 'upheld' | 'overturned', by: string, at: Date) {
  return db.updateTable('appeals').set({ status, decided_by: by, decided_at: at }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export function caseAppeals(db: Kysely<Database>, caseId: string) {
  return db
    .selectFrom('appeals as a')
    .innerJoin('decisions as d', 'd.id', 'a.decision_id')
    .leftJoin('accounts as m', 'm.id', 'a.decided_by')
    .selectAll('a')
    .select('m.handle as decided_by_handle')
    .where('d.case_id', '=', caseId)
    .orderBy('a.created_at')
    .execute();
}

export async function insertReferral(db: Kysely<Database>, r: Database['referrals']): Promise<void> {
  await db.insertInto('referrals').values(r).execute();
}

export async function updateReferral(db: Kysely<Database>, id: string, set: { status: 'built' | 'submitted' | 'failed'; remote_report_id?: string | null; error?: string | null }) {
  return db.updateTable('referrals').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export function findReferral(db: Kysely<Database>, id: string) {
  return db.selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirst();
}

export function caseReferrals(db: Kysely<Database>, caseId: string) {
  return db.selectFrom('referrals').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
}

export async function insertReveal(db: Kysely<Database>, r: { id: string; moderator_id: string; evidence_id: string; at: Date }): Promise<void> {
  await db.insertInto('evidence_reveals').values(r).execute();
}

/** Reveals by one moderator since `since` (the start of their day). */
export async function revealsSince(db: Kysely<Database>, moderatorId: string, since: Date): Promise<number> {
  const r = await db
    .selectFrom('evidence_reveals')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('moderator_id', '=', moderatorId)
    .where('at', '>=', since)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** What a moderator can remove: people's messages (visible payloads, MLS application messages), never commits or welcomes. */
export const REMOVABLE_CONTENT_TYPES: readonly string[] = [PAYLOAD_CONTENT_TYPE, MLS_CONTENT_TYPES.message];

/**
 * Hides messages from everyone (the stored copy stays, as evidence); only removable ones (see
 * {@link REMOVABLE_CONTENT_TYPES}). Returns the messages now removed, with their conversations.
 */
export async function removeMessages(db: Kysely<Database>, messageIds: readonly string[], decisionId: string, at: Date): Promise<{ id: string; conversationId: string }[]> {
  if (messageIds.length === 0) return [];
  const rows = await db
    .selectFrom('messages')
    .select(['id', 'conversation_id'])
    .where('id', 'in', messageIds)
    .where('content_type', 'in', REMOVABLE_CONTENT_TYPES)
    .execute();
  if (rows.length === 0) return [];
  await db
    .insertInto('removed_messages')
    .values(rows.map((r) => ({ message_id: r.id, decision_id: decisionId, removed_at: at })))
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute();
  return rows.map((r) => ({ id: r.id, conversationId: r.conversation_id }));
}

export async function removedAmong(db: Kysely<Database>, messageIds: readonly string[]): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const rows = await db.selectFrom('removed_messages').select('message_id').where('message_id', 'in', messageIds).execute();
  return new Set(rows.map((r) => r.message_id));
}

export function detectionsByIds(db: Kysely<Database>, ids: readonly string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('detections').selectAll().where('id', 'in', ids).execute();
}

export function conversationsByIds(db: Kysely<Database>, ids: readonly string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('conversations').select(['id', 'mode', 'kind']).where('id', 'in', [...new Set(ids)]).execute();
}

/** Which of these evidence files a moderator has seen the original of. */
export async function revealedAmong(db: Kysely<Database>, evidenceIds: readonly string[]): Promise<Set<string>> {
  if (evidenceIds.length === 0) return new Set();
  const rows = await db.selectFrom('evidence_reveals').select('evidence_id').where('evidence_id', 'in', evidenceIds).execute();
  return new Set(rows.map((r) => r.evidence_id));
}

/**
 * The audit trail of one case, oldest first: what names the case, its decisions or its evidence, and
 * the entries (decisions, appeals) that carry its id in their details.
 */
export function caseAuditRows(db: Kysely<Database>, caseId: string, refs: { decisionIds: readonly string[]; evidenceIds: readonly string[] }) {
  const targets = [`case:${caseId}`, ...refs.decisionIds.map((id) => `decision:${id}`), ...refs.evidenceIds.map((id) => `evidence:${id}`)];
  return db
    .selectFrom('audit_log')
    .select(['seq', 'at', 'actor_handle', 'action', 'target', 'reason'])
    .where((eb) => eb.or([eb('target', 'in', targets), eb(sql<string>`details::jsonb ->> 'caseId'`, '=', caseId)]))
    .orderBy('seq')
    .limit(1000)
    .execute();
}
