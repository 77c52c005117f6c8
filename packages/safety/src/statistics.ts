import { FORCE_BUCKETS, type ForceBucket } from './police-forces';
import { inPeriod, type Period } from './period';

// Transparency statistics over incidents (T3–T9 in SPEC.md). Pure: the server reads the incidents and the
// clock and passes them in; this counts, suppresses and labels.

/** Where the content was: a direct (1:1) message, a group message, media (any conversation), a profile. */
export const SURFACES = ['direct', 'group', 'media', 'profile'] as const;
export type Surface = (typeof SURFACES)[number];
export const SURFACE_NAMES: Readonly<Record<Surface, string>> = {
  direct: 'Direct messages',
  group: 'Groups',
  media: 'Media',
  profile: 'Profiles',
};

/** How the incident was first found. All but `user-report` are proactive (T5). */
export const METHODS = ['server-hash', 'device-hash', 'user-report', 'risk-signal'] as const;
export type Method = (typeof METHODS)[number];
export const METHOD_NAMES: Readonly<Record<Method, string>> = {
  'server-hash': 'Server hash match',
  'device-hash': 'Device hash match',
  'user-report': 'User report',
  'risk-signal': 'Risk signal',
};
const PROACTIVE: ReadonlySet<Method> = new Set(['server-hash', 'device-hash', 'risk-signal']);

export const STAT_DIMENSIONS = ['force', 'surface', 'method'] as const;
export type StatDimension = (typeof STAT_DIMENSIONS)[number];

/** One case actioned as a violation, as the server's repository reads it (T3). */
export interface Incident {
  readonly id: string;
  /** The police force area bucket (the child's region, else the subject's; see docs/STATISTICS.md). */
  readonly force: ForceBucket;
  /** null: not recorded. */
  readonly surface: Surface | null;
  /** How the case was first found; null: not recorded. */
  readonly method: Method | null;
  /** When it was decided to be a violation; null: not (yet) actioned, never counted. */
  readonly actionedAt: Date | null;
  /** Items of content removed or blocked by the action. */
  readonly contentItems: number;
  readonly referredAt: Date | null;
  readonly appealedAt: Date | null;
  /** When an appeal restored the content or lifted the action. */
  readonly restoredAt: Date | null;
}

/** An exact count, or the suppression label (`<5`) in a public view (T7). */
export type Count = number | string;

export interface StatRow {
  readonly key: string;
  readonly name: string;
  readonly incidents: Count;
  /** By surface (rows by force or method) or by method (rows by surface); `not-recorded` last. */
  readonly breakdown: Readonly<Record<string, Count>>;
  readonly referrals: Count;
  readonly contentActioned: Count;
  readonly proactive: Count;
  /** Percent of incidents with a recorded method that were proactive, one decimal; null when none recorded or suppressed. */
  readonly proactivePercent: number | null;
  readonly appealed: Count;
  readonly restored: Count;
}

export interface Share {
  readonly key: string;
  readonly name: string;
  readonly count: Count;
  /** Percent of the recorded, one decimal; null when the recorded base is itself suppressed. */
  readonly percent: number | null;
}

export interface Shares {
  /** Incidents where it was recorded, and where it was not: the base of the percentages. */
  readonly recorded: Count;
  readonly notRecorded: Count;
  readonly shares: readonly Share[];
  /** "Of the 40 incidents where the method was recorded, 50.0% were found by server hash match, …" */
  readonly sentence: string;
}

export interface Suppression {
  /** Counts from 1 to below-1 are shown as `<below`; 0 means no suppression. */
  readonly below: number;
  readonly rule: string;
}

export interface StatisticsReport {
  readonly period: { readonly label: string; readonly start: string; readonly end: string; readonly partial: boolean };
  readonly computedAt: string;
  readonly suppression: Suppression;
  readonly by: StatDimension;
  readonly columns: readonly { readonly key: string; readonly name: string }[];
  readonly rows: readonly StatRow[];
  readonly total: StatRow;
  readonly shares: { readonly method: Shares; readonly surface: Shares };
}

export interface StatisticsOptions {
  readonly by: StatDimension;
  /** 5 (the public default) shows 1–4 as `<5`; 0 shows every count. */
  readonly suppressBelow: number;
  readonly computedAt: Date;
}

export const NOT_RECORDED = { key: 'not-recorded', name: 'Not recorded' } as const;

/** The suppression rule in words (T7). */
export function suppressionOf(below: number): Suppression {
  if (below <= 1) return { below: 0, rule: 'none: every count is exact' };
  const small = below === 2 ? 'counts of 1 are' : `counts from 1 to ${below - 1} are`;
  return { below, rule: `${small} shown as <${below}; totals are computed from exact counts before suppression` };
}

interface Tally {
  incidents: number;
  breakdown: Map<string, number>;
  referrals: number;
  contentActioned: number;
  proactive: number;
  methodRecorded: number;
  appealed: number;
  restored: number;
}

const tally = (): Tally => ({ incidents: 0, breakdown: new Map(), referrals: 0, contentActioned: 0, proactive: 0, methodRecorded: 0, appealed: 0, restored: 0 });

function rowKeys(by: StatDimension): readonly { key: string; name: string }[] {
  switch (by) {
    case 'force':
      return FORCE_BUCKETS.map((b) => ({ key: b.code, name: b.name }));
    case 'surface':
      return [...SURFACES.map((s) => ({ key: s, name: SURFACE_NAMES[s] })), NOT_RECORDED];
    case 'method':
      return [...METHODS.map((m) => ({ key: m, name: METHOD_NAMES[m] })), NOT_RECORDED];
    default:
      return assertNever(by);
  }
}

