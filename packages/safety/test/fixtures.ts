import { parseSafetyConfig, type Policy } from '../src/config';
import type { AgeBand } from '@haven/protocol';
import type { Participant } from '../src/mode';
import type { ContactLink, Relationship } from '../src/relationship';

// Shared by the tests of this package only (not exported from index.ts).

export const adult = (id: string): Participant => ({ id, band: 'adult' });
export const child = (id: string): Participant => ({ id, band: 'child' });

/** 'AAC' → adult a0, adult a1, child c2. */
export function members(mix: string): Participant[] {
  return [...mix].map((ch, i) => (ch === 'A' ? adult(`a${i}`) : ch === 'C' ? child(`c${i}`) : fail(ch)));
}
function fail(ch: string): never {
  throw new Error(`mix letters are A and C, not ${ch}`);
}

/** Every distinct ordering of a list. */
export function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

export const rel = (contact: ContactLink, blockedByMe = false, blockedByThem = false): Relationship => ({ contact, blockedByMe, blockedByThem });

/** The relationships every contact rule is tested against, seen from the actor's side. */
export const RELATIONSHIPS = {
  none: rel('none'),
  'pending (I asked)': rel('requested_by_me'),
  'pending (they asked)': rel('requested_by_them'),
  accepted: rel('accepted'),
  'blocked by me': rel('accepted', true),
  'blocked by them': rel('accepted', false, true),
  'blocked by me, no contact': rel('none', true),
  'blocked by them, no contact': rel('none', false, true),
} as const satisfies Record<string, Relationship>;
export type RelationshipName = keyof typeof RELATIONSHIPS;

export const BANDS: readonly AgeBand[] = ['adult', 'child'];

/** A policy from a `safety` config section, through the same validation the server runs. */
export function configured(input: unknown): Policy {
  const r = parseSafetyConfig(input);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
