import type { ConversationMode } from '@haven/protocol';
import type { Policy } from './config';
import { allow, refuse, type Decision, type Refusal } from './decision';
import { conversationMode, membershipChangeAllowed, type Participant } from './mode';
import { NO_RELATIONSHIP, isBlocked, isContact, type Relationship } from './relationship';

// Group rules (G1–G7): who may bring whom into a group, directly, by invite link or at creation.

export interface GroupState {
  readonly members: readonly Participant[];
  /** The stored mode: decided at creation and never changed by a later birthday (P7). */
  readonly mode: ConversationMode;
}

/**
 * The joining account's relationships with the group's members, by member id, each seen from the
 * joining account's side. A member missing from the record has no relationship with it.
 */
export type RelationsOf = Readonly<Record<string, Relationship>>;

const relOf = (relations: RelationsOf, id: string): Relationship =>
  Object.hasOwn(relations, id) ? relations[id]! : NO_RELATIONSHIP;

type Via = 'add' | 'invite' | 'create';

function checkJoin(policy: Policy, via: Via, adder: Participant, joiner: Participant, relations: RelationsOf, group: GroupState): Refusal | undefined {
  const members = group.members;
  if (members.some((m) => m.id === joiner.id)) return refuse('conversation.already_member').error;
  if (!members.some((m) => m.id === adder.id)) {
    return via === 'invite'
      ? refuse('conversation.not_found', 'This invite link is no longer valid.').error
      : refuse('auth.forbidden', 'Only members can add people to a group.').error;
  }
  const withAdder = relOf(relations, adder.id);
  if (isBlocked(withAdder)) return refuse('policy.blocked').error;
  // G2, G3: an adult brings a child in only if they are contacts, and only where the rules allow it.
  if (adder.band === 'adult' && joiner.band === 'child') {
    if (!isContact(withAdder)) {
      return refuse('policy.adult_to_child', 'Adults can bring someone under 18 into a group only if that person is their contact.').error;
    }
    if (!policy.rules.adultsMayAddChildContactsToGroups) {
      return refuse('policy.adult_to_child', 'On this server adults cannot bring people under 18 into groups.').error;
    }
  }
  // G1: adding someone needs contacts while contactsOnly is on; an invite link is the way without.
  if (via !== 'invite' && policy.rules.contactsOnly && !isContact(withAdder)) {
    return refuse('policy.not_contact', 'You can only add your contacts to a group.').error;
  }
  for (const m of members) {
    const r = relOf(relations, m.id);
    // G4: nobody is brought together with someone they blocked, or who blocked them; the sentence names no one.
    if (isBlocked(r)) return refuse('policy.blocked', 'This account cannot be added to this group.').error;
    // G2: every adult and every child in a group are contacts, whoever brings them in (closes the third-member and invite-link routes).
    if (m.band !== joiner.band && !isContact(r)) {
      // An adult joining by link does not know the members yet: do not tell them a child is there. The
      // answer is the one a link that does not exist gets (C9), with no help that would speak of children.
      if (via === 'invite' && joiner.band === 'adult') return refuse('conversation.not_found', 'This invite link is no longer valid.').error;
      return refuse('policy.adult_to_child', 'Someone under 18 can only be in a group where every adult is their contact.').error;
    }
  }
  const after = [...members, joiner];
  const limit = policy.rules.maxGroupSizeWithChildren;
  if (limit !== null && after.length > limit && after.some((m) => m.band === 'child')) {
    return refuse('conversation.too_many_members', `A group with someone under 18 can have at most ${limit} members.`).error;
  }
  if (via === 'create') return undefined;
  const change = membershipChangeAllowed(policy, members, after, group.mode);
  return change.ok ? undefined : change.error;
}

/**
 * Whether `adder`, a member, may add `added` to `group` (G1–G6, P4). `relations` holds `added`'s
 * relationships with the members (the adder included).
 *
 * @example
 * canAddToGroup(policyFor('nspcc'), adult, child, { [adult.id]: ACCEPTED }, { members: [adult, adult2], mode: 'e2ee' })
 * // refused: policy.adult_to_child (adult2 is not the child's contact); with it: policy.mode_change
 */
export function canAddToGroup(
  policy: Policy,
  adder: Participant,
  added: Participant,
  relations: RelationsOf,
  group: GroupState,
): Decision<'group.add_allowed'> {
  const refusal = checkJoin(policy, 'add', adder, added, relations, group);
  return refusal ? { ok: false, error: refusal } : allow('group.add_allowed');
}

/**
 * Whether `joiner` may join `group` through an invite link made by `inviter` (G1–G6, P4): the same
 * rules as adding, except that joiner and inviter need not be contacts unless one is an adult and the
 * other a child (G6).
 */
export function canJoinViaInvite(
  policy: Policy,
  joiner: Participant,
  inviter: Participant,
  relations: RelationsOf,
  group: GroupState,
): Decision<'group.join_allowed'> {
  const refusal = checkJoin(policy, 'invite', inviter, joiner, relations, group);
  return refusal ? { ok: false, error: refusal } : allow('group.join_allowed');
}

/**
 * Whether `creator` may create a group with `invitees` (G7): each is checked as if the creator added
 * them in turn, against everyone before them. `relations[x][y]` is x's relationship with y, for every
 * invitee x and every other member y. The mode is then `conversationMode` of everyone.
 */
export function canCreateGroup(
  policy: Policy,
  creator: Participant,
  invitees: readonly Participant[],
  relations: Readonly<Record<string, RelationsOf>>,
): Decision<'group.create_allowed'> {
  const ids = new Set([creator.id, ...invitees.map((i) => i.id)]);
  if (ids.size !== invitees.length + 1) return refuse('request.invalid', 'Each member can be listed only once.');
  const everyone = [creator, ...invitees];
  const members: Participant[] = [creator];
  const mode = conversationMode(policy, everyone).mode;
  for (const invitee of invitees) {
    const rels = Object.hasOwn(relations, invitee.id) ? relations[invitee.id]! : {};
    const refusal = checkJoin(policy, 'create', creator, invitee, rels, { members, mode });
    if (refusal) return { ok: false, error: refusal };
    members.push(invitee);
  }
  return allow('group.create_allowed');
}
