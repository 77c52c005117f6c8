import { assertNever } from '@haven/protocol';
import type { Policy } from './config';
import { REASONS, type ReasonCode } from './decision';
import type { Participant } from './mode';
import { isBlocked, type Relationship } from './relationship';

export interface SearchVisibility {
  shown: boolean;
  code: Extract<ReasonCode, `search.${string}`>;
  /** For logs and tests only: telling a searcher why someone is hidden would say that they exist. */
  reason: string;
}

const result = (shown: boolean, code: SearchVisibility['code']): SearchVisibility => ({ shown, code, reason: REASONS[code] });

/**
 * Whether `candidate` appears in `searcher`'s search results (and suggestions) (S1–S4). `rel` is seen
 * from the searcher's side. Children never appear to adults by default, even existing contacts: an
 * adult reaches a child contact from their contact list, not from search.
 *
 * @example
 * appearsInSearch(policy, adult, child, NO_RELATIONSHIP).shown // false
 */
export function appearsInSearch(policy: Policy, searcher: Participant, candidate: Participant, rel: Relationship): SearchVisibility {
  if (searcher.id === candidate.id) return result(false, 'search.hidden_self');
  if (isBlocked(rel)) return result(false, 'search.hidden_blocked');
  switch (candidate.band) {
    case 'adult':
      return result(true, 'search.shown');
    case 'child':
      if (searcher.band === 'adult') {
        return policy.rules.adultsFindChildrenInSearch ? result(true, 'search.shown') : result(false, 'search.hidden_child_from_adult');
      }
      return policy.rules.childrenFindChildrenInSearch ? result(true, 'search.shown') : result(false, 'search.hidden_child_from_child');
    default:
      return assertNever(candidate.band, 'age band');
  }
}
