import { describe, expect, it } from 'vitest';
import { ERRORS } from '@haven/protocol';
import { policyFor } from './config';
import { canAcceptContactRequest, canSendContactRequest, canStartDirect } from './contact';
import { PRESET_NAMES } from './presets';
import { RELATIONSHIPS, adult, child, configured, rel, type RelationshipName } from '../test/fixtures';

const people = { A: adult('from-a'), C: child('from-c') };
const others = { A: adult('to-a'), C: child('to-c') };

// Every pair of bands × every relationship (seen from the sender): the contact request and the direct
// conversation outcome with `rules.contactsOnly` on (the C6 test below covers the default, off), which every
// preset shares.
const TABLE: [string, RelationshipName, string, string][] = [
  ['A→A', 'none', 'contact.request_allowed', 'policy.not_contact'],
  ['A→A', 'pending (I asked)', 'contact.already', 'policy.not_contact'],
  ['A→A', 'pending (they asked)', 'contact.request_accepts_pending', 'policy.not_contact'],
  ['A→A', 'accepted', 'contact.already', 'direct.allowed'],
  ['A→A', 'blocked by me', 'policy.blocked', 'policy.blocked'],
  ['A→A', 'blocked by them', 'policy.blocked', 'policy.blocked'],
  ['A→A', 'blocked by me, no contact', 'policy.blocked', 'policy.blocked'],
  ['A→A', 'blocked by them, no contact', 'policy.blocked', 'policy.blocked'],
  ['A→C', 'none', 'policy.adult_to_child', 'policy.adult_to_child'],
  ['A→C', 'pending (I asked)', 'contact.already', 'policy.adult_to_child'],
  ['A→C', 'pending (they asked)', 'contact.request_accepts_pending', 'policy.adult_to_child'],
  ['A→C', 'accepted', 'contact.already', 'direct.allowed'],
  ['A→C', 'blocked by me', 'policy.blocked', 'policy.blocked'],
  ['A→C', 'blocked by them', 'policy.blocked', 'policy.blocked'],
  ['A→C', 'blocked by me, no contact', 'policy.blocked', 'policy.blocked'],
  ['A→C', 'blocked by them, no contact', 'policy.blocked', 'policy.blocked'],
  ['C→A', 'none', 'contact.request_allowed', 'policy.not_contact'],
  ['C→A', 'pending (I asked)', 'contact.already', 'policy.not_contact'],
  ['C→A', 'pending (they asked)', 'contact.request_accepts_pending', 'policy.not_contact'],
  ['C→A', 'accepted', 'contact.already', 'direct.allowed'],
  ['C→A', 'blocked by me', 'policy.blocked', 'policy.blocked'],
  ['C→A', 'blocked by them', 'policy.blocked', 'policy.blocked'],
  ['C→A', 'blocked by me, no contact', 'policy.blocked', 'policy.blocked'],
  ['C→A', 'blocked by them, no contact', 'policy.blocked', 'policy.blocked'],
  ['C→C', 'none', 'contact.request_allowed', 'policy.not_contact'],
  ['C→C', 'pending (I asked)', 'contact.already', 'policy.not_contact'],
  ['C→C', 'pending (they asked)', 'contact.request_accepts_pending', 'policy.not_contact'],
  ['C→C', 'accepted', 'contact.already', 'direct.allowed'],
  ['C→C', 'blocked by me', 'policy.blocked', 'policy.blocked'],
  ['C→C', 'blocked by them', 'policy.blocked', 'policy.blocked'],
  ['C→C', 'blocked by me, no contact', 'policy.blocked', 'policy.blocked'],
  ['C→C', 'blocked by them, no contact', 'policy.blocked', 'policy.blocked'],
];

const code = (r: { ok: true; value: { code: string } } | { ok: false; error: { code: string } }) => (r.ok ? r.value.code : r.error.code);
const pair = (p: string) => [people[p[0] as 'A' | 'C'], others[p[2] as 'A' | 'C']] as const;

