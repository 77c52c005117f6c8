import { randomUUID } from 'node:crypto';
import type { Party, Policy, SafetyEvent } from '@haven/safety';
import { bandOf } from '../policy/participants';
import { ageOn } from '../services/age';
import type { Services } from '../services/context';
import type { AccountRow } from '../storage/database';
import { insertSignalEvent } from '../storage/repos/signals';

// Recording the metadata events risk signals need (issue 11). Recording runs after the request has
// been answered, on a per-server queue: a refused attempt takes no longer than a missing handle, and a
// failure to record is logged, never turned into an error for the user. Tests await `flushSignals`.

const pending = new WeakMap<Services, Set<Promise<void>>>();

/** Runs `work` in the background for `s`; errors are logged. */
export function inBackground(s: Services, what: string, work: () => Promise<void>): void {
  const set = pending.get(s) ?? new Set<Promise<void>>();
  pending.set(s, set);
  const p: Promise<void> = Promise.resolve()
    .then(work)
    .catch((err: unknown) => s.log.error({ err }, `risk signals: could not ${what}`))
    .finally(() => set.delete(p));
  set.add(p);
}

/** Waits until every queued signal job (and the jobs they queued) has finished. */
export async function flushSignals(s: Services): Promise<void> {
  // Hooks queued with setImmediate (policy/refused-contacts.ts) join the set on the next turn.
  await new Promise((r) => setImmediate(r));
  for (let set = pending.get(s); set && set.size > 0; set = pending.get(s)) {
    await Promise.allSettled([...set]);
    await new Promise((r) => setImmediate(r));
  }
}

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone of an account's local time: its region when that is an IANA zone (`America/New_York`),
 * else the policy's (police force areas and `GB` are all `Europe/London`). Missing region → policy's.
 */
export function zoneOf(policy: Policy, region: string | null): string {
  return region && region.includes('/') && isZone(region) ? region : policy.timeZone;
}

/** An account as a party to a signal event, with what is known of it now. */
export function partyOfAccount(policy: Policy, a: Pick<AccountRow, 'id' | 'birth_date' | 'region' | 'created_at'>, now: Date): Party {
  const age = a.birth_date ? ageOn(a.birth_date, now, policy.timeZone) : undefined;
  return {
    id: a.id,
    ...(a.birth_date ? { band: bandOf(policy, a.birth_date, now) } : {}),
    ...(age !== undefined && age >= 0 ? { age } : {}),
    createdAt: a.created_at.getTime(),
    timeZone: zoneOf(policy, a.region),
  };
}

/** Who an event is by and about, for the indexed columns. */
function subjectOf(e: SafetyEvent): { actor: string; subject: string | null; subjectBand: string | null; conversationId: string | null; messageId: string | null } {
  switch (e.type) {
    case 'contact_attempt':
      return { actor: e.from.id, subject: e.to.id, subjectBand: e.to.band ?? null, conversationId: null, messageId: e.messageId ?? null };
    case 'contact_accepted':
      return { actor: e.accepter.id, subject: e.requester.id, subjectBand: e.requester.band ?? null, conversationId: null, messageId: null };
    case 'contact_declined':
      return { actor: e.decliner.id, subject: e.requester.id, subjectBand: e.requester.band ?? null, conversationId: null, messageId: null };
    case 'block':
    case 'report':
      return { actor: e.by, subject: e.target, subjectBand: null, conversationId: null, messageId: null };
    case 'media_sent':
    case 'message_sent':
      return { actor: e.from.id, subject: e.to.id, subjectBand: e.to.band ?? null, conversationId: null, messageId: e.messageId ?? null };
    case 'group_join':
      return { actor: e.member.id, subject: e.conversationId, subjectBand: null, conversationId: e.conversationId, messageId: null };
  }
}

/** Stores one event now (inside a background job); returns it with its id. */
export async function storeEvent(s: Services, event: SafetyEvent, conversationId?: string): Promise<SafetyEvent> {
  const id = randomUUID();
  const withId = { ...event, id } as SafetyEvent;
  const k = subjectOf(withId);
  await insertSignalEvent(s.db, {
    id,
    type: event.type,
    at: new Date(event.at),
    actor_id: k.actor,
    subject_id: k.subject,
    subject_band: k.subjectBand,
    conversation_id: conversationId ?? k.conversationId,
    message_id: k.messageId,
    data: JSON.stringify(withId),
  });
  return withId;
}
