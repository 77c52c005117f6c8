import { describe, expect, it } from 'vitest';
import {
  FORCE_BUCKETS,
  POLICE_FORCE_AREAS,
  forceBucketOf,
  forceFromName,
  isForceAreaCode,
  isRegionCode,
  regionFromInput,
} from './police-forces';

describe('police force areas', () => {
  it('F1: exactly 43 territorial police force areas, 39 in England and 4 in Wales, codes unique', () => {
    expect(POLICE_FORCE_AREAS).toHaveLength(43);
    expect(POLICE_FORCE_AREAS.filter((f) => f.country === 'England')).toHaveLength(39);
    expect(POLICE_FORCE_AREAS.filter((f) => f.country === 'Wales')).toHaveLength(4);
    expect(new Set(POLICE_FORCE_AREAS.map((f) => f.code)).size).toBe(43);
    expect(POLICE_FORCE_AREAS[0]).toEqual({ code: 'E23000001', name: 'Metropolitan Police', country: 'England' });
    expect(POLICE_FORCE_AREAS[42]).toEqual({ code: 'W15000004', name: 'Dyfed-Powys', country: 'Wales' });
  });

  it('F2: British Transport Police, the other regions and "not known" are buckets of their own, after the 43', () => {
    expect(FORCE_BUCKETS.map((b) => b.code).slice(43)).toEqual(['BTP', 'scotland', 'northern-ireland', 'elsewhere', 'not-known']);
    expect(forceBucketOf(null)).toBe('not-known');
    expect(forceBucketOf('E23000035')).toBe('E23000035');
    expect(forceBucketOf('BTP')).toBe('BTP');
    expect(forceBucketOf('scotland')).toBe('scotland');
    // A stale or made-up region is not silently some force.
    expect(forceBucketOf('GB')).toBe('not-known');
  });

  it.each([
    ['Devon & Cornwall', 'E23000035'],
    ['Devon and Cornwall', 'E23000035'],
    ['Devon and Cornwall Police', 'E23000035'],
    ['City of London', 'E23000034'],
    ['London, City of', 'E23000034'],
    ['City of London Police', 'E23000034'],
    ['Metropolitan Police Service', 'E23000001'],
    ['metropolitan police', 'E23000001'],
    ['Dyfed Powys', 'W15000004'],
    ['Dyfed-Powys Police', 'W15000004'],
    ['Avon & Somerset Constabulary', 'E23000036'],
    ['Hampshire and Isle of Wight Constabulary', 'E23000030'],
    ['  greater   MANCHESTER police ', 'E23000005'],
    ['British Transport Police', 'BTP'],
    ['W15000002', 'W15000002'],
    ['e23000010', 'E23000010'],
  ])('F4: "%s" names %s', (name, code) => {
    expect(forceFromName(name)).toBe(code);
  });

  it.each(['Northshire', 'Westshire', '', 'Police', 'Devon', 'E23000040', 'W15000005'])('F4: "%s" names no force', (name) => {
    expect(forceFromName(name)).toBeUndefined();
  });

  it('F3: Scotland, Northern Ireland and elsewhere are regions but not police force areas; BTP is neither', () => {
    for (const code of ['scotland', 'northern-ireland', 'elsewhere']) {
      expect(isRegionCode(code)).toBe(true);
      expect(isForceAreaCode(code)).toBe(false);
    }
    expect(isRegionCode('BTP')).toBe(false);
    expect(isRegionCode('not-known')).toBe(false);
    expect(regionFromInput('Northern Ireland')).toBe('northern-ireland');
    expect(regionFromInput('Devon and Cornwall')).toBe('E23000035');
    expect(regionFromInput('British Transport Police')).toBeUndefined();
    expect(regionFromInput('not known')).toBeUndefined();
    expect(regionFromInput('Atlantis')).toBeUndefined();
  });
});
