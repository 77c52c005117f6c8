import type { AgeBand, CasePriority, ReportReason } from '@haven/protocol';

// Case priority (M1–M6 in SPEC.md): rules as data, first match wins, a case takes the most urgent of its
// items. Pure: the caller passes the facts and the clock.

/** What a case item says, as the priority rules see it. */
export interface CaseFacts {
  source: 'server-hash-match' | 'device-detection' | 'user-report' | 'signal' | 'appeal';
  /** User reports: the reason chosen. */
  reason?: ReportReason | undefined;
  /** User reports: the reporter's band. */
  reporterBand?: AgeBand | undefined;
  /** The band of the account the case is about. */
  subjectBand: AgeBand;
  /** A child sent, received or was to receive the content (hash matches), or is the reporter. */
  childInvolved: boolean;
}

export interface PriorityRule {
  id: string;
  priority: CasePriority;
  description: string;
  when: (f: CaseFacts) => boolean;
}

const CHILD_HARM: readonly ReportReason[] = ['child_sexual_abuse', 'grooming', 'sextortion'];

/** The rules, most urgent first; the first that matches an item decides its priority. */
export const PRIORITY_RULES: readonly PriorityRule[] = [
  {
    id: 'M1',
    priority: 'urgent',
    description: 'A known-image match (server-verified) involving a child.',
    when: (f) => f.source === 'server-hash-match' && f.childInvolved,
  },
  {
    id: 'M2',
    priority: 'high',
    description: "A child's report about an adult.",
    when: (f) => f.source === 'user-report' && f.reporterBand === 'child' && f.subjectBand === 'adult',
  },
  {
    id: 'M3',
    priority: 'high',
    description: 'Any other known-image match, or a report of child sexual abuse, grooming or sextortion.',
    when: (f) => f.source === 'server-hash-match' || (f.source === 'user-report' && f.reason !== undefined && CHILD_HARM.includes(f.reason)),
  },
  {
    id: 'M4',
    priority: 'normal',
    description: 'A device-side detection (an unverified claim) or a risk signal: raised for review, never a sanction by itself.',
    when: (f) => f.source === 'device-detection' || f.source === 'signal',
  },
  {
    id: 'M5',
    priority: 'normal',
    description: 'A report of threats, self-harm or harassment, and every appeal.',
    when: (f) => f.source === 'appeal' || (f.source === 'user-report' && (f.reason === 'threats' || f.reason === 'self_harm' || f.reason === 'harassment')),
  },
  { id: 'M6', priority: 'low', description: 'Everything else (spam, other).', when: () => true },
];

/** How soon a case of each priority is due, in minutes (configurable by the server). */
export const DEFAULT_DUE_MINUTES: Readonly<Record<CasePriority, number>> = { urgent: 60, high: 4 * 60, normal: 24 * 60, low: 72 * 60 };

/** Lower is more urgent. */
export const PRIORITY_RANK: Readonly<Record<CasePriority, number>> = { urgent: 1, high: 2, normal: 3, low: 4 };

export interface Prioritised {
  priority: CasePriority;
  rule: string;
}

/** The priority of one item. */
export function itemPriority(f: CaseFacts, rules: readonly PriorityRule[] = PRIORITY_RULES): Prioritised {
  const r = rules.find((x) => x.when(f));
  if (!r) return { priority: 'low', rule: 'none' };
  return { priority: r.priority, rule: r.id };
}

/** The priority of a case: its most urgent item (the earlier rule wins a tie). */
export function casePriority(items: readonly CaseFacts[], rules: readonly PriorityRule[] = PRIORITY_RULES): Prioritised {
  let best: Prioritised = { priority: 'low', rule: 'M6' };
  let bestIdx = Number.POSITIVE_INFINITY;
  for (const f of items) {
    const idx = rules.findIndex((x) => x.when(f));
    if (idx >= 0 && idx < bestIdx) {
      bestIdx = idx;
      best = { priority: rules[idx]!.priority, rule: rules[idx]!.id };
    }
  }
  return best;
}

/** When a case opened at `openedAt` with this priority is due (M7). */
export function dueAt(openedAt: Date, priority: CasePriority, minutes: Readonly<Record<CasePriority, number>> = DEFAULT_DUE_MINUTES): Date {
  return new Date(openedAt.getTime() + minutes[priority] * 60_000);
}

/** What a reporter is told will happen next (shown with help at the moment `report`). */
export function reportAcknowledgement(priority: CasePriority, minutes: Readonly<Record<CasePriority, number>> = DEFAULT_DUE_MINUTES): { next: string; expectedWithin: string } {
  const m = minutes[priority];
  const expectedWithin = m < 120 ? `${m} minutes` : m < 48 * 60 ? `${Math.round(m / 60)} hours` : `${Math.round(m / 1440)} days`;
  return {
    next: 'A trained moderator will look at it. They can warn the account, remove the content, restrict or suspend the account, ban it, and where a child may be at risk, refer it to the police or the national hotline.',
    expectedWithin,
  };
}
