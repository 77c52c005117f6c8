import { sql, type Kysely } from 'kysely';
import type { Database, EvidenceRow, EvidenceTable } from '../database';

// Evidence (migration 0008): sealed copies with digests and metadata, per case. Purging clears the sealed
// bytes and keeps the digests (what was deleted stays provable).

export async function insertEvidence(db: Kysely<Database>, e: EvidenceTable): Promise<void> {
  await db.insertInto('evidence').values(e).execute();
}

export function caseEvidence(db: Kysely<Database>, caseId: string): Promise<EvidenceRow[]> {
  return db.selectFrom('evidence').selectAll().where('case_id', '=', caseId).orderBy('created_at').orderBy('id').execute();
}

export function findEvidence(db: Kysely<Database>, id: string): Promise<EvidenceRow | undefined> {
  return db.selectFrom('evidence').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Cases whose evidence is past retention, not on hold and not yet purged (oldest first). */
export function expiredCases(db: Kysely<Database>, now: Date, limit: number): Promise<{ id: string }[]> {
  return db
    .selectFrom('cases')
    .select('id')
    .where('evidence_purged_at', 'is', null)
    .where('legal_hold', '=', false)
    .where('evidence_retain_until', '<', now)
    .orderBy('evidence_retain_until')
    .limit(limit)
    .execute();
}

/** Locks one expired case (skipping one another purger holds); `undefined` when it no longer qualifies. */
export function lockExpiredCase(db: Kysely<Database>, id: string, now: Date) {
  return db
    .selectFrom('cases')
    .select(['id', 'subject_account_id'])
    .where('id', '=', id)
    .where('evidence_purged_at', 'is', null)
    .where('legal_hold', '=', false)
    .where('evidence_retain_until', '<', now)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
}

/** Deletes the sealed bytes of a case's evidence; returns what was deleted (ids, names, digests). */
export async function purgeCaseEvidence(db: Kysely<Database>, caseId: string, now: Date) {
  const rows = await db
    .updateTable('evidence')
    .set({ sealed: null })
    .where('case_id', '=', caseId)
    .returning(['id', 'name', 'kind', 'sha256', 'md5', 'size'])
    .execute();
  await db.updateTable('cases').set({ evidence_purged_at: now }).where('id', '=', caseId).execute();
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

export async function countSealed(db: Kysely<Database>, caseId: string): Promise<number> {
  const r = await db.selectFrom('evidence').select(sql<number>`count(*)::int`.as('n')).where('case_id', '=', caseId).where('sealed', 'is not', null).executeTakeFirst();
  return Number(r?.n ?? 0);
}
