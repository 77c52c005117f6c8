import type { Kysely } from 'kysely';
import type { Database, SelfReportHashesTable } from '../database';

// Self-reported images (issue 11): hashes only, on a platform block list kept apart from the operator's
// imported lists. A report stays until the child who made it, or a moderator, removes it.

export interface ActivePlatformHashes {
  /** Every PDQ variant of every active report whose quality allows PDQ matching. */
  pdq: { reportId: string; hex: string }[];
  sha256: Map<string, string>;
  md5: Map<string, string>;
  /** Changes whenever a report is added or removed. */
  version: string;
}

export async function insertSelfReport(
  db: Kysely<Database>,
  r: { id: string; accountId: string; quality: number; createdAt: Date; hashes: { kind: SelfReportHashesTable['kind']; value: string }[] },
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('self_reports').values({ id: r.id, account_id: r.accountId, pdq_quality: r.quality, created_at: r.createdAt, removed_at: null, removed_by: null }).execute();
    const unique = [...new Map(r.hashes.map((h) => [`${h.kind}:${h.value}`, h])).values()];
    await tx.insertInto('self_report_hashes').values(unique.map((h) => ({ report_id: r.id, kind: h.kind, value: h.value }))).execute();
  });
}

/** Reports an account made since `since` (removed ones too: removing does not refill the rate limit). */
export async function countSelfReportsSince(db: Kysely<Database>, accountId: string, since: Date): Promise<number> {
  const r = await db.selectFrom('self_reports').select((eb) => eb.fn.countAll<string>().as('n')).where('account_id', '=', accountId).where('created_at', '>=', since).executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function listSelfReports(db: Kysely<Database>, accountId: string): Promise<{ id: string; created_at: Date; hashes: number }[]> {
  const rows = await db
    .selectFrom('self_reports')
    .leftJoin('self_report_hashes', 'self_report_hashes.report_id', 'self_reports.id')
    .select(['self_reports.id', 'self_reports.created_at', (eb) => eb.fn.count<string>('self_report_hashes.value').as('n')])
    .where('self_reports.account_id', '=', accountId)
    .where('self_reports.removed_at', 'is', null)
    .groupBy(['self_reports.id', 'self_reports.created_at'])
    .orderBy('self_reports.created_at')
    .execute();
  return rows.map((r) => ({ id: r.id, created_at: r.created_at, hashes: Number(r.n) }));
}

/** Removes a report from the block list; `ownerId` limits it to the account's own (null: a moderator). */
export async function removeSelfReport(db: Kysely<Database>, id: string, ownerId: string | null, by: string, at: Date): Promise<boolean> {
  let q = db.updateTable('self_reports').set({ removed_at: at, removed_by: by }).where('id', '=', id).where('removed_at', 'is', null);
  if (ownerId !== null) q = q.where('account_id', '=', ownerId);
  return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
}

export async function activePlatformHashes(db: Kysely<Database>, minQuality: number): Promise<ActivePlatformHashes> {
  const rows = await db
    .selectFrom('self_report_hashes')
    .innerJoin('self_reports', 'self_reports.id', 'self_report_hashes.report_id')
    .select(['self_report_hashes.report_id', 'self_report_hashes.kind', 'self_report_hashes.value', 'self_reports.pdq_quality'])
    .where('self_reports.removed_at', 'is', null)
    .orderBy('self_reports.created_at')
    .orderBy('self_report_hashes.report_id')
    .orderBy('self_report_hashes.value')
    .execute();
  const out: ActivePlatformHashes = { pdq: [], sha256: new Map(), md5: new Map(), version: '' };
  for (const r of rows) {
    if (r.kind === 'pdq') {
      if (r.pdq_quality >= minQuality) out.pdq.push({ reportId: r.report_id, hex: r.value });
    } else out[r.kind].set(r.value, r.report_id);
  }
  const ver = await db
    .selectFrom('self_reports')
    .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.max('created_at').as('c'), eb.fn.max('removed_at').as('r')])
    .executeTakeFirst();
  out.version = `${ver?.n ?? 0}:${ver?.c ? new Date(ver.c as Date).getTime() : 0}:${ver?.r ? new Date(ver.r as Date).getTime() : 0}`;
  return out;
}