describe('contact requests and direct conversations, every band pair × every relationship × every preset', () => {
  it('the table covers every band pair and every relationship', () => {
    expect(TABLE).toHaveLength(4 * Object.keys(RELATIONSHIPS).length);
  });

  describe.each(PRESET_NAMES)('%s', (preset) => {
    const policy = configured({ policy: preset, rules: { contactsOnly: true } });
    it.each(TABLE)('C2 C3 C4: contact request %s, %s → %s', (p, r, expected) => {
      const [from, to] = pair(p);
      expect(code(canSendContactRequest(policy, from, to, RELATIONSHIPS[r]))).toBe(expected);
    });
    it.each(TABLE)('C2 C5 C6: direct conversation %s, %s → %4$s', (p, r, _request, expected) => {
      const [from, to] = pair(p);
      expect(code(canStartDirect(policy, from, to, RELATIONSHIPS[r]))).toBe(expected);
    });
  });

  it('C1: nobody sends a contact request to themselves', () => {
    const a = adult('same');
    expect(code(canSendContactRequest(policyFor(), a, a, RELATIONSHIPS.none))).toBe('contact.self');
    expect(code(canAcceptContactRequest(a, a, RELATIONSHIPS['pending (they asked)']))).toBe('contact.self');
  });

  it('C7: nobody starts a direct conversation with themselves', () => {
    const c = child('same');
    const r = canStartDirect(policyFor(), c, c, RELATIONSHIPS.accepted);
    expect(r).toEqual({ ok: false, error: { code: 'request.invalid', message: 'You cannot start a conversation with yourself.' } });
  });

  it('C2: the blocked side is told only that they cannot contact the account; the blocker how to undo it', () => {
    const [from, to] = pair('A→A');
    for (const name of ['blocked by them', 'blocked by them, no contact'] as const) {
      const r = canSendContactRequest(policyFor(), from, to, RELATIONSHIPS[name]);
      expect(r).toEqual({ ok: false, error: { code: 'policy.blocked', message: ERRORS['policy.blocked'].message } });
      expect(canStartDirect(policyFor(), from, to, RELATIONSHIPS[name])).toEqual(r);
    }
    const mine = canStartDirect(policyFor(), from, to, RELATIONSHIPS['blocked by me']);
    expect(mine).toEqual({ ok: false, error: { code: 'policy.blocked', message: 'You have blocked this account; unblock it first.' } });
    // Blocked both ways: the blocker's sentence reveals nothing about the other side's block.
    expect(canSendContactRequest(policyFor(), from, to, rel('none', true, true))).toEqual(mine);
  });

  it('C3: the refusal of an adult’s request to a child explains what the child can do', () => {
    const r = canSendContactRequest(policyFor(), adult('a'), child('c'), RELATIONSHIPS.none);
    expect(r).toEqual({
      ok: false,
      error: { code: 'policy.adult_to_child', message: 'Adults cannot send a contact request to someone under 18. They can ask you, and you can accept.' },
    });
  });

  it('C3: an operator may allow adults to request children (rules.adultsMayRequestChildren)', () => {
    const open = configured({ rules: { adultsMayRequestChildren: true } });
    expect(code(canSendContactRequest(open, adult('a'), child('c'), RELATIONSHIPS.none))).toBe('contact.request_allowed');
    // Direct conversations still need the child's acceptance.
    expect(code(canStartDirect(open, adult('a'), child('c'), RELATIONSHIPS['pending (I asked)']))).toBe('policy.adult_to_child');
  });

  it('C5: the child’s refusal tells them the adult has to accept first', () => {
    const r = canStartDirect(policyFor(), child('c'), adult('a'), RELATIONSHIPS['pending (I asked)']);
    expect(!r.ok && r.error.message).toBe('You can message an adult once they accept your contact request.');
  });

  it('C6: with rules.contactsOnly off, adults message adults and children message children without being contacts, but never across bands', () => {
    const open = configured({ rules: { contactsOnly: false } });
    expect(code(canStartDirect(open, adult('a'), adult('b'), RELATIONSHIPS.none))).toBe('direct.allowed');
    expect(code(canStartDirect(open, child('c'), child('d'), RELATIONSHIPS.none))).toBe('direct.allowed');
    expect(code(canStartDirect(open, adult('a'), child('c'), RELATIONSHIPS.none))).toBe('policy.adult_to_child');
    expect(code(canStartDirect(open, child('c'), adult('a'), RELATIONSHIPS.none))).toBe('policy.not_contact');
    expect(code(canStartDirect(open, adult('a'), adult('b'), RELATIONSHIPS['blocked by them']))).toBe('policy.blocked');
  });
});

describe('C4: accepting a contact request', () => {
  it.each([
    ['none', 'contact.not_found'],
    ['pending (I asked)', 'contact.not_found'],
    ['pending (they asked)', 'contact.accept_allowed'],
    ['accepted', 'contact.already'],
    ['blocked by me', 'policy.blocked'],
    ['blocked by them', 'policy.blocked'],
    ['blocked by me, no contact', 'policy.blocked'],
    ['blocked by them, no contact', 'policy.blocked'],
  ] as [RelationshipName, string][])('C4: an adult accepting a child’s request, relationship %s → %s', (r, expected) => {
    expect(code(canAcceptContactRequest(adult('a'), child('c'), RELATIONSHIPS[r]))).toBe(expected);
  });

  it('C4: a child requests an adult, the adult accepts, and then either may start a direct conversation', () => {
    const a = adult('a');
    const c = child('c');
    const policy = policyFor('nspcc');
    expect(code(canSendContactRequest(policy, c, a, rel('none')))).toBe('contact.request_allowed');
    expect(code(canStartDirect(policy, a, c, rel('requested_by_them')))).toBe('policy.adult_to_child');
    expect(code(canAcceptContactRequest(a, c, rel('requested_by_them')))).toBe('contact.accept_allowed');
    expect(code(canStartDirect(policy, a, c, rel('accepted')))).toBe('direct.allowed');
    expect(code(canStartDirect(policy, c, a, rel('accepted')))).toBe('direct.allowed');
  });
});
