import { NO_RELATIONSHIP, relationshipFromStates, type Relationship, type RelationsOf } from '@haven/safety';
import type { Kysely } from 'kysely';
import type { ContactsTable, Database } from '../storage/database';
import { contactStatesBetween } from '../storage/repos/contacts';

// Relationships as the safety library sees them, built from the two contact rows the server keeps.

type State = ContactsTable['state'];

/** Every contact row between any two of `ids` (both directions), keyed `owner:other`. */
async function rowsAmong(db: Kysely<Database>, ids: readonly string[], others: readonly string[] = ids): Promise<Map<string, State>> {
  const out = new Map<string, State>();
  for (const r of await contactStatesBetween(db, ids, others)) out.set(`${r.owner_id}:${r.other_id}`, r.state);
  return out;
}

const from = (rows: Map<string, State>, me: string, them: string): Relationship =>
  rows.has(`${me}:${them}`) || rows.has(`${them}:${me}`) ? relationshipFromStates(rows.get(`${me}:${them}`), rows.get(`${them}:${me}`)) : NO_RELATIONSHIP;

/** `me`'s relationship with `them`, seen from `me`. */
export async function relationship(db: Kysely<Database>, me: string, them: string): Promise<Relationship> {
  return from(await rowsAmong(db, [me], [them]), me, them);
}

/** `me`'s relationship with each of `others`, seen from `me`, by id. */
export async function relationsOf(db: Kysely<Database>, me: string, others: readonly string[]): Promise<Record<string, Relationship>> {
  const rows = await rowsAmong(db, [me], others);
  return Object.fromEntries(others.map((o) => [o, from(rows, me, o)]));
}

/** For every x in `ids`, x's relationship with every other y in `ids`: what `canCreateGroup` takes. */
export async function relationsAmong(db: Kysely<Database>, ids: readonly string[]): Promise<Record<string, RelationsOf>> {
  const rows = await rowsAmong(db, ids);
  return Object.fromEntries(ids.map((x) => [x, Object.fromEntries(ids.filter((y) => y !== x).map((y) => [y, from(rows, x, y)]))]));
}
