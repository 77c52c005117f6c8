import { describe, expect, it } from 'vitest';
import { complianceMarkdown, complianceReport, type ComplianceFacts } from './compliance';
import { parseSafetyConfig, policyFor } from './config';

const facts = (over: Partial<ComplianceFacts> = {}): ComplianceFacts => ({
  period: { label: '2026-Q3', start: new Date('2026-07-01T00:00:00Z'), end: new Date('2026-10-01T00:00:00Z') },
  computedAt: new Date('2026-11-30T08:00:00Z'),
  policy: policyFor('nspcc'),
  moderators: 2,
  hashLists: [
    { name: 'iwf', kind: 'pdq', size: 1000, enabled: true, matches: 3 },
    { name: 'old', kind: 'md5', size: 10, enabled: false, matches: 0 },
  ],
  serverMatches: 3,
  deviceMatches: 1,
  quarantined: 3,
  reportsReceived: 7,
  blocks: 4,
  incidentsActioned: 5,
  referrals: 2,
  moderation: null,
  ...over,
});
const byId = (f: ComplianceFacts) => new Map(complianceReport(f).measures.map((m) => [m.id, m]));

describe('compliance: the regulator\'s view', () => {
  it('O1: lists C1, C2, C5, C9, C10, D1–D10, F1, F2 and J1, in that order, with period and time', () => {
    const r = complianceReport(facts());
    expect(r.measures.map((m) => m.id)).toEqual([
      'ICU C1', 'ICU C2', 'ICU C5', 'ICU C9', 'ICU C10',
      'ICU D1', 'ICU D2', 'ICU D3', 'ICU D4', 'ICU D5', 'ICU D6', 'ICU D7', 'ICU D8', 'ICU D9', 'ICU D10',
      'ICU F1', 'ICU F2', 'ICU J1',
    ]);
    expect(r.period).toEqual({ label: '2026-Q3', start: '2026-07-01T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z' });
    expect(r.computedAt).toBe('2026-11-30T08:00:00.000Z');
  });

  it('O2: C9 shows each list, its size and matches in the period; with no list enabled it is off and says how to turn it on', () => {
    const c9 = byId(facts()).get('ICU C9')!;
    expect(c9.status).toBe('on');
    expect(c9.evidence.lists).toEqual([
      { name: 'iwf', kind: 'pdq', size: 1000, enabled: true, matches: 3 },
      { name: 'old', kind: 'md5', size: 10, enabled: false, matches: 0 },
    ]);
    expect(c9.evidence.serverMatches).toBe(3);
    const off = byId(facts({ hashLists: [{ name: 'old', kind: 'md5', size: 10, enabled: false, matches: 0 }] })).get('ICU C9')!;
    expect(off.status).toBe('off');
    expect(off.configKey).toMatch(/haven hashlist enable NAME/);
    expect(off.why).toBe('No hash list is enabled: import one (haven hashlist import) and enable it.');
    expect(byId(facts({ hashLists: [] })).get('ICU C2')!.status).toBe('off');
  });

  it('O3: without the moderation workflow, the measures that need it say not-built and why; D1 still counts reports', () => {
    const m = byId(facts());
    for (const id of ['ICU C1', 'ICU C5', 'ICU D3', 'ICU D4', 'ICU D5', 'ICU D6', 'ICU D7']) {
      expect(m.get(id)!.status, id).toBe('not-built');
      expect(m.get(id)!.why, id).toMatch(/needs the moderation workflow/);
    }
    expect(m.get('ICU D1')!).toMatchObject({ status: 'on', evidence: { reportsReceived: 7 } });
    expect(m.get('ICU C2')!.status).toBe('partial');
    expect(m.get('ICU C10')!.status).toBe('not-built');
  });

  it('O3: with moderation facts, D shows decisions, median time and appeal outcomes; C1 is off with no moderator', () => {
    const moderation = { casesOpened: 9, decisions: 6, medianHoursToDecision: 4.5, prioritisation: true, acknowledgements: true, appeals: { lodged: 3, overturned: 1, upheld: 1, pending: 1 } };
    const m = byId(facts({ moderation }));
    expect(m.get('ICU D5')!).toMatchObject({ status: 'on', evidence: { reportsReceived: 7, decisions: 6, medianHoursToDecision: 4.5 } });
    expect(m.get('ICU D6')!.evidence).toEqual({ appealsLodged: 3, pending: 1 });
    expect(m.get('ICU D7')!.evidence).toEqual({ overturned: 1, upheld: 1 });
    expect(m.get('ICU C5')!.status).toBe('on');
    expect(m.get('ICU C1')!.status).toBe('on');
    const none = byId(facts({ moderation, moderators: 0 })).get('ICU C1')!;
    expect(none).toMatchObject({ status: 'off', why: 'No account has the moderator role: nobody reviews cases.' });
  });

  it('O4: F1 names the child defaults; a weakened default makes it partial and names the key', () => {
    const on = byId(facts()).get('ICU F1')!;
    expect(on.status).toBe('on');
    expect(on.evidence).toMatchObject({ preset: 'nspcc', adultsMayRequestChildren: false, adultsFindChildrenInSearch: false, childConversationMode: 'visible' });
    const weak = parseSafetyConfig({ rules: { adultsFindChildrenInSearch: true } });
    if (!weak.ok) throw new Error(weak.error.message);
    const partial = byId(facts({ policy: weak.value })).get('ICU F1')!;
    expect(partial.status).toBe('partial');
    expect(partial.why).toBe('safety.rules.adultsFindChildrenInSearch is on: adults find children in search.');
    expect(on.evidence.nudityWarnings).toBe('children');
    const off = parseSafetyConfig({ safeguards: { nudityWarnings: 'nobody' } });
    if (!off.ok) throw new Error(off.error.message);
    const noWarnings = byId(facts({ policy: off.value })).get('ICU F1')!;
    expect(noWarnings).toMatchObject({ status: 'partial', evidence: { nudityWarnings: 'nobody' } });
    expect(noWarnings.why).toBe('safety.safeguards.nudityWarnings is nobody: children’s devices do not blur images that may show nudity.');
  });

  it('O5: F2 names the children’s resources; J1 counts blocks; Markdown has one row per measure', () => {
    const m = byId(facts());
    expect(m.get('ICU F2')!.evidence.childResources).toEqual(['Childline (0800 1111)', 'Childline 1-2-1 counsellor chat (https://www.childline.org.uk/get-support/1-2-1-counsellor-chat/)']);
    expect(m.get('ICU J1')!.evidence).toEqual({ blocksInPeriod: 4 });
    const md = complianceMarkdown(complianceReport(facts()));
    expect(md.split('\n').filter((l) => l.startsWith('| ICU '))).toHaveLength(18);
    expect(md).toContain('Period 2026-Q3 (2026-07-01 to 2026-10-01, end excluded); computed at 2026-11-30T08:00:00.000Z; policy preset `nspcc`.');
  });
});
