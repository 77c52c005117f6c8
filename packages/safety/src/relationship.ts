import type { ContactState } from '@haven/protocol';

/** Who asked whom, seen from one account ("me") towards another ("them"). */
export const CONTACT_LINKS = ['none', 'requested_by_me', 'requested_by_them', 'accepted'] as const;
export type ContactLink = (typeof CONTACT_LINKS)[number];

/** What the store knows about two accounts, from one side. Plain data, filled in by the caller. */
export interface Relationship {
  readonly contact: ContactLink;
  readonly blockedByMe: boolean;
  readonly blockedByThem: boolean;
}

export const NO_RELATIONSHIP: Relationship = { contact: 'none', blockedByMe: false, blockedByThem: false };

/** The same facts seen from the other side. */
export function reverse(r: Relationship): Relationship {
  const contact = r.contact === 'requested_by_me' ? 'requested_by_them' : r.contact === 'requested_by_them' ? 'requested_by_me' : r.contact;
  return { contact, blockedByMe: r.blockedByThem, blockedByThem: r.blockedByMe };
}

export const isBlocked = (r: Relationship): boolean => r.blockedByMe || r.blockedByThem;
/** Accepted contacts, and neither has blocked the other: the only state in which an adult and a child may meet. */
export const isContact = (r: Relationship): boolean => r.contact === 'accepted' && !isBlocked(r);

/**
 * Builds a relationship from the contact rows the server keeps: `mine` is my row about them and
 * `theirs` their row about me (protocol `ContactState`, or undefined when there is no row).
 *
 * @example
 * relationshipFromStates('pending_outgoing', 'pending_incoming') // { contact: 'requested_by_me', … }
 */
export function relationshipFromStates(mine: ContactState | undefined, theirs: ContactState | undefined): Relationship {
  const blockedByMe = mine === 'blocked';
  const blockedByThem = theirs === 'blocked';
  const contact: ContactLink =
    mine === 'accepted' && theirs === 'accepted'
      ? 'accepted'
      : mine === 'pending_outgoing' || theirs === 'pending_incoming'
        ? 'requested_by_me'
        : mine === 'pending_incoming' || theirs === 'pending_outgoing'
          ? 'requested_by_them'
          : mine === 'accepted' || theirs === 'accepted'
            ? 'accepted'
            : 'none';
  return { contact, blockedByMe, blockedByThem };
}
