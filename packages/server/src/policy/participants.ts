import { conversationMode, type Participant, type Policy } from '@haven/safety';
import type { AgeBand, ConversationMode } from '@haven/protocol';
import type { AccountRow } from '../storage/database';
import { bandOf as storedBandOf } from '../services/age';

/**
 * The band of a stored account at `now`, from its stored birth date (never from a request) in the
 * policy's time zone (A4). A stored date that no longer gives a band (an age correction below 13) is
 * treated as a child's: the safe side.
 */
export function bandOf(policy: Policy, birthDate: string, now: Date): AgeBand {
  return storedBandOf(birthDate, now, policy.timeZone);
}

export function participantOf(policy: Policy, account: Pick<AccountRow, 'id' | 'birth_date'>, now: Date): Participant {
  return { id: account.id, band: bandOf(policy, account.birth_date, now) };
}

/** A participant with the region used for help (never shown to others). */
export function partyOf(policy: Policy, account: Pick<AccountRow, 'id' | 'birth_date' | 'region'>, now: Date): Participant & { region: string | null } {
  return { ...participantOf(policy, account, now), region: account.region };
}

/**
 * The stored mode a membership check compares against (P4). With MLS turned off every conversation is
 * visible and nothing else is possible, so a change cannot change the mode: the check uses the mode the
 * new membership would get.
 */
export function modeForCheck(policy: Policy, e2eeEnabled: boolean, stored: ConversationMode, after: readonly Participant[]): ConversationMode {
  return e2eeEnabled ? stored : conversationMode(policy, after).mode;
}
