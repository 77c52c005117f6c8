import { HavenError, type ErrorCode } from '@haven/protocol';
import { helpFor, type HelpMoment, type Policy, type Refusal } from '@haven/safety';
import type { AccountRow } from '../storage/database';
import { bandOf } from './participants';

/** Refusals that a person should see help with (H2): a refused contact. */
const CONTACT_REFUSALS: ReadonlySet<ErrorCode> = new Set(['policy.adult_to_child', 'policy.not_contact', 'policy.blocked']);

/** Help for `account` at `moment`, for its band (computed now) and region. */
export function helpOf(policy: Policy, account: Pick<AccountRow, 'birth_date' | 'region'>, now: Date, moment: HelpMoment) {
  return helpFor(policy.help, bandOf(policy, account.birth_date, now), account.region, moment);
}

/**
 * A library refusal as the error the API sends: its code and sentence, with help for the one refused
 * when it is a refused contact (H2: `contact_refused`).
 */
export function refusalError(policy: Policy, refusal: Refusal, account: Pick<AccountRow, 'birth_date' | 'region'>, now: Date): HavenError {
  const help = CONTACT_REFUSALS.has(refusal.code) ? helpOf(policy, account, now, 'contact_refused') : undefined;
  return new HavenError(refusal.code, refusal.message, undefined, help);
}
