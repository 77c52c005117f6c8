import type { Kysely, Selectable } from 'kysely';
import type { Database, SextortionShieldsTable } from '../database';

// K6 (issue 11): sextortion shields. After a threats-and-demands signal about `suspect_id` in a
// conversation with `child_id`, the suspect no longer sees who the child's contacts are (group members
// beside the child are hidden in every conversation view the suspect gets), until a moderator lifts it.

export type ShieldRow = Selectable<SextortionShieldsTable>;

/**
 * Places the shield for each child (idempotent). A lifted shield is placed again only by a threat newer
 * than the lift: a moderator's decision covers the threats seen before it. Returns the children newly shielded.
 */
export async function placeShields(db: Kysely<Database>, suspectId: string, shields: { childId: string; hitId: string; threatAt: Date }[], now: Date): Promise<string[]> {
  const placed: string[] = [];
  for (const s of shields) {
    const row = await db
      .insertInto('sextortion_shields')
      .values({ suspect_id: suspectId, child_id: s.childId, hit_id: s.hitId, threat_at: s.threatAt, created_at: now, lifted_at: null, lifted_by: null, lift_reason: null })
      .onConflict((oc) =>
        oc
          .columns(['suspect_id', 'child_id'])
          .doUpdateSet({ hit_id: s.hitId, threat_at: s.threatAt, created_at: now, lifted_at: null, lifted_by: null, lift_reason: null })
          .where('sextortion_shields.lifted_at', 'is not', null)
          .where('sextortion_shields.lifted_at', '<', s.threatAt),
      )
      .returning('child_id')
      .executeTakeFirst();
    if (row) placed.push(row.child_id);
  }
  return placed;
}

/** The children whose contacts `viewerId` may not see (shields in force with `viewerId` as suspect). */
export async function shieldedChildrenFor(db: Kysely<Database>, viewerId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('sextortion_shields').select('child_id').where('suspect_id', '=', viewerId).where('lifted_at', 'is', null).execute();
  return new Set(rows.map((r) => r.child_id));
}

/** Of `viewerIds`, those with at least one shield in force (they get their own conversation views). */
export async function shieldedViewers(db: Kysely<Database>, viewerIds: readonly string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (viewerIds.length === 0) return out;
  const rows = await db
    .selectFrom('sextortion_shields')
    .select(['suspect_id', 'child_id'])
    .where('suspect_id', 'in', [...new Set(viewerIds)])
    .where('lifted_at', 'is', null)
    .execute();
  for (const r of rows) out.set(r.suspect_id, (out.get(r.suspect_id) ?? new Set<string>()).add(r.child_id));
  return out;
}

/**
 * Of `conversationIds`, those with a child `viewerId` is shielded from as a member, with those children
 * (K6: in them, messages from anyone else are shown to the viewer with the writer hidden).
 */
export async function shieldedChildrenIn(db: Kysely<Database>, viewerId: string, conversationIds: readonly string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (conversationIds.length === 0) return out;
  const rows = await db
    .selectFrom('sextortion_shields as sh')
    .innerJoin('conversation_members as cm', 'cm.account_id', 'sh.child_id')
    .select(['cm.conversation_id', 'sh.child_id'])
    .where('sh.suspect_id', '=', viewerId)
    .where('sh.lifted_at', 'is', null)
    .where('cm.conversation_id', 'in', [...new Set(conversationIds)])
    .execute();
  for (const r of rows) out.set(r.conversation_id, (out.get(r.conversation_id) ?? new Set<string>()).add(r.child_id));
  return out;
}

/** Every shield about `suspectId`, lifted or not (for moderators). */
export function shieldsAbout(db: Kysely<Database>, suspectId: string): Promise<ShieldRow[]> {
  return db.selectFrom('sextortion_shields').selectAll().where('suspect_id', '=', suspectId).orderBy('created_at').execute();
}

/** A moderator's decision lifts the shields about `suspectId` (all children, or one); returns the children no longer shielded. */
export async function liftShields(db: Kysely<Database>, suspectId: string, by: string, reason: string, now: Date, childId?: string): Promise<string[]> {
  let q = db
    .updateTable('sextortion_shields')
    .set({ lifted_at: now, lifted_by: by, lift_reason: reason })
    .where('suspect_id', '=', suspectId)
    .where('lifted_at', 'is', null);
  if (childId) q = q.where('child_id', '=', childId);
  return (await q.returning('child_id').execute()).map((r) => r.child_id);
}
