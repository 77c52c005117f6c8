import { describe, expect, it } from 'vitest';
import { policyFor, type Policy } from './config';
import { canAddToGroup, canCreateGroup, canJoinViaInvite, type RelationsOf } from './group';
import { conversationMode } from './mode';
import { PRESET_NAMES } from './presets';
import { RELATIONSHIPS, adult, child, configured, rel, type RelationshipName } from '../test/fixtures';

const code = (r: { ok: true; value: { code: string } } | { ok: false; error: { code: string } }) => (r.ok ? r.value.code : r.error.code);
const ACCEPTED = rel('accepted');
const NSPCC = policyFor('nspcc');

const withRules = (config: unknown): Policy => configured(config);

// Who brings whom into a group of just the one bringing them in, for every relationship between the two.
// The group's stored mode already fits the result, so only contact rules decide (P4 is tested below).
// Every expected outcome is written out (issue 13 item 18): one column per relationship, in REL_COLUMNS' order.
const REL_COLUMNS: RelationshipName[] = [
  'none',
  'pending (I asked)',
  'pending (they asked)',
  'accepted',
  'blocked by me',
  'blocked by them',
  'blocked by me, no contact',
  'blocked by them, no contact',
];
const BRING: [pair: string, route: 'add' | 'invite', outcomes: string[]][] = [
  ['A→A', 'add', ['policy.not_contact', 'policy.not_contact', 'policy.not_contact', 'group.add_allowed', 'policy.blocked', 'policy.blocked', 'policy.blocked', 'policy.blocked']],
  ['A→C', 'add', ['policy.adult_to_child', 'policy.adult_to_child', 'policy.adult_to_child', 'group.add_allowed', 'policy.blocked', 'policy.blocked', 'policy.blocked', 'policy.blocked']],
  ['C→A', 'add', ['policy.not_contact', 'policy.not_contact', 'policy.not_contact', 'group.add_allowed', 'policy.blocked', 'policy.blocked', 'policy.blocked', 'policy.blocked']],
  ['C→C', 'add', ['policy.not_contact', 'policy.not_contact', 'policy.not_contact', 'group.add_allowed', 'policy.blocked', 'policy.blocked', 'policy.blocked', 'policy.blocked']],
  ['A→A', 'invite', ['group.join_allowed', 'group.join_allowed', 'group.join_allowed', 'group.join_allowed', 'policy.blocked', 'policy.blocked', 'policy.blocked', 'policy.blocked']],
  ['A→C', 'invite', ['policy.adult_to_child', 'policy.adult_to_child', 'policy.adult_to_child', 'group.join_allowed', 'policy.blocked', 'policy.blocked', 'policy.blocked', 'policy.blocked']],
  ['C→A', 'invite', ['conversation.not_found', 'conversation.not_found', 'conversation.not_found', 'group.join_allowed', 'policy.blocked', 'policy.blocked', 'policy.blocked', 'policy.blocked']],
  ['C→C', 'invite', ['group.join_allowed', 'group.join_allowed', 'group.join_allowed', 'group.join_allowed', 'policy.blocked', 'policy.blocked', 'policy.blocked', 'policy.blocked']],
];

/** The stored mode of a group of these bands, written out (P2): visible under nspcc when a child is in it, else e2ee. */
const groupMode = (preset: string, bands: string): 'visible' | 'e2ee' => (preset === 'nspcc' && bands.includes('C') ? 'visible' : 'e2ee');

