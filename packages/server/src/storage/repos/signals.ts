import type { Kysely, Selectable } from 'kysely';
import type { Database, RiskScoresTable, SignalEventsTable, SignalHitsTable } from '../database';

// Risk-signal storage (issue 11): metadata events, signal hits for the moderation queue, the latest
// risk score per account, and which notices a child has been shown. No content is ever stored here.

export type SignalEventRow = Selectable<SignalEventsTable>;
export type SignalHitRow = Selectable<SignalHitsTable>;
export type RiskScoreRow = Selectable<RiskScoresTable>;

export async function insertSignalEvent(db: Kysely<Database>, row: SignalEventsTable): Promise<void> {
  await db.insertInto('signal_events').values(row).execute();
}

/**
 * The events about an account since `since`, as actor or subject, oldest first; at most `limit` (the
 * newest are kept when there are more).
 */
export async function signalEventsAbout(db: Kysely<Database>, accountId: string, since: Date, limit: number): Promise<SignalEventRow[]> {
  const rows = await db
    .selectFrom('signal_events')
    .selectAll()
    .where((eb) => eb.or([eb('actor_id', '=', accountId), eb('subject_id', '=', accountId)]))
    .where('at', '>=', since)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse();
}

/** How many contact attempts `actorId` made to children since `since` (K3). */
export async function countAttemptsToChildren(db: Kysely<Database>, actorId: string, since: Date): Promise<number> {
  const r = await db
    .selectFrom('signal_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('actor_id', '=', actorId)
    .where('type', '=', 'contact_attempt')
    .where('at', '>=', since)
    .where('subject_band', '=', 'child')
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Stores hits once each (the dedupe key names the signal and its evidence); returns those that were new. */
export async function insertSignalHits(db: Kysely<Database>, rows: Omit<SignalHitsTable, 'status' | 'case_id'>[]): Promise<SignalHitRow[]> {
  if (rows.length === 0) return [];
  return db
    .insertInto('signal_hits')
    .values(rows.map((r) => ({ ...r, case_id: null })))
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returningAll()
    .execute();
}

export function signalHitsOf(db: Kysely<Database>, accountId: string): Promise<SignalHitRow[]> {
  return db.selectFrom('signal_hits').selectAll().where('account_id', '=', accountId).orderBy('at').execute();
}

export function openSignalHits(db: Kysely<Database>, limit: number): Promise<SignalHitRow[]> {
  return db.selectFrom('signal_hits').selectAll().where('status', '=', 'open').orderBy('created_at').orderBy('id').limit(limit).execute();
}

/** Marks hits as taken into a moderation case; only open ones move, so two consumers cannot both take one. */
export async function markSignalHitsQueued(db: Kysely<Database>, ids: readonly string[], caseId: string): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db.updateTable('signal_hits').set({ status: 'queued', case_id: caseId }).where('id', 'in', ids).where('status', '=', 'open').executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function upsertRiskScore(db: Kysely<Database>, row: RiskScoresTable): Promise<void> {
  const { account_id: _id, ...rest } = row;
  await db.insertInto('risk_scores').values(row).onConflict((oc) => oc.column('account_id').doUpdateSet(rest)).execute();
}

export function findRiskScore(db: Kysely<Database>, accountId: string): Promise<RiskScoreRow | undefined> {
  return db.selectFrom('risk_scores').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

/** True the first time a (child, suspect, kind) notice is claimed; false if it was already shown. */
export async function claimNotice(db: Kysely<Database>, childId: string, suspectId: string, kind: string, at: Date): Promise<boolean> {
  const r = await db
    .insertInto('signal_notices_sent')
    .values({ child_id: childId, suspect_id: suspectId, kind, at })
    .onConflict((oc) => oc.columns(['child_id', 'suspect_id', 'kind']).doNothing())
    .returning('child_id')
    .execute();
  return r.length === 1;
}

/** How many messages `senderId` has in `conversationId` (a first message is the one that makes it 1). */
export async function countMessagesBy(db: Kysely<Database>, conversationId: string, senderId: string): Promise<number> {
  const r = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('conversation_id', '=', conversationId)
    .where('sender_account_id', '=', senderId)
    .where('recipient_device_id', 'is', null)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
