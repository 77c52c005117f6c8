import { describe, expect, it } from 'vitest';
import { policyFor } from './config';
import { knowsByHandle } from './lookup';
import { RELATIONSHIPS, adult, child, configured, type RelationshipName } from '../test/fixtures';

// C9 (issue 13, 2): what an account may learn about another by naming its handle. Expected values are
// written out for every relationship.

const NSPCC = policyFor('nspcc');
const A = adult('a');
const A2 = adult('a2');
const C = child('c');
const C2 = child('c2');

const ADULT_KNOWS_CHILD: Record<RelationshipName, boolean> = {
  none: false,
  'pending (I asked)': true,
  'pending (they asked)': true,
  accepted: true,
  'blocked by me': true,
  'blocked by them': true,
  'blocked by me, no contact': true,
  'blocked by them, no contact': false,
};

describe('C9: knowsByHandle', () => {
  it('lists the relationships it is tested against', () => {
    expect(Object.keys(RELATIONSHIPS)).toEqual(Object.keys(ADULT_KNOWS_CHILD));
  });

  it.each(Object.keys(RELATIONSHIPS) as RelationshipName[])('C9: an adult learns a child exists only when connected (relationship %s)', (name) => {
    expect(knowsByHandle(NSPCC, A, C, RELATIONSHIPS[name])).toBe(ADULT_KNOWS_CHILD[name]);
  });

  it.each(Object.keys(RELATIONSHIPS) as RelationshipName[])('C9: children and adults looking up adults, and children looking up children, always do (%s)', (name) => {
    expect(knowsByHandle(NSPCC, C, A, RELATIONSHIPS[name])).toBe(true);
    expect(knowsByHandle(NSPCC, C, C2, RELATIONSHIPS[name])).toBe(true);
    expect(knowsByHandle(NSPCC, A, A2, RELATIONSHIPS[name])).toBe(true);
  });

  it('C9: nothing is hidden where the rules let adults find or ask children', () => {
    expect(knowsByHandle(configured({ rules: { adultsFindChildrenInSearch: true } }), A, C, RELATIONSHIPS.none)).toBe(true);
    expect(knowsByHandle(configured({ rules: { adultsMayRequestChildren: true } }), A, C, RELATIONSHIPS.none)).toBe(true);
  });
});
