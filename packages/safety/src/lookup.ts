import type { Policy } from './config';
import type { Participant } from './mode';
import type { Relationship } from './relationship';

/**
 * C9: whether `viewer`, naming `target` by handle (a contact request, a direct conversation, a group
 * add, a block), may learn that the account exists. An adult cannot tell a child they are not connected
 * to from a handle that does not exist: the server answers exactly as for a missing handle. Connected
 * means the adult holds a contact row about the child (a request either way, an accepted contact, or a
 * block the adult made); a child who blocked the adult is hidden again. Where the rules let adults find
 * or ask children anyway (`adultsFindChildrenInSearch`, `adultsMayRequestChildren`), nothing is hidden.
 * Children, and adults looking up adults, always learn the real reason a request did not go through.
 * `rel` is seen from `viewer`'s side.
 *
 * @example
 * knowsByHandle(policy, adult, child, NO_RELATIONSHIP) // false: "No such account."
 */
export function knowsByHandle(policy: Policy, viewer: Participant, target: Participant, rel: Relationship): boolean {
  if (viewer.id === target.id) return true;
  if (viewer.band !== 'adult' || target.band !== 'child') return true;
  if (rel.contact !== 'none' || rel.blockedByMe) return true;
  return policy.rules.adultsFindChildrenInSearch || policy.rules.adultsMayRequestChildren;
}