describe('G1 G2 G4: bringing someone into a group, every band pair × every relationship × every preset', () => {
  const make = (b: string, id: string) => (b === 'A' ? adult(id) : child(id));

  it('the table has a column for every relationship the fixtures define, and a row for every pair and route', () => {
    expect([...REL_COLUMNS].sort()).toEqual(Object.keys(RELATIONSHIPS).sort());
    expect(BRING.map(([pair, route, outcomes]) => `${route} ${pair} ${outcomes.length}`).sort()).toEqual(
      ['add A→A 8', 'add A→C 8', 'add C→A 8', 'add C→C 8', 'invite A→A 8', 'invite A→C 8', 'invite C→A 8', 'invite C→C 8'],
    );
  });

  describe.each(PRESET_NAMES)('%s', (preset) => {
    // The table's "not contacts" outcomes are G1 with `rules.contactsOnly` on (the default is off).
    const policy = configured({ policy: preset, rules: { contactsOnly: true } });
    for (const [pair, route, outcomes] of BRING) {
      it.each(REL_COLUMNS.map((name, i) => [name, outcomes[i]!] as const))(`G1 G2 G4: ${route} ${pair}, relationship %s → %s`, (name, expected) => {
        const bringer = make(pair[0]!, 'bringer');
        const joiner = make(pair[2]!, 'joiner');
        const group = { members: [bringer], mode: groupMode(preset, pair) };
        const relations: RelationsOf = { [bringer.id]: RELATIONSHIPS[name] };
        const result =
          route === 'add' ? canAddToGroup(policy, bringer, joiner, relations, group) : canJoinViaInvite(policy, joiner, bringer, relations, group);
        expect(code(result)).toBe(expected);
      });
    }
  });
});

describe('G2: an adult cannot reach a child through a third member or an invite link', () => {
  const adultA = adult('A');
  const childM = child('M'); // A's contact, and C's friend
  const childC = child('C');
  const group = { members: [adultA, childM], mode: 'visible' as const };

  it('G2: a child member adding another child who is not the adult member’s contact is refused', () => {
    const r = canAddToGroup(NSPCC, childM, childC, { M: ACCEPTED }, group);
    expect(r).toEqual({
      ok: false,
      error: { code: 'policy.adult_to_child', message: 'Someone under 18 can only be in a group where every adult is their contact.' },
    });
  });

  it('G2: allowed once the adult is the child’s contact (the child asked, the adult accepted)', () => {
    expect(code(canAddToGroup(NSPCC, childM, childC, { M: ACCEPTED, A: ACCEPTED }, group))).toBe('group.add_allowed');
    expect(code(canAddToGroup(NSPCC, childM, childC, { M: ACCEPTED, A: rel('requested_by_me') }, group))).toBe('policy.adult_to_child');
  });

  it('G2: a child joining through an adult’s invite link is refused unless they are contacts', () => {
    expect(code(canJoinViaInvite(NSPCC, childC, adultA, {}, group))).toBe('policy.adult_to_child');
    expect(code(canJoinViaInvite(NSPCC, childC, adultA, { A: ACCEPTED }, group))).toBe('group.join_allowed');
  });

  it('G2: a child joining through another child’s link into a group with an adult who is not their contact is refused', () => {
    expect(code(canJoinViaInvite(NSPCC, childC, childM, { M: rel('none') }, group))).toBe('policy.adult_to_child');
  });

  it('G2: an adult joining a group with children, by link or through a member, must be every child’s contact', () => {
    const stranger = adult('S');
    // By link the adult is not told that a child is in the group: the answer of a link that does not exist (C9).
    expect(canJoinViaInvite(NSPCC, stranger, adultA, { A: ACCEPTED }, group)).toEqual({
      ok: false,
      error: { code: 'conversation.not_found', message: 'This invite link is no longer valid.' },
    });
    expect(code(canAddToGroup(NSPCC, adultA, stranger, { A: ACCEPTED }, group))).toBe('policy.adult_to_child');
    expect(code(canAddToGroup(NSPCC, adultA, stranger, { A: ACCEPTED, M: ACCEPTED }, group))).toBe('group.add_allowed');
  });

  it.each(PRESET_NAMES)('G2: the same holds under %s, with the group in that preset\'s mode (e2ee outside nspcc)', (preset) => {
    const policy = policyFor(preset);
    const g = { members: [adultA, childM], mode: groupMode(preset, 'AC') };
    expect(code(canAddToGroup(policy, childM, childC, { M: ACCEPTED }, g))).toBe('policy.adult_to_child');
    expect(code(canJoinViaInvite(policy, childC, adultA, {}, g))).toBe('policy.adult_to_child');
  });
});