function columnKeys(by: StatDimension): readonly { key: string; name: string }[] {
  return by === 'surface'
    ? [...METHODS.map((m) => ({ key: m, name: METHOD_NAMES[m] })), NOT_RECORDED]
    : [...SURFACES.map((s) => ({ key: s, name: SURFACE_NAMES[s] })), NOT_RECORDED];
}

function rowKeyOf(by: StatDimension, i: Incident): string {
  switch (by) {
    case 'force':
      return i.force;
    case 'surface':
      return i.surface ?? NOT_RECORDED.key;
    case 'method':
      return i.method ?? NOT_RECORDED.key;
    default:
      return assertNever(by);
  }
}

const columnKeyOf = (by: StatDimension, i: Incident): string =>
  (by === 'surface' ? i.method : i.surface) ?? NOT_RECORDED.key;

const percent = (part: number, whole: number): number => Math.round((part / whole) * 1000) / 10;

function shares(
  incidents: readonly Incident[],
  keys: readonly string[],
  names: Readonly<Record<string, string>>,
  of: (i: Incident) => string | null,
  what: string,
  verb: string,
  hide: (n: number) => Count,
): Shares {
  const counts = new Map<string, number>();
  let notRecorded = 0;
  for (const i of incidents) {
    const k = of(i);
    if (k === null) notRecorded++;
    else counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const recorded = incidents.length - notRecorded;
  // Percentages of a suppressed base would give its parts away (T7).
  const shown = recorded > 0 && typeof hide(recorded) === 'number';
  const list = keys.map((k) => {
    const count = hide(counts.get(k) ?? 0);
    return { key: k, name: names[k]!, count, percent: shown && typeof count === 'number' ? percent(count, recorded) : null };
  });
  const sentence = shown
    ? `Of the ${recorded} incidents where the ${what} was recorded, ${list.map((s) => `${s.percent === null ? 'a suppressed share' : `${s.percent.toFixed(1)}%`} ${verb} ${s.name.toLowerCase()}`).join(', ')}` +
      (notRecorded ? `; it was not recorded for ${hide(notRecorded)}.` : '.')
    : recorded > 0
      ? `The ${what} was recorded for ${hide(recorded)} incidents: too few to show shares.`
      : `The ${what} was recorded for none of the ${hide(incidents.length)} incidents.`;
  return { recorded: hide(recorded), notRecorded: hide(notRecorded), shares: list, sentence };
}

/**
 * Counts incidents in a period by police force area, surface or method (T3–T9).
 * @example computeStatistics(incidents, parsePeriod('2026-Q3', now).value, { by: 'force', suppressBelow: 5, computedAt: now })
 */
export function computeStatistics(incidents: readonly Incident[], period: Period, opts: StatisticsOptions): StatisticsReport {
  const suppression = suppressionOf(opts.suppressBelow);
  const rows = new Map<string, Tally>(rowKeys(opts.by).map((r) => [r.key, tally()]));
  const total = tally();
  const actioned = incidents.filter((i) => inPeriod(period, i.actionedAt));

  const add = (i: Incident, f: (t: Tally) => void): void => {
    f(total);
    // An unknown force code (a future bucket) still counts in the total and in "not known" (T3).
    f(rows.get(rowKeyOf(opts.by, i)) ?? rows.get(opts.by === 'force' ? 'not-known' : NOT_RECORDED.key)!);
  };
  for (const i of actioned) {
    add(i, (t) => {
      t.incidents++;
      const c = columnKeyOf(opts.by, i);
      t.breakdown.set(c, (t.breakdown.get(c) ?? 0) + 1);
      t.contentActioned += i.contentItems;
      if (i.method !== null) {
        t.methodRecorded++;
        if (PROACTIVE.has(i.method)) t.proactive++;
      }
    });
  }
  // Referrals, appeals and restorations count in the period they happened (T4, T6).
  for (const i of incidents) {
    if (inPeriod(period, i.referredAt)) add(i, (t) => t.referrals++);
    if (inPeriod(period, i.appealedAt)) add(i, (t) => t.appealed++);
    if (inPeriod(period, i.restoredAt)) add(i, (t) => t.restored++);
  }

  const columns = columnKeys(opts.by);
  const hide = (n: number): Count => (suppression.below > 0 && n > 0 && n < suppression.below ? `<${suppression.below}` : n);
  const row = (key: string, name: string, t: Tally): StatRow => ({
    key,
    name,
    incidents: hide(t.incidents),
    breakdown: Object.fromEntries(columns.map((c) => [c.key, hide(t.breakdown.get(c.key) ?? 0)])),
    referrals: hide(t.referrals),
    contentActioned: hide(t.contentActioned),
    proactive: hide(t.proactive),
    // A rate over a suppressed count would give the count away (T7).
    proactivePercent: t.methodRecorded === 0 || typeof hide(t.incidents) === 'string' ? null : percent(t.proactive, t.methodRecorded),
    appealed: hide(t.appealed),
    restored: hide(t.restored),
  });

  return {
    period: {
      label: period.label,
      start: period.start.toISOString(),
      end: period.end.toISOString(),
      partial: opts.computedAt.getTime() < period.end.getTime(),
    },
    computedAt: opts.computedAt.toISOString(),
    suppression,
    by: opts.by,
    columns,
    rows: rowKeys(opts.by).map((r) => row(r.key, r.name, rows.get(r.key)!)),
    total: row('total', 'Total', total),
    shares: {
      method: shares(actioned, METHODS, METHOD_NAMES, (i) => i.method, 'method', 'were found by', hide),
      surface: shares(actioned, SURFACES, SURFACE_NAMES, (i) => i.surface, 'surface', 'were in', hide),
    },
  };
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${String(x)}`);
}
