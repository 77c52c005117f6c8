import { describe, expect, it } from 'vitest';
import { PRIORITY_RULES, casePriority, dueAt, itemPriority, type CaseFacts } from './moderation';

const report = (over: Partial<CaseFacts> = {}): CaseFacts => ({ source: 'user-report', reason: 'spam', reporterBand: 'adult', subjectBand: 'adult', childInvolved: false, ...over });

describe('case priority (SPEC M1–M7)', () => {
  it('M1: a server hash match involving a child is urgent', () => {
    expect(itemPriority({ source: 'server-hash-match', subjectBand: 'adult', childInvolved: true })).toEqual({ priority: 'urgent', rule: 'M1' });
  });
  it("M2: a child's report about an adult is high, whatever the reason", () => {
    expect(itemPriority(report({ reporterBand: 'child', reason: 'other', childInvolved: true }))).toEqual({ priority: 'high', rule: 'M2' });
    // A child reporting a child is not M2.
    expect(itemPriority(report({ reporterBand: 'child', subjectBand: 'child', reason: 'spam', childInvolved: true }))).toEqual({ priority: 'low', rule: 'M6' });
  });
  it('M3: other hash matches and child-harm reasons are high', () => {
    expect(itemPriority({ source: 'server-hash-match', subjectBand: 'adult', childInvolved: false })).toEqual({ priority: 'high', rule: 'M3' });
    expect(itemPriority(report({ reason: 'grooming' }))).toEqual({ priority: 'high', rule: 'M3' });
    expect(itemPriority(report({ reason: 'sextortion' }))).toEqual({ priority: 'high', rule: 'M3' });
  });
  it('M4: a device claim is normal, never urgent, even naming a child', () => {
    expect(itemPriority({ source: 'device-detection', subjectBand: 'adult', childInvolved: true })).toEqual({ priority: 'normal', rule: 'M4' });
  });
  it('M5/M6: harassment normal, spam low', () => {
    expect(itemPriority(report({ reason: 'harassment' }))).toEqual({ priority: 'normal', rule: 'M5' });
    expect(itemPriority(report({ reason: 'spam' }))).toEqual({ priority: 'low', rule: 'M6' });
  });
  it('a case takes its most urgent item; an empty case is low', () => {
    expect(casePriority([report(), report({ reason: 'harassment' }), { source: 'server-hash-match', subjectBand: 'adult', childInvolved: true }])).toEqual({ priority: 'urgent', rule: 'M1' });
    expect(casePriority([])).toEqual({ priority: 'low', rule: 'M6' });
  });
  it('M7: due times per priority: urgent 1 h, high 4 h, normal 24 h, low 72 h', () => {
    const t = new Date('2026-01-01T00:00:00Z');
    expect(dueAt(t, 'urgent').toISOString()).toBe('2026-01-01T01:00:00.000Z');
    expect(dueAt(t, 'high').toISOString()).toBe('2026-01-01T04:00:00.000Z');
    expect(dueAt(t, 'normal').toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(dueAt(t, 'low').toISOString()).toBe('2026-01-04T00:00:00.000Z');
  });
  it('rule ids are unique and listed in order of urgency', () => {
    expect(PRIORITY_RULES.map((r) => r.id)).toEqual(['M1', 'M2', 'M3', 'M4', 'M5', 'M6']);
  });
});
