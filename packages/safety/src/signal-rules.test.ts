import { describe, expect, it } from 'vitest';
import { isNight, localHour } from './signal-rules';
import { DEFAULT_SIGNAL_THRESHOLDS as T, riskSignals, type Party, type SafetyEvent } from './signals';

const H = 3_600_000;
const NOW = Date.parse('2026-11-24T12:00:00Z');
const A: Party = { id: 'adult', band: 'adult', age: 40, createdAt: NOW - 1000 * H };
const kid = (n: number, extra: Partial<Party> = {}): Party => ({ id: `child${n}`, band: 'child', age: 14, ...extra });
const attempt = (at: number, to: Party, o: Partial<Extract<SafetyEvent, { type: 'contact_attempt' }>> = {}): SafetyEvent => ({
  type: 'contact_attempt',
  at,
  from: A,
  to,
  connected: false,
  via: 'contact_request',
  ...o,
});
const codes = (events: SafetyEvent[], now = NOW, t = T, tz?: string) => riskSignals(events, now, t, tz ? { timeZone: tz } : {}).map((s) => s.code);

describe('R1 with refused attempts and first messages', () => {
  it('R1: refused requests and first messages count as attempts, with their ids as evidence', () => {
    const events = [
      attempt(NOW - H, kid(1), { refused: true, id: 'e1' }),
      attempt(NOW - H, kid(2), { via: 'first_message', messageId: 'm2', id: 'e2' }),
      attempt(NOW - H, kid(3), { id: 'e3' }),
    ];
    const s = riskSignals(events, NOW).find((x) => x.code === 'signal.adult_contacting_children')!;
    expect(s.related.sort()).toEqual(['child1', 'child2', 'child3']);
    expect(s.evidence.sort()).toEqual(['e1', 'e2', 'e3', 'm2']);
  });
});

describe('R6: refused, declined or ignored by children', () => {
  it('R6: two children turning an adult down (refused by the rules, declined) is a signal; one is not', () => {
    const one = [attempt(NOW - 2 * H, kid(1), { refused: true })];
    expect(codes(one)).not.toContain('signal.refused_by_children');
    const two: SafetyEvent[] = [...one, { type: 'contact_declined', at: NOW - H, requester: A, decliner: kid(2) }];
    const s = riskSignals(two, NOW).find((x) => x.code === 'signal.refused_by_children')!;
    expect(s.explanation).toBe("2 children turned down this adult's attempts to contact them within 168 hours (1 refused by the rules, 1 declined, 0 ignored for 72 hours; threshold 2).");
  });

  it('R6: a request unanswered for 72 hours counts as ignored; an accepted one or a younger one does not', () => {
    const ignored = [attempt(NOW - 80 * H, kid(1)), attempt(NOW - 73 * H, kid(2))];
    expect(codes(ignored)).toContain('signal.refused_by_children');
    const answered: SafetyEvent[] = [...ignored, { type: 'contact_accepted', at: NOW - 70 * H, requester: A, accepter: kid(2) }];
    expect(codes(answered)).not.toContain('signal.refused_by_children');
    expect(codes([attempt(NOW - 80 * H, kid(1)), attempt(NOW - 10 * H, kid(2))])).not.toContain('signal.refused_by_children');
  });
});

describe('R7: blocked or reported by children', () => {
  const by = (type: 'block' | 'report', who: string, byBand: 'child' | 'adult' | undefined, id?: string): SafetyEvent => ({ type, at: NOW - H, by: who, target: 'adult', byBand, ...(id ? { id } : {}) });
  it('R7: two distinct children is a signal, citing the events', () => {
    const s = riskSignals([by('block', 'c1', 'child', 'b1'), by('report', 'c2', 'child', 'r2')], NOW).find((x) => x.code === 'signal.blocked_reported_by_children')!;
    expect(s).toMatchObject({ accountId: 'adult', related: ['c1', 'c2'], evidence: ['b1', 'r2'] });
  });
  it('R7 R12: adults, and accounts whose band is unknown, are not counted as children', () => {
    expect(codes([by('block', 'c1', 'child'), by('block', 'a2', 'adult'), by('block', 'u3', undefined)])).not.toContain('signal.blocked_reported_by_children');
  });
});

describe('R8: a new account reaching children fast', () => {
  it('R8: an account 10 hours old reaching two unconnected children', () => {
    const fresh: Party = { ...A, createdAt: NOW - 10 * H };
    const events = [attempt(NOW - 2 * H, kid(1), { from: fresh }), attempt(NOW - H, kid(2), { from: fresh })];
    expect(codes(events)).toContain('signal.new_account_reaching_children');
  });
  it('R8 R12: an old account, or one whose creation time is unknown, does not fire', () => {
    const unknown: Party = { id: 'adult', band: 'adult' };
    expect(codes([attempt(NOW - 2 * H, kid(1)), attempt(NOW - H, kid(2))])).not.toContain('signal.new_account_reaching_children');
    expect(codes([attempt(NOW - 2 * H, kid(1), { from: unknown }), attempt(NOW - H, kid(2), { from: unknown })])).not.toContain('signal.new_account_reaching_children');
  });
});

describe('R9: a large age gap', () => {
  it('R9: a 40-year-old trying to reach an unconnected 14-year-old; a 21-year-old is not 10 years older', () => {
    expect(codes([attempt(NOW - H, kid(1))])).toContain('signal.large_age_gap');
    expect(codes([attempt(NOW - H, kid(1), { from: { ...A, age: 21 } })])).not.toContain('signal.large_age_gap');
  });
  it('R9: a parent already connected to their child is not a signal', () => {
    expect(codes([attempt(NOW - H, kid(1), { connected: true })])).not.toContain('signal.large_age_gap');
  });
  it('R9 R12: missing birth dates (no age, no band) never fire', () => {
    expect(codes([attempt(NOW - H, { id: 'c', band: 'child' })])).toEqual([]);
    expect(codes([attempt(NOW - H, { id: 'c' })])).toEqual([]);
    expect(codes([attempt(NOW - H, kid(1), { from: { id: 'x' } })])).toEqual([]);
  });
});

