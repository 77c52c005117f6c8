import { HavenError } from '@haven/protocol';
import {
  complianceReport,
  computeStatistics,
  currentQuarter,
  forceBucketOf,
  parsePeriod,
  type ComplianceReport,
  type Incident,
  type Method,
  type ModerationFacts,
  type Period,
  type StatDimension,
  type StatisticsReport,
  type Surface,
} from '@haven/safety';
import type { Services } from '../services/context';
import type { Kysely } from 'kysely';
import type { Database, IncidentRow } from '../storage/database';
import { MIGRATIONS } from '../storage/migrations/index';
import { findAccountsByIds } from '../storage/repos/accounts';
import { complianceCounts, incidentsTouching, insertIncident } from '../storage/repos/statistics';

// Transparency statistics and the regulator's view: reads live data through repos/statistics.ts and
// hands it to @haven/safety, which counts, suppresses and assembles (thin shell).

/** The period asked for (default: the quarter now running), or `stats.invalid_period` naming it (T1, T2). */
export function periodOf(s: Services, text: string | undefined): Period {
  const now = s.now();
  const p = parsePeriod(text ?? currentQuarter(now), now);
  if (!p.ok) throw new HavenError('stats.invalid_period', p.error.message);
  return p.value;
}

function incidentOf(r: IncidentRow): Incident {
  return {
    id: r.case_id,
    force: forceBucketOf(r.force),
    surface: r.surface as Surface | null,
    method: r.method as Method | null,
    actionedAt: r.actioned_at,
    contentItems: r.content_items,
    referredAt: r.referred_at,
    appealedAt: r.appealed_at,
    restoredAt: r.restored_at,
  };
}

/**
 * Statistics for a period from the incidents table. `public`: the operator's suppression
 * (transparency.suppressBelow); `admin`: exact counts.
 */
export async function statistics(s: Services, q: { period?: string | undefined; by: StatDimension }, view: 'admin' | 'public'): Promise<StatisticsReport> {
  const period = periodOf(s, q.period);
  const rows = await incidentsTouching(s.db, period.start, period.end);
  return computeStatistics(rows.map(incidentOf), period, {
    by: q.by,
    suppressBelow: view === 'public' ? s.config.transparency.suppressBelow : 0,
    computedAt: s.now(),
  });
}

export interface IncidentInput {
  caseId: string;
  subjectAccountId: string | null;
  /** The child involved (victim or intended recipient), when there is one. */
  childAccountId: string | null;
  surface: Surface | null;
  method: Method | null;
  openedAt: Date;
  actionedAt: Date;
  contentItems: number;
}

/**
 * Records a case actioned as a violation (T3). The force area is the child's region when a child is
 * involved and has one, else the subject's; stored as it is now (F2). For the moderation workflow to call
 * when it decides a case is a violation, with its transaction as `tx`; tests call it directly until then.
 */
export async function recordIncident(s: Services, input: IncidentInput, tx: Kysely<Database> = s.db): Promise<boolean> {
  const ids = [input.childAccountId, input.subjectAccountId].filter((x): x is string => x !== null);
  const accounts = await findAccountsByIds(tx, ids);
  const region = (id: string | null) => (id ? (accounts.find((a) => a.id === id)?.region ?? null) : null);
  const force = forceBucketOf(region(input.childAccountId) ?? region(input.subjectAccountId));
  return insertIncident(tx, {
    case_id: input.caseId,
    subject_account_id: input.subjectAccountId,
    child_account_id: input.childAccountId,
    force,
    surface: input.surface,
    method: input.method,
    opened_at: input.openedAt,
    actioned_at: input.actionedAt,
    content_items: input.contentItems,
  });
}

/** Whether the moderation workflow (cases, decisions, appeals: migration 0008) is in this build. */
export const MODERATION_BUILT = Object.keys(MIGRATIONS).some((k) => k.startsWith('0008'));

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  const x = v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
  return Math.round(x * 10) / 10;
}

/** The regulator's view for a period (O1–O5): facts from live data, assembled by @haven/safety. */
export async function compliance(s: Services, periodText: string | undefined): Promise<ComplianceReport> {
  const period = periodOf(s, periodText);
  const [counts, manifests, stats] = await Promise.all([
    complianceCounts(s.db, period.start, period.end),
    s.hashLists.store.list(),
    statistics(s, { period: period.label, by: 'force' }, 'admin'),
  ]);
  const matchesOf = (list: string) => counts.matches.filter((m) => m.list === list).reduce((a, m) => a + m.count, 0);
  const moderation: ModerationFacts | null = MODERATION_BUILT
    ? {
        casesOpened: counts.decisionHours.length,
        decisions: counts.decisionHours.length,
        medianHoursToDecision: median(counts.decisionHours),
        prioritisation: true,
        acknowledgements: true,
        appeals: counts.appeals,
      }
    : null;
  return complianceReport({
    period,
    computedAt: s.now(),
    policy: s.policy,
    moderators: counts.moderators,
    hashLists: manifests.map((m) => ({ name: m.name, kind: m.kind, size: m.count, enabled: m.enabled, matches: matchesOf(m.name) })),
    serverMatches: counts.matches.filter((m) => m.source === 'server').reduce((a, m) => a + m.count, 0),
    deviceMatches: counts.matches.filter((m) => m.source === 'device').reduce((a, m) => a + m.count, 0),
    quarantined: counts.quarantined,
    reportsReceived: counts.frankedReports,
    blocks: counts.blocks,
    incidentsActioned: typeof stats.total.incidents === 'number' ? stats.total.incidents : 0,
    referrals: typeof stats.total.referrals === 'number' ? stats.total.referrals : 0,
    moderation,
  });
}
