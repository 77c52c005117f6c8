import { describe, expect, it } from 'vitest';
import type { ContactState } from '@haven/protocol';
import { relationshipFromStates, reverse, type Relationship } from './relationship';
import { RELATIONSHIPS } from '../test/fixtures';

describe('relationships from the contact rows the server keeps', () => {
  // mine (my row about them), theirs (their row about me) → relationship from my side.
  const TABLE: [ContactState | undefined, ContactState | undefined, Relationship][] = [
    [undefined, undefined, { contact: 'none', blockedByMe: false, blockedByThem: false }],
    ['pending_outgoing', 'pending_incoming', { contact: 'requested_by_me', blockedByMe: false, blockedByThem: false }],
    ['pending_outgoing', undefined, { contact: 'requested_by_me', blockedByMe: false, blockedByThem: false }],
    ['pending_incoming', 'pending_outgoing', { contact: 'requested_by_them', blockedByMe: false, blockedByThem: false }],
    [undefined, 'pending_outgoing', { contact: 'requested_by_them', blockedByMe: false, blockedByThem: false }],
    ['accepted', 'accepted', { contact: 'accepted', blockedByMe: false, blockedByThem: false }],
    ['blocked', 'accepted', { contact: 'accepted', blockedByMe: true, blockedByThem: false }],
    ['accepted', 'blocked', { contact: 'accepted', blockedByMe: false, blockedByThem: true }],
    ['blocked', undefined, { contact: 'none', blockedByMe: true, blockedByThem: false }],
    [undefined, 'blocked', { contact: 'none', blockedByMe: false, blockedByThem: true }],
    ['blocked', 'blocked', { contact: 'none', blockedByMe: true, blockedByThem: true }],
    ['blocked', 'pending_outgoing', { contact: 'requested_by_them', blockedByMe: true, blockedByThem: false }],
  ];
  it.each(TABLE)('C2 C4: mine %s, theirs %s', (mine, theirs, expected) => {
    expect(relationshipFromStates(mine, theirs)).toEqual(expected);
    // The other side sees the mirror image.
    expect(relationshipFromStates(theirs, mine)).toEqual(reverse(expected));
  });

  it('reverse is its own inverse', () => {
    for (const r of Object.values(RELATIONSHIPS)) expect(reverse(reverse(r))).toEqual(r);
    expect(reverse(RELATIONSHIPS['pending (I asked)'])).toEqual(RELATIONSHIPS['pending (they asked)']);
    expect(reverse(RELATIONSHIPS['blocked by me'])).toEqual(RELATIONSHIPS['blocked by them']);
  });
});