describe('R10: messages to children at night, in the child’s own time zone', () => {
  const msg = (iso: string, to: Party, id?: string): SafetyEvent => ({ type: 'message_sent', at: Date.parse(iso), from: A, to, ...(id ? { messageId: id } : {}) });
  const t = { ...T, nightMessages: 2 };
  it('R10: 23:30 and 00:30 London time (across midnight) are both night; 21:30 is not', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(codes([msg('2026-11-24T23:30:00Z', kid(1)), msg('2026-11-25T00:30:00Z', kid(1))], now, t)).toContain('signal.night_messages');
    expect(codes([msg('2026-11-24T21:30:00Z', kid(1)), msg('2026-11-25T00:30:00Z', kid(1))], now, t)).not.toContain('signal.night_messages');
  });
  it('R10: the child’s zone decides: 04:00 UTC is night in London and 20:00 the day before in Los Angeles', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    const la = kid(1, { timeZone: 'America/Los_Angeles' });
    expect(codes([msg('2026-11-25T04:00:00Z', kid(1)), msg('2026-11-25T04:10:00Z', kid(1))], now, t)).toContain('signal.night_messages');
    expect(codes([msg('2026-11-25T04:00:00Z', la), msg('2026-11-25T04:10:00Z', la)], now, t)).not.toContain('signal.night_messages');
  });
  it('R10: DST: 21:30 UTC is 22:30 BST (night) in July and 21:30 GMT (not night) in November', () => {
    expect(localHour(Date.parse('2026-07-01T21:30:00Z'), 'Europe/London')).toBe(22);
    expect(localHour(Date.parse('2026-11-01T21:30:00Z'), 'Europe/London')).toBe(21);
    // 2026-10-25: 01:30 happens twice in London (BST, then GMT); both are 1 o'clock, night.
    expect(localHour(Date.parse('2026-10-25T00:30:00Z'), 'Europe/London')).toBe(1);
    expect(localHour(Date.parse('2026-10-25T01:30:00Z'), 'Europe/London')).toBe(1);
    // 2026-03-29: 01:00 GMT jumps to 02:00 BST.
    expect(localHour(Date.parse('2026-03-29T00:59:00Z'), 'Europe/London')).toBe(0);
    expect(localHour(Date.parse('2026-03-29T01:00:00Z'), 'Europe/London')).toBe(2);
    const now = Date.parse('2026-07-02T12:00:00Z');
    expect(codes([msg('2026-07-01T21:30:00Z', kid(1)), msg('2026-07-01T21:40:00Z', kid(1))], now, t)).toContain('signal.night_messages');
  });
  it('R10 R12: an unknown zone falls back to the policy’s zone; a missing region does too', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    const bad = kid(1, { timeZone: 'Mars/Olympus' });
    expect(localHour(0, 'Mars/Olympus')).toBeUndefined();
    expect(codes([msg('2026-11-25T02:00:00Z', bad), msg('2026-11-25T02:10:00Z', bad)], now, t)).toContain('signal.night_messages');
    expect(codes([msg('2026-11-25T02:00:00Z', bad), msg('2026-11-25T02:10:00Z', bad)], now, t, 'Asia/Tokyo')).not.toContain('signal.night_messages');
  });
  it('R10: night hours wrap past midnight, or not', () => {
    expect([21, 22, 23, 0, 5, 6].map((h) => isNight(h, 22, 6))).toEqual([false, true, true, true, true, false]);
    expect([0, 1, 4, 5].map((h) => isNight(h, 1, 5))).toEqual([false, true, true, false]);
  });
  it('R10: messages between children or adults never count', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    const ev: SafetyEvent[] = [0, 1, 2].map((i) => ({ type: 'message_sent', at: Date.parse('2026-11-25T01:00:00Z') + i, from: kid(9), to: kid(1) }));
    expect(codes(ev, now, t)).toEqual([]);
  });
});

describe('R11: the same adult in many children’s groups', () => {
  const join = (g: string, children: number, members: number): SafetyEvent => ({ type: 'group_join', at: NOW - H, member: A, conversationId: g, children, members });
  it('R11: three groups where children are the majority', () => {
    expect(codes([join('g1', 5, 6), join('g2', 3, 4), join('g3', 10, 12)])).toContain('signal.many_children_groups');
  });
  it('R11: groups where children are half or fewer (a family group) do not count; the same group twice counts once', () => {
    expect(codes([join('g1', 2, 4), join('g2', 1, 3), join('g3', 5, 6), join('g3', 5, 6)])).toEqual([]);
  });
});

describe('R12: empty and huge inputs', () => {
  it('R12: no events, no signals', () => {
    expect(riskSignals([], NOW)).toEqual([]);
  });
  it('R12: 50 000 events are handled in seconds (linear after one sort), with the right answer', () => {
    const events: SafetyEvent[] = [];
    for (let i = 0; i < 50_000; i++) events.push({ type: 'message_sent', at: NOW - (i % 1000) * 60_000, from: { id: `a${i % 500}`, band: 'adult' }, to: kid(i % 7) });
    events.push(attempt(NOW - H, kid(1)), attempt(NOW - H, kid(2)), attempt(NOW - H, kid(3)));
    const t0 = performance.now();
    const out = riskSignals(events, NOW);
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(out.filter((s) => s.code === 'signal.adult_contacting_children').map((s) => s.accountId)).toEqual(['adult']);
  });
});
