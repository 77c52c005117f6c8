import {
  adultContactingChildren,
  blockedReportedByChildren,
  fastEscalation,
  largeAgeGap,
  manyChildrenGroups,
  newAccountReachingChildren,
  nightMessages,
  refusedByChildren,
  repeatedBlocksReports,
} from './signal-rules';
import { DEFAULT_SIGNAL_THRESHOLDS, type RiskSignal, type SafetyEvent, type SignalThresholds } from './signal-types';

// Risk signals from metadata alone (R1–R12): they work in every mode, because they never need content.
// Each rule is a pure function of events and thresholds (src/signal-rules.ts); the shapes and
// thresholds are in src/signal-types.ts.

export { DEFAULT_SIGNAL_THRESHOLDS, SIGNAL_CODES, SafetyEventSchema, SignalThresholds } from './signal-types';
export type { Party, RiskSignal, SafetyEvent, SignalCode } from './signal-types';

export interface SignalContext {
  /** The zone used for a child whose own zone is unknown or not a real IANA zone (R10, R12). */
  timeZone?: string;
}

/**
 * Every risk signal the events show at `now` (R1–R12). Events after `now` are ignored; the order of
 * `events` does not matter. Signals are leads for a moderator, never automatic sanctions (R5).
 *
 * @example
 * riskSignals(events, Date.parse('2026-11-24T12:00:00Z')) // [{ code: 'signal.fast_escalation', … }]
 */
export function riskSignals(
  events: readonly SafetyEvent[],
  now: number,
  thresholds: SignalThresholds = DEFAULT_SIGNAL_THRESHOLDS,
  context: SignalContext = {},
): RiskSignal[] {
  const past = events.filter((e) => e.at <= now).sort((a, b) => a.at - b.at);
  const tz = context.timeZone ?? 'Europe/London';
  return [
    ...adultContactingChildren(past, now, thresholds),
    ...repeatedBlocksReports(past, now, thresholds),
    ...fastEscalation(past, thresholds),
    ...refusedByChildren(past, now, thresholds),
    ...blockedReportedByChildren(past, now, thresholds),
    ...newAccountReachingChildren(past, thresholds),
    ...largeAgeGap(past, thresholds),
    ...nightMessages(past, now, thresholds, tz),
    ...manyChildrenGroups(past, now, thresholds),
  ];
}
