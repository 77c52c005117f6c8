import type { AgeBand } from '@haven/protocol';

/** Whole years between a 'YYYY-MM-DD' birth date and `now`, in UTC. */
export function ageOn(birthDate: string, now: Date): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let age = now.getUTCFullYear() - y;
  const month = now.getUTCMonth() + 1;
  if (month < m || (month === m && now.getUTCDate() < d)) age -= 1;
  return age;
}

/** The band of an existing account today (accounts are 13+ by construction). */
export const bandOf = (birthDate: string, now: Date): AgeBand => (ageOn(birthDate, now) >= 18 ? 'adult' : 'child');

export type AgeDecision = { ok: true; band: AgeBand } | { ok: false; code: 'account.too_young' | 'account.birth_date_in_future' };

/** Under 13 refused; 13–17 `child`; 18+ `adult`. The clock comes in so birthdays are testable. */
export function ageBandOf(birthDate: string, now: Date): AgeDecision {
  if (new Date(`${birthDate}T00:00:00Z`).getTime() > now.getTime()) return { ok: false, code: 'account.birth_date_in_future' };
  const age = ageOn(birthDate, now);
  if (age < 13) return { ok: false, code: 'account.too_young' };
  return { ok: true, band: age < 18 ? 'child' : 'adult' };
}
