import { describe, expect, it } from 'vitest';
import { currentQuarter, inPeriod, parsePeriod } from './period';

const now = new Date('2026-11-30T08:00:00Z');
const ok = (text: string) => {
  const r = parsePeriod(text, now);
  if (!r.ok) throw new Error(r.error.message);
  return { label: r.value.label, kind: r.value.kind, start: r.value.start.toISOString(), end: r.value.end.toISOString() };
};
const bad = (text: string) => {
  const r = parsePeriod(text, now);
  if (r.ok) throw new Error(`${text} was accepted`);
  return r.error.message;
};

describe('periods', () => {
  it('T1: a month, a quarter, a year and a range of days, UTC, end exclusive', () => {
    expect(ok('2026-09')).toEqual({ label: '2026-09', kind: 'month', start: '2026-09-01T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z' });
    expect(ok('2026-Q3')).toEqual({ label: '2026-Q3', kind: 'quarter', start: '2026-07-01T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z' });
    expect(ok('2026-q4')).toEqual({ label: '2026-Q4', kind: 'quarter', start: '2026-10-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
    expect(ok('2025')).toEqual({ label: '2025', kind: 'year', start: '2025-01-01T00:00:00.000Z', end: '2026-01-01T00:00:00.000Z' });
    expect(ok('2026-07-01..2026-09-30')).toEqual({ label: '2026-07-01..2026-09-30', kind: 'range', start: '2026-07-01T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z' });
    expect(ok('2026-11-30..2026-11-30')).toMatchObject({ start: '2026-11-30T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' });
  });

  it('T1: the first instant is in, the first instant after is out', () => {
    const q3 = parsePeriod('2026-Q3', now);
    if (!q3.ok) throw new Error('unreachable');
    expect(inPeriod(q3.value, new Date('2026-07-01T00:00:00.000Z'))).toBe(true);
    expect(inPeriod(q3.value, new Date('2026-09-30T23:59:59.999Z'))).toBe(true);
    expect(inPeriod(q3.value, new Date('2026-10-01T00:00:00.000Z'))).toBe(false);
    expect(inPeriod(q3.value, new Date('2026-06-30T23:59:59.999Z'))).toBe(false);
    expect(inPeriod(q3.value, null)).toBe(false);
  });

  it('T2: a period that has not started is refused with a message naming it; the current one is allowed', () => {
    expect(bad('2026-12')).toBe('period "2026-12" is in the future: it starts on 2026-12-01');
    expect(bad('2027')).toBe('period "2027" is in the future: it starts on 2027-01-01');
    expect(bad('2026-12-01..2026-12-31')).toBe('period "2026-12-01..2026-12-31" is in the future: it starts on 2026-12-01');
    expect(ok('2026-Q4').label).toBe('2026-Q4');
    expect(ok('2026-11').label).toBe('2026-11');
  });

  it('T2: an inverted range, an impossible date and unknown shapes are refused', () => {
    expect(bad('2026-09-30..2026-07-01')).toBe('period "2026-09-30..2026-07-01": the range ends (2026-07-01) before it starts (2026-09-30)');
    expect(bad('2026-02-30..2026-03-01')).toBe('period "2026-02-30..2026-03-01": "2026-02-30" is not a date (YYYY-MM-DD)');
    expect(bad('2026-13')).toBe('period "2026-13": month 13 does not exist');
    expect(bad('2026-Q5')).toMatch(/^period "2026-Q5": expected a month \(2026-09\), a quarter \(2026-Q3\)/);
    expect(bad('last quarter')).toMatch(/^period "last quarter": expected/);
    expect(bad('')).toMatch(/^period "": expected/);
  });

  it('T1: the current quarter is the default', () => {
    expect(currentQuarter(now)).toBe('2026-Q4');
    expect(currentQuarter(new Date('2026-03-31T23:59:59Z'))).toBe('2026-Q1');
  });
});
