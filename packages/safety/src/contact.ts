import type { Policy } from './config';
import { allow, refuse, type Decision } from './decision';
import type { Participant } from './mode';
import { isBlocked, isContact, type Relationship } from './relationship';

// Contact rules between two accounts (C1–C8). `rel` is always seen from `from`'s side.

/** C2: the blocked side gets the registry's neutral sentence; the blocker is told how to undo it. */
function blocked(rel: Relationship) {
  return rel.blockedByMe ? refuse('policy.blocked', 'You have blocked this account; unblock it first.') : refuse('policy.blocked');
}

const ADULT_TO_CHILD_REQUEST =
  'Adults cannot send a contact request to someone under 18. They can ask you, and you can accept.';

/**
 * Whether `from` may send `to` a contact request (C1–C4). A request to someone who already asked
 * `from` is allowed as an acceptance (C4), so an adult can accept a child's request this way too.
 *
 * @example
 * canSendContactRequest(policy, adult, child, NO_RELATIONSHIP) // refused: policy.adult_to_child
 */
export function canSendContactRequest(
  policy: Policy,
  from: Participant,
  to: Participant,
  rel: Relationship,
): Decision<'contact.request_allowed' | 'contact.request_accepts_pending'> {
  if (from.id === to.id) return refuse('contact.self');
  if (isBlocked(rel)) return blocked(rel);
  switch (rel.contact) {
    case 'accepted':
    case 'requested_by_me':
      return refuse('contact.already');
    case 'requested_by_them':
      return allow('contact.request_accepts_pending');
    case 'none':
      if (from.band === 'adult' && to.band === 'child' && !policy.rules.adultsMayRequestChildren) {
        return refuse('policy.adult_to_child', ADULT_TO_CHILD_REQUEST);
      }
      return allow('contact.request_allowed');
  }
}

/**
 * Whether `accepter` may accept a pending request from `requester` (C4). Anyone may accept a request
 * made to them; a request from an adult to a child exists only if the rules allowed it when it was sent.
 */
export function canAcceptContactRequest(accepter: Participant, requester: Participant, rel: Relationship): Decision<'contact.accept_allowed'> {
  if (accepter.id === requester.id) return refuse('contact.self');
  if (isBlocked(rel)) return blocked(rel);
  if (rel.contact === 'accepted') return refuse('contact.already');
  if (rel.contact !== 'requested_by_them') return refuse('contact.not_found');
  return allow('contact.accept_allowed');
}

/**
 * Whether `from` may start a direct conversation with `to` (C5, C6). An adult and a child need to be
 * accepted contacts, whatever the rules say; others need it while `rules.contactsOnly` is on.
 *
 * @example
 * canStartDirect(policy, child, adult, { contact: 'requested_by_me', blockedByMe: false, blockedByThem: false })
 * // refused: policy.not_contact, until the adult accepts
 */
export function canStartDirect(policy: Policy, from: Participant, to: Participant, rel: Relationship): Decision<'direct.allowed'> {
  if (from.id === to.id) return refuse('request.invalid', 'You cannot start a conversation with yourself.');
  if (isBlocked(rel)) return blocked(rel);
  if (isContact(rel)) return allow('direct.allowed');
  if (from.band === 'adult' && to.band === 'child') return refuse('policy.adult_to_child');
  if (from.band === 'child' && to.band === 'adult') {
    return refuse('policy.not_contact', 'You can message an adult once they accept your contact request.');
  }
  if (policy.rules.contactsOnly) return refuse('policy.not_contact');
  return allow('direct.allowed');
}
