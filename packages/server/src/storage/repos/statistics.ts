import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database, IncidentRow, IncidentsTable } from '../database';

// Incidents for transparency statistics and the facts of the regulator's view (issue 10). The moderation
// workflow writes incidents here as it decides (recordIncident, markIncident*); statistics read them.

export type NewIncident = Omit<Insertable<IncidentsTable>, 'created_at'>;

/** Records a case actioned as a violation; a second call for the same case changes nothing. */
export async function insertIncident(db: Kysely<Database>, incident: NewIncident): Promise<boolean> {
  const r = await db.insertInto('incidents').values(incident).onConflict((oc) => oc.column('case_id').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** The case was referred (to the hotline or police); the first referral counts. */
export async function markIncidentReferred(db: Kysely<Database>, caseId: string, at: Date): Promise<boolean> {
  const r = await db.updateTable('incidents').set({ referred_at: at }).where('case_id', '=', caseId).where('referred_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The actioned user appealed (once). */
export async function markIncidentAppealed(db: Kysely<Database>, caseId: string, at: Date): Promise<boolean> {
  const r = await db.updateTable('incidents').set({ appealed_at: at }).where('case_id', '=', caseId).where('appealed_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * The appeal was decided, in the moderation workflow's words: `overturned` (the decision is undone: content
 * restored or action lifted, restored_at) or `upheld` (the decision stands).
 */
export async function markIncidentAppealDecided(db: Kysely<Database>, caseId: string, outcome: 'overturned' | 'upheld', at: Date): Promise<boolean> {
  const r = await db
    .updateTable('incidents')
    .set({ appeal_outcome: outcome, restored_at: outcome === 'overturned' ? at : null })
    .where('case_id', '=', caseId)
    .where('appealed_at', 'is not', null)
    .where('appeal_outcome', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Every incident with something in [start, end): actioned, referred, appealed or restored then. */
export function incidentsTouching(db: Kysely<Database>, start: Date, end: Date): Promise<IncidentRow[]> {
  const within = (col: 'actioned_at' | 'referred_at' | 'appealed_at' | 'restored_at') => sql<boolean>`(${sql.ref(col)} >= ${start} and ${sql.ref(col)} < ${end})`;
  return db
    .selectFrom('incidents')
    .selectAll()
    .where((eb) => eb.or([within('actioned_at'), within('referred_at'), within('appealed_at'), within('restored_at')]))
    .orderBy('actioned_at')
    .orderBy('case_id')
    .execute();
}

export interface ComplianceCounts {
  moderators: number;
  /** Known-image matches by list and by who found them. */
  matches: { list: string; source: 'server' | 'device'; count: number }[];
  quarantined: number;
  frankedReports: number;
  blocks: number;
  /** From incidents: decisions, hours from opening to decision, appeals. */
  decisionHours: number[];
  appeals: { lodged: number; overturned: number; upheld: number; pending: number };
}

const n = (v: unknown): number => Number(v ?? 0);

/** The figures of the regulator's view for [start, end). */
export async function complianceCounts(db: Kysely<Database>, start: Date, end: Date): Promise<ComplianceCounts> {
  const [mods, matches, quarantined, reports, blocks, decided, lodged, outcomes] = await Promise.all([
    db.selectFrom('accounts').select((eb) => eb.fn.countAll().as('c')).where('role', '=', 'moderator').executeTakeFirstOrThrow(),
    db
      .selectFrom('detections')
      .select(['list_name', 'source', (eb) => eb.fn.countAll().as('c')])
      .where('created_at', '>=', start)
      .where('created_at', '<', end)
      .groupBy(['list_name', 'source'])
      .orderBy('list_name')
      .execute(),
    db.selectFrom('quarantine').select((eb) => eb.fn.countAll().as('c')).where('created_at', '>=', start).where('created_at', '<', end).executeTakeFirstOrThrow(),
    db.selectFrom('franked_reports').select((eb) => eb.fn.countAll().as('c')).where('created_at', '>=', start).where('created_at', '<', end).executeTakeFirstOrThrow(),
    db
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll().as('c'))
      .where('state', '=', 'blocked')
      .where('since', '>=', start)
      .where('since', '<', end)
      .executeTakeFirstOrThrow(),
    db.selectFrom('incidents').select(['opened_at', 'actioned_at']).where('actioned_at', '>=', start).where('actioned_at', '<', end).execute(),
    db.selectFrom('incidents').select((eb) => eb.fn.countAll().as('c')).where('appealed_at', '>=', start).where('appealed_at', '<', end).executeTakeFirstOrThrow(),
    db
      .selectFrom('incidents')
      .select(['appeal_outcome', (eb) => eb.fn.countAll().as('c')])
      .where('appealed_at', '>=', start)
      .where('appealed_at', '<', end)
      .groupBy('appeal_outcome')
      .execute(),
  ]);
  const outcome = (o: 'overturned' | 'upheld' | null): number => n(outcomes.find((r) => r.appeal_outcome === o)?.c);
  const merged = new Map<string, number>();
  for (const m of matches) {
    const source = m.source === 'server-scan' ? 'server' : 'device';
    merged.set(`${m.list_name}\u0000${source}`, (merged.get(`${m.list_name}\u0000${source}`) ?? 0) + n(m.c));
  }
  return {
    moderators: n(mods.c),
    matches: [...merged].map(([k, c]) => {
      const [list, source] = k.split('\u0000') as [string, 'server' | 'device'];
      return { list, source, count: c };
    }),
    quarantined: n(quarantined.c),
    frankedReports: n(reports.c),
    blocks: n(blocks.c),
    decisionHours: decided.map((d) => (d.actioned_at.getTime() - d.opened_at.getTime()) / 3_600_000),
    appeals: { lodged: n(lodged.c), overturned: outcome('overturned'), upheld: outcome('upheld'), pending: outcome(null) },
  };
}
