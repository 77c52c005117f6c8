import { ERRORS, err, ok, type AgeBand, type ErrorCode, type Result } from '@haven/protocol';

/** A calendar date as numbers; months 1–12. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** The youngest age Haven accepts, and the age at which a person is an adult (A1). */
export const MIN_AGE = 13;
export const ADULT_AGE = 18;

/** The legal calendar is the UK's by default: a birthday is a local date, not a UTC instant (A4). */
export const DEFAULT_TIME_ZONE = 'Europe/London';

/** Registered error codes only: removing one from the registry breaks this type. */
export interface AgeError {
  code: Extract<ErrorCode, 'account.too_young' | 'account.birth_date_in_future' | 'request.invalid'>;
  message: string;
}

/** Parses `YYYY-MM-DD` into a real calendar date, or `undefined` (e.g. `2023-02-29`). */
export function parseCalendarDate(s: string): CalendarDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Making an Intl.DateTimeFormat costs far more than using one (it was a tenth of the server's time on
// the message path, where ages are read per member): one per time zone, kept.
const formats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    // Zones are few (config and accounts' regions); the bound only guards against a caller passing many.
    if (formats.size >= 64) formats.clear();
    formats.set(timeZone, f);
  }
  return f;
}

/**
 * The calendar date of `instant` in `timeZone` (IANA name). Throws on an invalid Date or zone: both are
 * programming errors, since the clock and the validated config come from the caller.
 */
export function calendarDateIn(instant: Date, timeZone: string = DEFAULT_TIME_ZONE): CalendarDate {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('calendarDateIn: invalid Date');
  // The message path asks for today's date per member of every message (formatToParts was 1 % of the
  // server's time at 5,000 msgs/s): the answer is kept per zone for the second it was asked in. Every
  // zone's offset, historical ones included, is a whole number of seconds, so a date never changes
  // within a second.
  const second = Math.floor(ms / 1000);
  const last = lastDates.get(timeZone);
  if (last?.second === second) return { ...last.date };
  const parts = dateFormat(timeZone).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const date = { year: get('year'), month: get('month'), day: get('day') };
  if (lastDates.size >= 64) lastDates.clear();
  lastDates.set(timeZone, { second, date });
  return { ...date };
}
const lastDates = new Map<string, { second: number; date: CalendarDate }>();

/**
 * Whole years between `birth` and `today`. Someone born on 29 February gains a year on 1 March in a
 * non-leap year, as in England and Wales (A3); everyone else on the same month and day (A2).
 */
export function ageInYears(birth: CalendarDate, today: CalendarDate): number {
  const [bm, bd] = birth.month === 2 && birth.day === 29 && !isLeapYear(today.year) ? [3, 1] : [birth.month, birth.day];
  const hadBirthday = today.month > bm || (today.month === bm && today.day >= bd);
  return today.year - birth.year - (hadBirthday ? 0 : 1);
}

function compare(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/**
 * Whole years of age of someone born on `birthDate` on `today` (a clock reading, read in `timeZone`, or
 * a calendar date). Refuses a birth date after today (`account.birth_date_in_future`) and one that is
 * not a real calendar date (`request.invalid`).
 *
 * @example
 * ageOn('2008-02-29', '2026-02-28') // { ok: true, value: 17 }: 18 on 1 March
 */
export function ageOn(birthDate: string, today: Date | string, timeZone: string = DEFAULT_TIME_ZONE): Result<number, AgeError> {
  const birth = parseCalendarDate(birthDate);
  if (!birth) return err({ code: 'request.invalid', message: 'The birth date is not a real calendar date (YYYY-MM-DD).' });
  const now = typeof today === 'string' ? parseCalendarDate(today) : calendarDateIn(today, timeZone);
  if (!now) throw new RangeError(`ageOn: today is not a calendar date: ${String(today)}`);
  if (compare(birth, now) > 0) return err({ code: 'account.birth_date_in_future', message: ERRORS['account.birth_date_in_future'].message });
  return ok(ageInYears(birth, now));
}

/**
 * The age band of someone born on `birthDate`, on `today`: `child` from 13 to 17, `adult` from 18 (A1).
 * Under 13 is refused with `account.too_young`, and the refusals of `ageOn` pass through.
 *
 * @example
 * ageBand('2011-06-01', '2026-06-01') // { ok: true, value: 'child' } (15)
 * ageBand('2008-11-24', new Date('2026-11-24T00:30:00Z')) // { ok: true, value: 'adult' }: 18 today in London
 */
export function ageBand(birthDate: string, today: Date | string, timeZone: string = DEFAULT_TIME_ZONE): Result<AgeBand, AgeError> {
  const age = ageOn(birthDate, today, timeZone);
  if (!age.ok) return age;
  if (age.value < MIN_AGE) return err({ code: 'account.too_young', message: ERRORS['account.too_young'].message });
  return ok(age.value >= ADULT_AGE ? 'adult' : 'child');
}
