import type { AgeBand } from '@haven/protocol';
import { ageBand, ageOn as safetyAgeOn, DEFAULT_TIME_ZONE } from '@haven/safety';

// Thin wrappers over @haven/safety's age rules (A1–A4): birthdays are local dates in the policy's time zone.

/** Whole years between a 'YYYY-MM-DD' birth date and `now`, read in `timeZone` (default Europe/London). */
export function ageOn(birthDate: string, now: Date, timeZone: string = DEFAULT_TIME_ZONE): number {
  const r = safetyAgeOn(birthDate, now, timeZone);
  if (r.ok) return r.value;
  return r.error.code === 'account.birth_date_in_future' ? -1 : 0;
}

export type AgeDecision = { ok: true; band: AgeBand } | { ok: false; code: 'account.too_young' | 'account.birth_date_in_future' | 'request.invalid' };

/** Under 13 refused; 13–17 `child`; 18+ `adult`. The clock comes in so birthdays are testable. */
export function ageBandOf(birthDate: string, now: Date, timeZone: string = DEFAULT_TIME_ZONE): AgeDecision {
  const r = ageBand(birthDate, now, timeZone);
  return r.ok ? { ok: true, band: r.value } : { ok: false, code: r.error.code as 'account.too_young' };
}

/** The band of an existing account at `now` (a stored date that gives none, after a correction, counts as a child's). */
export function bandOf(birthDate: string, now: Date, timeZone: string = DEFAULT_TIME_ZONE): AgeBand {
  const r = ageBandOf(birthDate, now, timeZone);
  return r.ok ? r.band : 'child';
}
