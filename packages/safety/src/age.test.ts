import { describe, expect, it } from 'vitest';
import { ageBand, ageInYears, ageOn, calendarDateIn, parseCalendarDate } from './age';

const cal = (s: string) => parseCalendarDate(s)!;

describe('age bands', () => {
  it.each([
    // birth date, today, expected
    ['2013-11-24', '2026-11-24', 'child'], // 13 today
    ['2013-11-25', '2026-11-24', 'account.too_young'], // 13 tomorrow
    ['2008-11-24', '2026-11-24', 'adult'], // 18 today
    ['2008-11-25', '2026-11-24', 'child'], // 18 tomorrow
    ['2008-11-23', '2026-11-24', 'adult'],
    ['2011-06-01', '2026-11-24', 'child'], // 15
    ['1960-01-01', '2026-11-24', 'adult'],
    ['2020-01-01', '2026-11-24', 'account.too_young'],
    ['2026-11-24', '2026-11-24', 'account.too_young'], // born today
    ['2026-11-25', '2026-11-24', 'account.birth_date_in_future'],
    ['2030-01-01', '2026-11-24', 'account.birth_date_in_future'],
  ] as const)('A1 A2: born %s, on %s → %s', (birth, today, expected) => {
    const r = ageBand(birth, today);
    expect(r.ok ? r.value : r.error.code).toBe(expected);
  });

  it.each(['2011-02-30', '2011-13-01', '2011-00-10', '11-02-03', '2011-2-3', '', 'yesterday', '2023-02-29'])(
    'A1: %j is not a real calendar date → request.invalid, never a crash',
    (birth) => {
      const r = ageBand(birth, '2026-11-24');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toEqual({ code: 'request.invalid', message: expect.stringMatching(/calendar date/) });
    },
  );

  it('A1: refusals carry a sentence a person understands', () => {
    const young = ageBand('2020-01-01', '2026-11-24');
    expect(!young.ok && young.error.message).toBe('Haven is for people aged 13 and over.');
    const future = ageBand('2027-01-01', '2026-11-24');
    expect(!future.ok && future.error.message).toBe('The birth date is in the future.');
  });
});

describe('A3: 29 February birthdays become a year older on 1 March in non-leap years', () => {
  it.each([
    // birth, today, age
    ['2008-02-29', '2026-02-28', 17],
    ['2008-02-29', '2026-03-01', 18],
    ['2008-02-29', '2028-02-28', 19],
    ['2008-02-29', '2028-02-29', 20], // leap year: the birthday itself
  ] as const)('A3: born %s, on %s → %i', (birth, today, age) => {
    expect(ageOn(birth, today)).toEqual({ ok: true, value: age });
  });

  it('A3: a child born on 29 February 2008 is a child on 28 February 2026 and an adult on 1 March', () => {
    expect(ageBand('2008-02-29', '2026-02-28')).toEqual({ ok: true, value: 'child' });
    expect(ageBand('2008-02-29', '2026-03-01')).toEqual({ ok: true, value: 'adult' });
  });

  it('A3: turning 13 on 1 March when born on 29 February', () => {
    expect(ageBand('2012-02-29', '2025-02-28').ok).toBe(false);
    expect(ageBand('2012-02-29', '2025-03-01')).toEqual({ ok: true, value: 'child' });
  });

  it('A2: century rules: 2000 was a leap year, 2100 will not be', () => {
    expect(ageInYears(cal('2000-02-29'), cal('2100-02-28'))).toBe(99);
    expect(ageInYears(cal('2000-02-29'), cal('2100-03-01'))).toBe(100);
    expect(ageInYears(cal('2000-02-29'), cal('2004-02-29'))).toBe(4);
  });
});

describe('A4: the clock and the time zone come in as arguments', () => {
  it('A4: a child turning 18 today is an adult from midnight in London, not in UTC (summer time)', () => {
    // 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    const instant = new Date('2026-06-30T23:30:00Z');
    expect(ageBand('2008-07-01', instant)).toEqual({ ok: true, value: 'adult' });
    expect(ageBand('2008-07-01', instant, 'UTC')).toEqual({ ok: true, value: 'child' });
  });

  it('A4: in winter London is UTC', () => {
    expect(ageBand('2008-11-25', new Date('2026-11-24T23:59:59Z'))).toEqual({ ok: true, value: 'child' });
    expect(ageBand('2008-11-25', new Date('2026-11-25T00:00:00Z'))).toEqual({ ok: true, value: 'adult' });
  });

  it('A4: calendarDateIn reads the local calendar date; an invalid clock is a programming error', () => {
    expect(calendarDateIn(new Date('2026-03-28T23:30:00Z'), 'Pacific/Auckland')).toEqual({ year: 2026, month: 3, day: 29 });
    expect(() => calendarDateIn(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => ageBand('2000-01-01', 'not a date')).toThrow(RangeError);
  });

  it('A4: the date kept for the second asked in turns at midnight, per zone, and callers cannot change it', () => {
    expect(calendarDateIn(new Date('2026-03-28T23:59:59.000Z'), 'UTC')).toEqual({ year: 2026, month: 3, day: 28 });
    expect(calendarDateIn(new Date('2026-03-28T23:59:59.999Z'), 'UTC')).toEqual({ year: 2026, month: 3, day: 28 });
    expect(calendarDateIn(new Date('2026-03-29T00:00:00.000Z'), 'UTC')).toEqual({ year: 2026, month: 3, day: 29 });
    // The same second in two zones: each its own date.
    expect(calendarDateIn(new Date('2026-03-28T23:30:00Z'), 'Europe/London')).toEqual({ year: 2026, month: 3, day: 28 });
    expect(calendarDateIn(new Date('2026-03-28T23:30:00Z'), 'Pacific/Auckland')).toEqual({ year: 2026, month: 3, day: 29 });
    expect(calendarDateIn(new Date('2026-03-28T23:30:00Z'), 'Europe/London')).toEqual({ year: 2026, month: 3, day: 28 });
    // London's midnight on the day its clocks go forward (00:00 GMT), to the millisecond.
    expect(calendarDateIn(new Date('2026-03-28T23:59:59.999Z'), 'Europe/London')).toEqual({ year: 2026, month: 3, day: 28 });
    expect(calendarDateIn(new Date('2026-03-29T00:00:00.000Z'), 'Europe/London')).toEqual({ year: 2026, month: 3, day: 29 });
    const mine = calendarDateIn(new Date('2026-03-29T00:00:00.500Z'), 'Europe/London');
    mine.day = 1;
    expect(calendarDateIn(new Date('2026-03-29T00:00:00.600Z'), 'Europe/London')).toEqual({ year: 2026, month: 3, day: 29 });
  });

  it('A4: the same inputs always give the same answer (no hidden clock)', () => {
    const a = ageBand('2010-05-05', '2026-05-04');
    const b = ageBand('2010-05-05', '2026-05-04');
    expect(a).toEqual(b);
    expect(a).toEqual({ ok: true, value: 'child' });
  });
});
