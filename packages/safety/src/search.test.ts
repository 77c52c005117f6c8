import { describe, expect, it } from 'vitest';
import { policyFor } from './config';
import { PRESET_NAMES } from './presets';
import { appearsInSearch } from './search';
import { RELATIONSHIPS, adult, child, configured, type RelationshipName } from '../test/fixtures';

// searcher → candidate, relationship (from the searcher) → shown?, code, under the default rules of every preset.
const TABLE: [string, RelationshipName, boolean, string][] = [];
for (const name of Object.keys(RELATIONSHIPS) as RelationshipName[]) {
  const blocked = name.startsWith('blocked');
  TABLE.push(
    ['A→A', name, !blocked, blocked ? 'search.hidden_blocked' : 'search.shown'],
    ['A→C', name, false, blocked ? 'search.hidden_blocked' : 'search.hidden_child_from_adult'],
    ['C→A', name, !blocked, blocked ? 'search.hidden_blocked' : 'search.shown'],
    ['C→C', name, !blocked, blocked ? 'search.hidden_blocked' : 'search.shown'],
  );
}

describe('search visibility, every band pair × every relationship × every preset', () => {
  describe.each(PRESET_NAMES)('%s', (preset) => {
    const policy = policyFor(preset);
    it.each(TABLE)('S1 S2 S3 S4: %s, %s → shown %s (%s)', (pair, name, shown, code) => {
      const searcher = pair[0] === 'A' ? adult('s') : child('s');
      const candidate = pair[2] === 'A' ? adult('c') : child('c');
      expect(appearsInSearch(policy, searcher, candidate, RELATIONSHIPS[name])).toMatchObject({ shown, code });
    });
  });

  it('S1: children are hidden from adults even when they are contacts (reached from the contact list, not search)', () => {
    expect(appearsInSearch(policyFor(), adult('a'), child('c'), RELATIONSHIPS.accepted)).toEqual({
      shown: false,
      code: 'search.hidden_child_from_adult',
      reason: 'Hidden: people under 18 are not found by adults.',
    });
  });

  it('S2: an operator may hide children from other children (rules.childrenFindChildrenInSearch)', () => {
    const policy = configured({ rules: { childrenFindChildrenInSearch: false } });
    expect(appearsInSearch(policy, child('a'), child('b'), RELATIONSHIPS.none)).toMatchObject({ shown: false, code: 'search.hidden_child_from_child' });
    expect(appearsInSearch(policy, child('a'), adult('b'), RELATIONSHIPS.none).shown).toBe(true);
  });

  it('S1: an operator may show children to adults (rules.adultsFindChildrenInSearch); blocks still hide', () => {
    const policy = configured({ rules: { adultsFindChildrenInSearch: true } });
    expect(appearsInSearch(policy, adult('a'), child('c'), RELATIONSHIPS.none).shown).toBe(true);
    expect(appearsInSearch(policy, adult('a'), child('c'), RELATIONSHIPS['blocked by them']).shown).toBe(false);
  });

  it('S4: nobody appears in their own search', () => {
    expect(appearsInSearch(policyFor(), adult('a'), adult('a'), RELATIONSHIPS.none)).toMatchObject({ shown: false, code: 'search.hidden_self' });
  });
});