describe('G3: rules.adultsMayAddChildContactsToGroups', () => {
  const policy = withRules({ rules: { adultsMayAddChildContactsToGroups: false } });
  const a = adult('A');
  const c = child('C');

  it('G3: off: an adult cannot add, or invite by link, even a child contact', () => {
    const group = { members: [a], mode: 'visible' as const };
    const add = canAddToGroup(policy, a, c, { A: ACCEPTED }, group);
    expect(add).toEqual({ ok: false, error: { code: 'policy.adult_to_child', message: 'On this server adults cannot bring people under 18 into groups.' } });
    expect(code(canJoinViaInvite(policy, c, a, { A: ACCEPTED }, group))).toBe('policy.adult_to_child');
  });

  it('G3: off: a child may still add a child to a group with an adult who is that child’s contact', () => {
    const m = child('M');
    const group = { members: [a, m], mode: 'visible' as const };
    expect(code(canAddToGroup(policy, m, c, { A: ACCEPTED, M: ACCEPTED }, group))).toBe('group.add_allowed');
  });

  it('G3: on (default): an adult adds a child contact to a visible group', () => {
    expect(code(canAddToGroup(NSPCC, a, c, { A: ACCEPTED }, { members: [a], mode: 'visible' }))).toBe('group.add_allowed');
  });
});

describe('G4: blocks inside a group', () => {
  const [a, b, d] = [adult('A'), adult('B'), adult('D')];
  const group = { members: [a, b], mode: 'e2ee' as const };

  it.each(['blocked by me', 'blocked by them', 'blocked by me, no contact', 'blocked by them, no contact'] as RelationshipName[])(
    'G4: the joiner and another member, %s: refused without naming anyone',
    (name) => {
      const r = canAddToGroup(NSPCC, a, d, { A: ACCEPTED, B: RELATIONSHIPS[name] }, group);
      expect(r).toEqual({ ok: false, error: { code: 'policy.blocked', message: 'This account cannot be added to this group.' } });
    },
  );

  it('G4: by invite too', () => {
    expect(code(canJoinViaInvite(NSPCC, d, a, { B: rel('none', false, true) }, group))).toBe('policy.blocked');
  });
});

describe('G5: size of groups with children', () => {
  const adder = child('c0');
  const full = (n: number, band: 'adult' | 'child') =>
    Array.from({ length: n }, (_, i) => (i === 0 ? adder : band === 'adult' ? adult(`a${i}`) : child(`c${i}`)));
  const everyone = (n: number): RelationsOf => Object.fromEntries(Array.from({ length: n }, (_, i) => [i === 0 ? 'c0' : `c${i}`, ACCEPTED]));

  it('G5: a group with a child has at most 32 members by default', () => {
    const members = full(31, 'child');
    expect(code(canAddToGroup(NSPCC, adder, child('new'), everyone(31), { members, mode: 'visible' }))).toBe('group.add_allowed');
    const r = canAddToGroup(NSPCC, adder, child('new'), everyone(32), { members: full(32, 'child'), mode: 'visible' });
    expect(r).toEqual({ ok: false, error: { code: 'conversation.too_many_members', message: 'A group with someone under 18 can have at most 32 members.' } });
  });

  it('G5: adults-only groups are not limited by this rule', () => {
    const owner = adult('a0');
    const members = [owner, ...Array.from({ length: 40 }, (_, i) => adult(`a${i + 1}`))];
    expect(code(canAddToGroup(NSPCC, owner, adult('new'), { a0: ACCEPTED }, { members, mode: 'e2ee' }))).toBe('group.add_allowed');
  });

  it('G5: configurable, and null means no limit here', () => {
    const small = withRules({ rules: { maxGroupSizeWithChildren: 3 } });
    const members = full(3, 'child');
    expect(code(canAddToGroup(small, adder, child('new'), everyone(3), { members, mode: 'visible' }))).toBe('conversation.too_many_members');
    const none = withRules({ rules: { maxGroupSizeWithChildren: null } });
    expect(code(canAddToGroup(none, adder, child('new'), everyone(40), { members: full(40, 'child'), mode: 'visible' }))).toBe('group.add_allowed');
  });

  it('G5: adding the first child to a large adults-only group counts too', () => {
    const policy = policyFor('e2ee-only');
    const owner = adult('a0');
    const members = [owner, ...Array.from({ length: 40 }, (_, i) => adult(`a${i + 1}`))];
    const rels = Object.fromEntries(members.map((m) => [m.id, ACCEPTED]));
    expect(code(canAddToGroup(policy, owner, child('c'), rels, { members, mode: 'e2ee' }))).toBe('conversation.too_many_members');
  });
});

