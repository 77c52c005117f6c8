import type { Result } from '@haven/protocol';

// Reporting periods (T1, T2 in SPEC.md): a month `2026-09`, a quarter `2026-Q3`, a year `2026`, or a range
// of days `2026-07-01..2026-09-30` (both days included). Boundaries are UTC midnights: unambiguous, no
// daylight-saving hour counted twice or not at all.

export interface Period {
  /** As given, normalised (`2026-Q3`). */
  readonly label: string;
  readonly kind: 'month' | 'quarter' | 'year' | 'range';
  /** First instant in the period. */
  readonly start: Date;
  /** First instant after the period (exclusive). */
  readonly end: Date;
}

export interface PeriodError {
  readonly message: string;
}

const utc = (y: number, m0: number, d = 1): Date => new Date(Date.UTC(y, m0, d));

function day(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = utc(y, mo - 1, d);
  // 2026-02-30 rolls over to March: not a real day.
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? date : undefined;
}

function shape(text: string): Period | string {
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})$/.exec(text))) {
    const y = Number(m[1]);
    return { label: text, kind: 'year', start: utc(y, 0), end: utc(y + 1, 0) };
  }
  if ((m = /^(\d{4})-[Qq]([1-4])$/.exec(text))) {
    const [y, q] = [Number(m[1]), Number(m[2])];
    return { label: `${y}-Q${q}`, kind: 'quarter', start: utc(y, (q - 1) * 3), end: utc(y, q * 3) };
  }
  if ((m = /^(\d{4})-(\d{2})$/.exec(text))) {
    const [y, mo] = [Number(m[1]), Number(m[2])];
    if (mo < 1 || mo > 12) return `month ${m[2]} does not exist`;
    return { label: text, kind: 'month', start: utc(y, mo - 1), end: utc(y, mo) };
  }
  if ((m = /^(\S+)\.\.(\S+)$/.exec(text))) {
    const [from, to] = [day(m[1]!), day(m[2]!)];
    if (!from) return `"${m[1]}" is not a date (YYYY-MM-DD)`;
    if (!to) return `"${m[2]}" is not a date (YYYY-MM-DD)`;
    if (to < from) return `the range ends (${m[2]}) before it starts (${m[1]})`;
    return { label: `${m[1]}..${m[2]}`, kind: 'range', start: from, end: new Date(to.getTime() + 86_400_000) };
  }
  return 'expected a month (2026-09), a quarter (2026-Q3), a year (2026) or a range of days (2026-07-01..2026-09-30)';
}

/**
 * Parses a reporting period (T1). A period that has not started at `now` is refused (T2); one that has
 * started but not ended is allowed and is `partial` in reports.
 * @example parsePeriod('2026-Q3', now) // { ok: true, value: { label: '2026-Q3', start: 2026-07-01, end: 2026-10-01 } }
 */
export function parsePeriod(text: string, now: Date): Result<Period, PeriodError> {
  const p = shape(text.trim());
  if (typeof p === 'string') return { ok: false, error: { message: `period "${text}": ${p}` } };
  if (p.start.getTime() > now.getTime()) {
    return { ok: false, error: { message: `period "${text}" is in the future: it starts on ${p.start.toISOString().slice(0, 10)}` } };
  }
  return { ok: true, value: p };
}

/** Whether an instant lies in the period (start included, end excluded). */
export function inPeriod(p: Period, at: Date | null | undefined): boolean {
  return at != null && at.getTime() >= p.start.getTime() && at.getTime() < p.end.getTime();
}

/** The quarter that contains `now` (the default period). */
export function currentQuarter(now: Date): string {
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}
