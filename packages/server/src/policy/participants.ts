import { ageBand, type Participant, type Policy } from '@haven/safety';
import type { AgeBand } from '@haven/protocol';
import type { AccountRow } from '../storage/database';

/**
 * The band of a stored account at `now`, from its stored birth date (never from a request) in the
 * policy's time zone (A4). A stored date that no longer gives a band (an age correction below 13) is
 * treated as a child's: the safe side.
 */
export function bandOf(policy: Policy, birthDate: string, now: Date): AgeBand {
  const r = ageBand(birthDate, now, policy.timeZone);
  return r.ok ? r.value : 'child';
}

export function participantOf(policy: Policy, account: Pick<AccountRow, 'id' | 'birth_date'>, now: Date): Participant {
  return { id: account.id, band: bandOf(policy, account.birth_date, now) };
}

/** A participant with the region used for help (never shown to others). */
export function partyOf(policy: Policy, account: Pick<AccountRow, 'id' | 'birth_date' | 'region'>, now: Date): Participant & { region: string | null } {
  return { ...participantOf(policy, account, now), region: account.region };
}
