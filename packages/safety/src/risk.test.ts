import { describe, expect, it } from 'vitest';
import { parseSafetyConfig } from './config';
import { DEFAULT_RISK_SETTINGS, childNotice, frictionAllows, frictionFor, riskScore } from './risk';

describe('K1: a risk score with its explanation', () => {
  it('K1: each code counts once with its weight, highest first, evidence kept', () => {
    const r = riskScore([
      { code: 'signal.large_age_gap', explanation: 'Gap.', evidence: ['e1'] },
      { code: 'text.secrecy', explanation: 'Secret.', evidence: ['m1', 'm2'] },
      { code: 'text.secrecy', explanation: 'Secret again.', evidence: ['m3'] },
    ]);
    expect(r.score).toBe(10 + 25);
    expect(r.codes).toEqual(['text.secrecy', 'signal.large_age_gap']);
    expect(r.explanation[0]).toBe('text.secrecy (+25): Secret.');
    expect(r.evidence).toEqual(['e1', 'm1', 'm2', 'm3']);
  });
  it('K1: the score is capped at 100; no signals is 0', () => {
    expect(riskScore([]).score).toBe(0);
    const all = (['text.threats', 'text.image_request', 'text.meeting', 'text.secrecy'] as const).map((code) => ({ code, explanation: '.', evidence: [] }));
    expect(riskScore(all).score).toBe(100);
  });
  it('K1 R4: weights are configurable and validated', () => {
    const p = parseSafetyConfig({ risk: { weights: { 'text.secrecy': 50 } } });
    expect(p.ok && riskScore([{ code: 'text.secrecy', explanation: '.', evidence: [] }], p.value.risk).score).toBe(50);
    const bad = parseSafetyConfig({ risk: { weights: { 'text.nope': 5 } } });
    expect(bad.ok).toBe(false);
    const order = parseSafetyConfig({ risk: { slowFromScore: 80, stopFromScore: 50 } });
    expect(!order.ok && order.error.key).toBe('safety.risk.slowFromScore');
  });
});

describe('K2 K3: friction for the adult', () => {
  it('K2: below 40 nothing; 40–69 slowed to one a day; 70 and over stopped', () => {
    expect(frictionFor(39)).toEqual({ kind: 'none' });
    expect(frictionFor(40)).toEqual({ kind: 'slow', perDay: 1 });
    expect(frictionFor(70)).toEqual({ kind: 'stop' });
  });
  it('K3: slowed allows the first attempt of the day only; stopped allows none', () => {
    expect(frictionAllows({ kind: 'slow', perDay: 1 }, 0)).toBe(true);
    expect(frictionAllows({ kind: 'slow', perDay: 1 }, 1)).toBe(false);
    expect(frictionAllows({ kind: 'stop' }, 0)).toBe(false);
    expect(frictionAllows({ kind: 'none' }, 1000)).toBe(true);
  });
  it('K2: thresholds are configurable', () => {
    expect(frictionFor(50, { ...DEFAULT_RISK_SETTINGS, stopFromScore: 50 })).toEqual({ kind: 'stop' });
  });
});

describe('K4 K5: notices to the child', () => {
  it('K4: plain words for each reason, block and report at hand, Childline', () => {
    const n = childNotice(['signal.blocked_reported_by_children', 'text.secrecy']);
    expect(n.kind).toBe('grooming');
    expect(n.lines[0]).toBe('This person has been reported or blocked by other young people.');
    expect(n.lines[1]).toMatch(/^People who ask you to keep secrets/);
    expect(n.lines.join(' ')).toContain('0800 1111');
    expect(n.actions).toEqual(['block', 'report', 'help']);
  });
  it('K5: threats get the sextortion notice: not in trouble, do not pay, Report Remove', () => {
    const n = childNotice(['text.image_request', 'text.threats']);
    expect(n.kind).toBe('sextortion');
    expect(n.title).toBe('You are not in trouble');
    expect(n.lines.join(' ')).toMatch(/Do not pay/);
    expect(n.lines.join(' ')).toMatch(/Report Remove/);
    expect(n.lines.join(' ')).toContain('0800 1111');
    expect(n.reportRemoveUrl).toMatch(/^https:\/\/www\.childline\.org\.uk\//);
    expect(n.actions).toContain('report_remove');
  });
  it('K4: a notice with no known reason still says something and offers help', () => {
    expect(childNotice([]).lines[0]).toMatch(/looked unsafe/);
  });
});
