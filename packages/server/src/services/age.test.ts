import { describe, expect, it } from 'vitest';
import { ageBandOf, ageOn } from './age';

const at = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('ages', () => {
  it.each([
    ['2013-06-15', '2026-06-14', { ok: false, code: 'account.too_young' }],
    ['2013-06-15', '2026-06-15', { ok: true, band: 'child' }],
    ['2008-06-15', '2026-06-14', { ok: true, band: 'child' }],
    ['2008-06-15', '2026-06-15', { ok: true, band: 'adult' }],
    ['1960-01-01', '2026-06-15', { ok: true, band: 'adult' }],
    ['2027-01-01', '2026-06-15', { ok: false, code: 'account.birth_date_in_future' }],
  ] as const)('born %s, on %s', (birth, today, expected) => {
    expect(ageBandOf(birth, at(today))).toEqual(expected);
  });

  it('a 29 February birthday counts from 1 March in other years', () => {
    expect(ageOn('2008-02-29', at('2026-02-28'))).toBe(17);
    expect(ageOn('2008-02-29', at('2026-03-01'))).toBe(18);
  });
});
