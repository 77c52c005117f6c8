import type { Kysely } from 'kysely';
import type { Database, ReportRow, ReportsTable } from '../database';

// User reports (migration 0008): one row per reporter and subject (dedup_key); franked reports keep their
// proof in franked_reports (migration 0003) under the same id.

/** Inserts a report; `undefined` when this reporter already reported this subject (one report). */
export function insertReport(db: Kysely<Database>, r: ReportsTable): Promise<ReportRow | undefined> {
  return db
    .insertInto('reports')
    .values(r)
    .onConflict((oc) => oc.columns(['reporter_account_id', 'dedup_key']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findReportByKey(db: Kysely<Database>, reporterId: string, dedupKey: string): Promise<ReportRow | undefined> {
  return db.selectFrom('reports').selectAll().where('reporter_account_id', '=', reporterId).where('dedup_key', '=', dedupKey).executeTakeFirst();
}

export function reportsBy(db: Kysely<Database>, reporterId: string) {
  return db
    .selectFrom('reports as r')
    .leftJoin('cases as c', 'c.id', 'r.case_id')
    .selectAll('r')
    .select('c.status as case_status')
    .where('r.reporter_account_id', '=', reporterId)
    .orderBy('r.created_at', 'desc')
    .limit(200)
    .execute();
}

export async function setReportNotify(db: Kysely<Database>, id: string, reporterId: string, notify: boolean): Promise<ReportRow | undefined> {
  return db.updateTable('reports').set({ notify_outcome: notify }).where('id', '=', id).where('reporter_account_id', '=', reporterId).returningAll().executeTakeFirst();
}

export function reportsOfCase(db: Kysely<Database>, caseId: string): Promise<ReportRow[]> {
  return db.selectFrom('reports').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
}

/** Records the outcome on a case's reports; returns those whose reporter asked to be told and was not yet. */
export async function settleReports(db: Kysely<Database>, caseId: string, outcome: 'actioned' | 'no_violation', at: Date): Promise<ReportRow[]> {
  await db.updateTable('reports').set({ outcome }).where('case_id', '=', caseId).execute();
  return db
    .updateTable('reports')
    .set({ outcome_notified_at: at })
    .where('case_id', '=', caseId)
    .where('notify_outcome', '=', true)
    .where('outcome_notified_at', 'is', null)
    .returningAll()
    .execute();
}

export async function insertFrankedReport(db: Kysely<Database>, r: Database['franked_reports']): Promise<void> {
  await db.insertInto('franked_reports').values(r).onConflict((oc) => oc.column('id').doNothing()).execute();
}

export function findFrankedReport(db: Kysely<Database>, id: string) {
  return db.selectFrom('franked_reports').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * A message as a report sees it: the row, and the reporter's membership of its conversation (the seq
 * they joined at), or `undefined` when the message does not exist or the reporter is not a member.
 */
export async function findMessageForReporter(db: Kysely<Database>, messageId: string, reporterId: string) {
  return db
    .selectFrom('messages as msg')
    .innerJoin('conversation_members as m', (j) => j.onRef('m.conversation_id', '=', 'msg.conversation_id').on('m.account_id', '=', reporterId))
    .innerJoin('conversations as c', 'c.id', 'msg.conversation_id')
    .selectAll('msg')
    .select(['m.joined_seq', 'c.mode', 'c.kind as conversation_kind'])
    .where('msg.id', '=', messageId)
    .executeTakeFirst();
}

export async function findMediaForReporter(db: Kysely<Database>, mediaId: string, reporterId: string) {
  return db
    .selectFrom('media as md')
    .innerJoin('conversation_members as m', (j) => j.onRef('m.conversation_id', '=', 'md.conversation_id').on('m.account_id', '=', reporterId))
    .innerJoin('conversations as c', 'c.id', 'md.conversation_id')
    .selectAll('md')
    .select(['c.mode', 'c.kind as conversation_kind'])
    .where('md.id', '=', mediaId)
    .executeTakeFirst();
}

/** Whether two accounts know each other: a contact row of any state either way, or a shared conversation. */
export async function related(db: Kysely<Database>, a: string, b: string): Promise<boolean> {
  const contact = await db
    .selectFrom('contacts')
    .select('owner_id')
    .where((eb) => eb.or([eb.and([eb('owner_id', '=', a), eb('other_id', '=', b)]), eb.and([eb('owner_id', '=', b), eb('other_id', '=', a)])]))
    .executeTakeFirst();
  if (contact) return true;
  const shared = await db
    .selectFrom('conversation_members as x')
    .innerJoin('conversation_members as y', 'y.conversation_id', 'x.conversation_id')
    .select('x.conversation_id')
    .where('x.account_id', '=', a)
    .where('y.account_id', '=', b)
    .executeTakeFirst();
  return shared !== undefined;
}

export function setReportCase(db: Kysely<Database>, id: string, caseId: string): Promise<ReportRow> {
  return db.updateTable('reports').set({ case_id: caseId }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Where a stored blob belongs and whether it is sealed at rest (for reading it into evidence). */
export function findMediaRow(db: Kysely<Database>, id: string) {
  return db.selectFrom('media').select(['id', 'conversation_id', 'sealed']).where('id', '=', id).executeTakeFirst();
}