describe('G6: who may bring people in', () => {
  const [a, b] = [adult('A'), adult('B')];
  const group = { members: [a, b], mode: 'e2ee' as const };

  it('G6: only members add people', () => {
    const outsider = adult('X');
    const r = canAddToGroup(NSPCC, outsider, adult('D'), { X: ACCEPTED }, group);
    expect(r).toEqual({ ok: false, error: { code: 'auth.forbidden', message: 'Only members can add people to a group.' } });
  });

  it('G6: an invite link made by someone who has left no longer works', () => {
    const r = canJoinViaInvite(NSPCC, adult('D'), adult('X'), {}, group);
    expect(r).toEqual({ ok: false, error: { code: 'conversation.not_found', message: 'This invite link is no longer valid.' } });
  });

  it('G6: someone already in the group cannot be added again', () => {
    expect(code(canAddToGroup(NSPCC, a, b, { A: ACCEPTED }, group))).toBe('conversation.already_member');
  });
});

describe('P4 in groups: a change that would change the mode is refused', () => {
  it('P4: adding a child to an adults-only e2ee group under nspcc, every adult being the child’s contact', () => {
    const [a, b] = [adult('A'), adult('B')];
    const c = child('C');
    const r = canAddToGroup(NSPCC, a, c, { A: ACCEPTED, B: ACCEPTED }, { members: [a, b], mode: 'e2ee' });
    expect(code(r)).toBe('policy.mode_change');
    expect(!r.ok && r.error.message).toContain('visible to safety checks: a member is under 18');
    // The same through an invite link.
    expect(code(canJoinViaInvite(NSPCC, c, a, { A: ACCEPTED, B: ACCEPTED }, { members: [a, b], mode: 'e2ee' }))).toBe('policy.mode_change');
  });

  it('P7: a group made visible by a child who has since turned 18 refuses a new adult', () => {
    const [a, grown] = [adult('A'), adult('G')];
    const r = canAddToGroup(NSPCC, a, adult('D'), { A: ACCEPTED }, { members: [a, grown], mode: 'visible' });
    expect(code(r)).toBe('policy.mode_change');
  });
});

describe('G7: creating a group', () => {
  const [a, b] = [adult('A'), adult('B')];
  const c = child('C');

  it('G7: an adult creates a group with an adult contact and a child who is both adults’ contact', () => {
    const r = canCreateGroup(NSPCC, a, [b, c], { B: { A: ACCEPTED }, C: { A: ACCEPTED, B: ACCEPTED } });
    expect(code(r)).toBe('group.create_allowed');
    expect(conversationMode(NSPCC, [a, b, c]).mode).toBe('visible');
  });

  it('G7 G2: refused when the child is not the other adult’s contact, whatever the order', () => {
    expect(code(canCreateGroup(NSPCC, a, [b, c], { B: { A: ACCEPTED }, C: { A: ACCEPTED } }))).toBe('policy.adult_to_child');
    expect(code(canCreateGroup(NSPCC, a, [c, b], { B: { A: ACCEPTED }, C: { A: ACCEPTED } }))).toBe('policy.adult_to_child');
  });

  it('G7 G1: with contactsOnly on, refused when an invitee is not the creator’s contact; allowed by default', () => {
    expect(code(canCreateGroup(withRules({ rules: { contactsOnly: true } }), a, [b], {}))).toBe('policy.not_contact');
    expect(code(canCreateGroup(NSPCC, a, [b], {}))).toBe('group.create_allowed');
  });

  it('G7: a member listed twice, or the creator listed, is a bad request', () => {
    expect(code(canCreateGroup(NSPCC, a, [b, b], { B: { A: ACCEPTED } }))).toBe('request.invalid');
    expect(code(canCreateGroup(NSPCC, a, [a, b], { B: { A: ACCEPTED } }))).toBe('request.invalid');
  });

  it('G7 G5: size is checked at creation too', () => {
    const small = withRules({ rules: { maxGroupSizeWithChildren: 2 } });
    expect(code(canCreateGroup(small, c, [child('D'), child('E')], { D: { C: ACCEPTED }, E: { C: ACCEPTED } }))).toBe('conversation.too_many_members');
  });
});
