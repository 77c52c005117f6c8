import { z } from 'zod';
import type { AgeBand } from '@haven/protocol';

// Risk signals from metadata alone (R1–R4): they work in every mode, because they never need content.

export interface Party {
  id: string;
  /** The band at the time of the event, as the caller computed it then. */
  band: AgeBand;
}

/** Plain facts the server already records; `at` is milliseconds since the epoch. */
export type SafetyEvent =
  | {
      type: 'contact_attempt';
      at: number;
      from: Party;
      to: Party;
      /** Whether they were already accepted contacts when it happened. */
      connected: boolean;
      via: 'contact_request' | 'direct' | 'group_add' | 'invite';
    }
  | { type: 'contact_accepted'; at: number; requester: Party; accepter: Party }
  | { type: 'block' | 'report'; at: number; by: string; target: string }
  | { type: 'media_sent'; at: number; from: Party; to: Party };

const hours = (max: number) => z.number().positive().max(max);

/** Thresholds (R4), each configurable under `safety.signals`. */
export const SignalThresholds = z
  .object({
    /** R1: an adult reaching this many distinct children they were not connected to… */
    unconnectedChildren: z.number().int().min(1).max(1000).default(3),
    /** …within this many hours. */
    unconnectedChildrenWindowHours: hours(24 * 90).default(24),
    /** R2: this many distinct accounts blocking or reporting one account… */
    blocksReports: z.number().int().min(1).max(1000).default(3),
    /** …within this many hours. */
    blocksReportsWindowHours: hours(24 * 365).default(24 * 7),
    /** R3: an adult sending media to a child within this many hours of their first contact. */
    escalationHours: hours(24 * 90).default(24),
  })
  .strict();
export type SignalThresholds = z.infer<typeof SignalThresholds>;
export const DEFAULT_SIGNAL_THRESHOLDS: SignalThresholds = SignalThresholds.parse({});

export const SIGNAL_CODES = ['signal.adult_contacting_children', 'signal.repeated_blocks_reports', 'signal.fast_escalation'] as const;
export type SignalCode = (typeof SIGNAL_CODES)[number];

export interface RiskSignal {
  code: SignalCode;
  /** The account the signal is about. */
  accountId: string;
  /** A sentence for the moderator who reviews it. */
  explanation: string;
  /** The other accounts involved (children contacted, accounts that blocked or reported). */
  related: string[];
  /** When the threshold was crossed (the time of the event that crossed it). */
  at: number;
}

const HOUR = 3_600_000;

/**
 * Every risk signal the events show at `now` (R1–R3). Events after `now` are ignored; the order of
 * `events` does not matter. Signals are leads for a moderator, never automatic sanctions (R5).
 *
 * @example
 * riskSignals(events, Date.parse('2026-11-24T12:00:00Z')) // [{ code: 'signal.fast_escalation', … }]
 */
export function riskSignals(
  events: readonly SafetyEvent[],
  now: number,
  thresholds: SignalThresholds = DEFAULT_SIGNAL_THRESHOLDS,
): RiskSignal[] {
  const past = events.filter((e) => e.at <= now).sort((a, b) => a.at - b.at);
  return [
    ...adultContactingChildren(past, now, thresholds),
    ...repeatedBlocksReports(past, now, thresholds),
    ...fastEscalation(past, thresholds),
  ];
}

/** R1: distinct unconnected children an adult tried to reach inside the window. */
function adultContactingChildren(events: readonly SafetyEvent[], now: number, t: SignalThresholds): RiskSignal[] {
  const since = now - t.unconnectedChildrenWindowHours * HOUR;
  const byAdult = new Map<string, { children: Set<string>; at: number }>();
  for (const e of events) {
    if (e.type !== 'contact_attempt' || e.at < since || e.connected) continue;
    if (e.from.band !== 'adult' || e.to.band !== 'child') continue;
    const entry = byAdult.get(e.from.id) ?? { children: new Set<string>(), at: e.at };
    if (entry.children.size < t.unconnectedChildren) entry.at = e.at;
    entry.children.add(e.to.id);
    byAdult.set(e.from.id, entry);
  }
  return [...byAdult]
    .filter(([, v]) => v.children.size >= t.unconnectedChildren)
    .map(([id, v]) => ({
      code: 'signal.adult_contacting_children',
      accountId: id,
      explanation: `An adult account tried to contact ${v.children.size} children it was not connected to within ${t.unconnectedChildrenWindowHours} hours (threshold ${t.unconnectedChildren}).`,
      related: [...v.children],
      at: v.at,
    }));
}

/** R2: distinct accounts that blocked or reported one account inside the window. */
function repeatedBlocksReports(events: readonly SafetyEvent[], now: number, t: SignalThresholds): RiskSignal[] {
  const since = now - t.blocksReportsWindowHours * HOUR;
  const byTarget = new Map<string, { by: Set<string>; blocks: number; reports: number; at: number }>();
  for (const e of events) {
    if ((e.type !== 'block' && e.type !== 'report') || e.at < since || e.by === e.target) continue;
    const entry = byTarget.get(e.target) ?? { by: new Set<string>(), blocks: 0, reports: 0, at: e.at };
    if (entry.by.size < t.blocksReports) entry.at = e.at;
    entry.by.add(e.by);
    entry[e.type === 'block' ? 'blocks' : 'reports'] += 1;
    byTarget.set(e.target, entry);
  }
  return [...byTarget]
    .filter(([, v]) => v.by.size >= t.blocksReports)
    .map(([id, v]) => ({
      code: 'signal.repeated_blocks_reports',
      accountId: id,
      explanation: `${v.by.size} different accounts blocked or reported this account within ${t.blocksReportsWindowHours} hours (${v.blocks} blocked, ${v.reports} reported; threshold ${t.blocksReports}).`,
      related: [...v.by],
      at: v.at,
    }));
}

/** R3: an adult sends media to a child soon after their first contact of any kind. */
function fastEscalation(events: readonly SafetyEvent[], t: SignalThresholds): RiskSignal[] {
  const firstContact = new Map<string, number>();
  const pair = (adult: string, child: string) => `${adult}\u0000${child}`;
  const signals: RiskSignal[] = [];
  const flagged = new Set<string>();
  for (const e of events) {
    if (e.type === 'contact_attempt' || e.type === 'contact_accepted') {
      const [x, y] = e.type === 'contact_attempt' ? [e.from, e.to] : [e.requester, e.accepter];
      const adult = x.band === 'adult' ? x : y.band === 'adult' ? y : undefined;
      const child = x.band === 'child' ? x : y.band === 'child' ? y : undefined;
      if (adult && child && !firstContact.has(pair(adult.id, child.id))) firstContact.set(pair(adult.id, child.id), e.at);
    } else if (e.type === 'media_sent' && e.from.band === 'adult' && e.to.band === 'child') {
      const key = pair(e.from.id, e.to.id);
      const first = firstContact.get(key);
      if (first === undefined || flagged.has(key) || e.at - first > t.escalationHours * HOUR) continue;
      flagged.add(key);
      const minutes = Math.round((e.at - first) / 60_000);
      signals.push({
        code: 'signal.fast_escalation',
        accountId: e.from.id,
        explanation: `An adult account sent media to a child ${minutes} minutes after their first contact (threshold ${t.escalationHours} hours).`,
        related: [e.to.id],
        at: e.at,
      });
    }
  }
  return signals;
}
