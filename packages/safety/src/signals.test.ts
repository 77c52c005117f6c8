import { describe, expect, it } from 'vitest';
import { DEFAULT_SIGNAL_THRESHOLDS, riskSignals, type Party, type SafetyEvent } from './signals';

const H = 3_600_000;
const NOW = Date.parse('2026-11-24T12:00:00Z');
const A: Party = { id: 'adult', band: 'adult' };
const kid = (n: number): Party => ({ id: `child${n}`, band: 'child' });
const attempt = (at: number, to: Party, connected = false, from: Party = A): SafetyEvent => ({ type: 'contact_attempt', at, from, to, connected, via: 'contact_request' });

describe('R1: an adult contacting many unconnected children', () => {
  it('R1: 3 distinct children within 24 hours is a signal; 2 is not', () => {
    const two = [attempt(NOW - 1 * H, kid(1)), attempt(NOW - 2 * H, kid(2))];
    expect(riskSignals(two, NOW)).toEqual([]);
    const three = [...two, attempt(NOW - 3 * H, kid(3))];
    expect(riskSignals(three, NOW)).toEqual([
      {
        code: 'signal.adult_contacting_children',
        accountId: 'adult',
        explanation: 'An adult account tried to contact 3 children it was not connected to within 24 hours (threshold 3).',
        related: ['child3', 'child2', 'child1'],
        at: NOW - 1 * H,
        evidence: [],
      },
    ]);
  });

  it('R1: the same child three times counts once; connected children, adults and attempts outside the window do not count', () => {
    const events = [
      attempt(NOW - 1 * H, kid(1)),
      attempt(NOW - 2 * H, kid(1)),
      attempt(NOW - 3 * H, kid(1)),
      attempt(NOW - 1 * H, kid(2), true),
      attempt(NOW - 1 * H, { id: 'adult2', band: 'adult' }),
      attempt(NOW - 25 * H, kid(3)),
      attempt(NOW + 1 * H, kid(4)), // R5: after now: ignored
    ];
    expect(riskSignals(events, NOW)).toEqual([]);
  });

  it('R1: children contacting children never count', () => {
    const c0 = kid(0);
    expect(riskSignals([1, 2, 3, 4].map((n) => attempt(NOW - H, kid(n), false, c0)), NOW)).toEqual([]);
  });

  it('R4: thresholds are configurable', () => {
    const events = [attempt(NOW - 30 * H, kid(1)), attempt(NOW - 1 * H, kid(2))];
    expect(riskSignals(events, NOW, { ...DEFAULT_SIGNAL_THRESHOLDS, unconnectedChildren: 2, unconnectedChildrenWindowHours: 48 })).toHaveLength(1);
    expect(riskSignals(events, NOW, { ...DEFAULT_SIGNAL_THRESHOLDS, unconnectedChildren: 2 })).toHaveLength(0);
  });
});

describe('R2: repeated blocks and reports against an account', () => {
  const by = (type: 'block' | 'report', who: string, at: number, target = 'adult'): SafetyEvent => ({ type, at, by: who, target });

  it('R2: 3 different accounts blocking or reporting within 7 days is a signal', () => {
    const events = [by('block', 'x', NOW - 100 * H), by('report', 'y', NOW - 50 * H), by('block', 'z', NOW - H)];
    const [s, ...rest] = riskSignals(events, NOW);
    expect(rest).toEqual([]);
    expect(s).toMatchObject({ code: 'signal.repeated_blocks_reports', accountId: 'adult', related: ['x', 'y', 'z'], at: NOW - H });
    expect(s!.explanation).toBe('3 different accounts blocked or reported this account within 168 hours (2 blocked, 1 reported; threshold 3).');
  });

  it('R2: one account reporting many times counts once; self-reports and old events do not count', () => {
    const events = [by('report', 'x', NOW - 1 * H), by('report', 'x', NOW - 2 * H), by('block', 'x', NOW - 3 * H), by('report', 'adult', NOW - H), by('block', 'y', NOW - 200 * H)];
    expect(riskSignals(events, NOW)).toEqual([]);
  });

  it('R2: 2 is below the default threshold', () => {
    expect(riskSignals([by('block', 'x', NOW - H), by('block', 'y', NOW - H)], NOW)).toEqual([]);
  });
});

describe('R3: fast contact escalation', () => {
  const media = (at: number, to: Party, from: Party = A): SafetyEvent => ({ type: 'media_sent', at, from, to });
  const accepted = (at: number): SafetyEvent => ({ type: 'contact_accepted', at, requester: kid(1), accepter: A });

  it('R3: an adult sending media to a child within 24 hours of their first contact', () => {
    const events = [accepted(NOW - 5 * H), media(NOW - 4 * H, kid(1)), media(NOW - 3 * H, kid(1))];
    expect(riskSignals(events, NOW)).toEqual([
      {
        code: 'signal.fast_escalation',
        accountId: 'adult',
        explanation: 'An adult account sent media to a child 60 minutes after their first contact (threshold 24 hours).',
        related: ['child1'],
        at: NOW - 4 * H,
        evidence: [],
      },
    ]);
  });

  it('R3: after 24 hours, or between adults, or from a child, or with no recorded contact: no signal', () => {
    expect(riskSignals([accepted(NOW - 50 * H), media(NOW - 25 * H, kid(1))], NOW)).toEqual([]);
    const b: Party = { id: 'b', band: 'adult' };
    expect(riskSignals([attempt(NOW - 2 * H, b, true), media(NOW - H, b)], NOW)).toEqual([]);
    expect(riskSignals([accepted(NOW - 2 * H), media(NOW - H, A, kid(1))], NOW)).toEqual([]);
    expect(riskSignals([media(NOW - H, kid(1))], NOW)).toEqual([]);
  });

  it('R3 R5: the order of events does not matter', () => {
    const events = [media(NOW - 4 * H, kid(1)), accepted(NOW - 5 * H)];
    expect(riskSignals(events, NOW)).toHaveLength(1);
  });

  it('R4: the escalation threshold is configurable', () => {
    const events = [accepted(NOW - 5 * H), media(NOW - 2 * H, kid(1))];
    expect(riskSignals(events, NOW, { ...DEFAULT_SIGNAL_THRESHOLDS, escalationHours: 2 })).toEqual([]);
    expect(riskSignals(events, NOW, { ...DEFAULT_SIGNAL_THRESHOLDS, escalationHours: 3 })).toHaveLength(1);
  });
});

describe('R5: signals are explained leads', () => {
  it('R5: no events, no signals; every signal has a sentence', () => {
    expect(riskSignals([], NOW)).toEqual([]);
    const events: SafetyEvent[] = [1, 2, 3].map((n) => attempt(NOW - H, kid(n)));
    for (const s of riskSignals(events, NOW)) expect(s.explanation).toMatch(/^[A-Z0-9].*\.$/);
  });
});
