import { describe, expect, it } from 'vitest';
import { policyFor } from './config';
import { conversationMode, membershipChangeAllowed, modeFits, safeguardsOf } from './mode';
import { PRESET_NAMES, PRESETS } from './presets';
import { adult, child, members, permutations } from '../test/fixtures';

const NSPCC = policyFor('nspcc');

// Every preset × every mix of adults (A) and children (C), 1:1 and groups of 3 and 4, written out.
const TABLE = `
nspcc             AA    e2ee     mode.adults_only
nspcc             AC    visible  mode.member_under_18
nspcc             CC    visible  mode.member_under_18
nspcc             AAA   e2ee     mode.adults_only
nspcc             AAC   visible  mode.member_under_18
nspcc             ACC   visible  mode.member_under_18
nspcc             CCC   visible  mode.member_under_18
nspcc             AAAA  e2ee     mode.adults_only
nspcc             AAAC  visible  mode.member_under_18
nspcc             AACC  visible  mode.member_under_18
nspcc             ACCC  visible  mode.member_under_18
nspcc             CCCC  visible  mode.member_under_18
e2ee-safeguarded  AA    e2ee     mode.preset_e2ee_safeguarded
e2ee-safeguarded  AC    e2ee     mode.preset_e2ee_safeguarded
e2ee-safeguarded  CC    e2ee     mode.preset_e2ee_safeguarded
e2ee-safeguarded  AAA   e2ee     mode.preset_e2ee_safeguarded
e2ee-safeguarded  AAC   e2ee     mode.preset_e2ee_safeguarded
e2ee-safeguarded  ACC   e2ee     mode.preset_e2ee_safeguarded
e2ee-safeguarded  CCC   e2ee     mode.preset_e2ee_safeguarded
e2ee-safeguarded  AAAA  e2ee     mode.preset_e2ee_safeguarded
e2ee-safeguarded  AAAC  e2ee     mode.preset_e2ee_safeguarded
e2ee-safeguarded  AACC  e2ee     mode.preset_e2ee_safeguarded
e2ee-safeguarded  ACCC  e2ee     mode.preset_e2ee_safeguarded
e2ee-safeguarded  CCCC  e2ee     mode.preset_e2ee_safeguarded
e2ee-only         AA    e2ee     mode.preset_e2ee_only
e2ee-only         AC    e2ee     mode.preset_e2ee_only
e2ee-only         CC    e2ee     mode.preset_e2ee_only
e2ee-only         AAA   e2ee     mode.preset_e2ee_only
e2ee-only         AAC   e2ee     mode.preset_e2ee_only
e2ee-only         ACC   e2ee     mode.preset_e2ee_only
e2ee-only         CCC   e2ee     mode.preset_e2ee_only
e2ee-only         AAAA  e2ee     mode.preset_e2ee_only
e2ee-only         AAAC  e2ee     mode.preset_e2ee_only
e2ee-only         AACC  e2ee     mode.preset_e2ee_only
e2ee-only         ACCC  e2ee     mode.preset_e2ee_only
e2ee-only         CCCC  e2ee     mode.preset_e2ee_only
`
  .trim()
  .split('\n')
  .map((line) => line.trim().split(/\s+/) as [string, string, string, string]);

const REASON_TEXT: Record<string, string> = {
  'mode.member_under_18': 'visible to safety checks: a member is under 18',
  'mode.adults_only': '🔒 end-to-end encrypted: every member is an adult',
  'mode.preset_e2ee_safeguarded': '🔒 end-to-end encrypted, with images checked for known abuse imagery on each device',
  'mode.preset_e2ee_only': '🔒 end-to-end encrypted',
};

/**
 * The whole decision for a preset and mix, from the literal TABLE, REASON_TEXT and the safeguards
 * written out per mode and preset (P3): never from the functions under test (issue 13 item 18).
 */
function expectedDecision(preset: string, mix: string) {
  const row = TABLE.find((r) => r[0] === preset && r[1] === mix);
  if (!row) throw new Error(`no TABLE row for ${preset} ${mix}`);
  const [, , mode, code] = row;
  const safeguards =
    mode === 'visible'
      ? { serverScan: true, frankedReports: false, metadataSignals: true, clientHashChecks: 'none' }
      : { serverScan: false, frankedReports: true, metadataSignals: true, clientHashChecks: preset === 'e2ee-only' ? 'none' : 'all-devices' };
  return { mode, code, reason: REASON_TEXT[code], safeguards };
}

describe('P2: conversation mode for every preset and every mix of adults and children', () => {
  it('P1 P2: the table covers every preset and every mix of 2–4 members', () => {
    expect(PRESET_NAMES).toEqual(['nspcc', 'e2ee-safeguarded', 'e2ee-only']);
    expect(new Set(TABLE.map((r) => r[0]))).toEqual(new Set(['nspcc', 'e2ee-safeguarded', 'e2ee-only']));
    // 3 presets × (3 mixes of 2 + 4 of 3 + 5 of 4), each once.
    expect(TABLE).toHaveLength(36);
    expect(new Set(TABLE.map((r) => `${r[0]} ${r[1]}`)).size).toBe(36);
  });

  it.each(TABLE)('P2: %s, members %s → %s (%s), in every order', (preset, mix, mode, code) => {
    const policy = policyFor(preset as (typeof PRESET_NAMES)[number]);
    for (const order of permutations(members(mix))) {
      const d = conversationMode(policy, order);
      expect(d).toMatchObject({ mode, code, reason: REASON_TEXT[code] });
      // Literal safeguards per mode and preset (P3), not the function under test (issue 13 item 18).
      expect(d).toEqual(expectedDecision(preset, mix));
    }
  });

  it('P2: a conversation needs a participant (an empty list is a programming error)', () => {
    expect(() => conversationMode(NSPCC, [])).toThrow();
  });

  it('P2: the reason starts with the words the CLI shows', () => {
    expect(conversationMode(NSPCC, [adult('a'), child('c')]).reason).toBe('visible to safety checks: a member is under 18');
    for (const p of PRESET_NAMES) expect(conversationMode(policyFor(p), [adult('a'), adult('b')]).reason).toMatch(/^🔒 end-to-end encrypted/);
  });
});

describe('P3: safeguards of each mode under each preset', () => {
  it('P3: visible conversations are scanned on the server, in every preset', () => {
    for (const p of PRESET_NAMES) {
      expect(safeguardsOf(policyFor(p), 'visible')).toEqual({ serverScan: true, frankedReports: false, metadataSignals: true, clientHashChecks: 'none' });
    }
  });

  it.each([
    ['nspcc', 'all-devices'],
    ['e2ee-safeguarded', 'all-devices'],
    ['e2ee-only', 'none'],
  ] as const)('P3: e2ee under %s: franked reports, metadata signals, client checks on %s', (preset, devices) => {
    expect(safeguardsOf(policyFor(preset), 'e2ee')).toEqual({ serverScan: false, frankedReports: true, metadataSignals: true, clientHashChecks: devices });
    expect(PRESETS[preset].clientHashChecks).toBe(devices);
  });

  it('P6: every preset has a summary for the help page', () => {
    for (const p of PRESET_NAMES) expect(PRESETS[p].summary).toMatch(/^[A-Z].{40,}\.$/);
  });
});

describe('P4 P7 P8: membership changes keep the stored mode', () => {
  const [a1, a2, a3] = [adult('a1'), adult('a2'), adult('a3')];
  const c1 = child('c1');

  it('P4: adding a child to an adults-only e2ee group under nspcc is refused with policy.mode_change and the reason', () => {
    const r = membershipChangeAllowed(NSPCC, [a1, a2], [a1, a2, c1], 'e2ee');
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'policy.mode_change',
        message:
          'This conversation is end-to-end encrypted; with this change it would be visible to safety checks: a member is under 18. Start a new conversation instead.',
      },
    });
  });

  it('P4: adding a child to a visible group, or an adult to an e2ee adults-only group, keeps the mode', () => {
    expect(membershipChangeAllowed(NSPCC, [a1, c1], [a1, c1, child('c2')], 'visible')).toMatchObject({ ok: true, value: { code: 'membership.mode_unchanged' } });
    expect(membershipChangeAllowed(NSPCC, [a1, c1], [a1, c1, a2], 'visible').ok).toBe(true);
    expect(membershipChangeAllowed(NSPCC, [a1, a2], [a1, a2, a3], 'e2ee').ok).toBe(true);
  });

  it.each(['e2ee-safeguarded', 'e2ee-only'] as const)('P4: under %s adding a child never changes the mode', (preset) => {
    expect(membershipChangeAllowed(policyFor(preset), [a1, a2], [a1, a2, c1], 'e2ee').ok).toBe(true);
  });

  it('P7: a child who turned 18 changes nothing that exists: the stored visible mode stays', () => {
    // c1 was a child when the group was created; today the caller computes the band as adult.
    const grown = adult('c1');
    expect(membershipChangeAllowed(NSPCC, [a1, grown], [a1, grown], 'visible')).toMatchObject({ ok: true, value: { code: 'membership.mode_unchanged' } });
    // Adding another adult would now make the group e2ee: refused, because the stored mode counts.
    const r = membershipChangeAllowed(NSPCC, [a1, grown], [a1, grown, a2], 'visible');
    expect(!r.ok && r.error.code).toBe('policy.mode_change');
    expect(!r.ok && r.error.message).toContain('This conversation is visible to safety checks');
    // A new conversation of the same people follows the new band.
    expect(conversationMode(NSPCC, [a1, grown]).mode).toBe('e2ee');
  });

  it('P8: leaving or being removed is never refused, and keeps the stored mode', () => {
    expect(membershipChangeAllowed(NSPCC, [a1, a2, c1], [a1, a2], 'visible')).toMatchObject({ ok: true, value: { code: 'membership.leave_keeps_mode' } });
    expect(membershipChangeAllowed(NSPCC, [a1, c1], [c1], 'visible').ok).toBe(true);
    expect(membershipChangeAllowed(NSPCC, [a1, a2, a3], [a1, a2], 'e2ee').ok).toBe(true);
  });

  it('P4: a swap (one leaves, a child joins) is judged as a change', () => {
    const r = membershipChangeAllowed(NSPCC, [a1, a2, a3], [a1, a2, c1], 'e2ee');
    expect(!r.ok && r.error.code).toBe('policy.mode_change');
  });

  it('P4: every preset × every 2–3 member mix, adding one adult or one child, against the mode it was created with', () => {
    // Only nspcc, adults only, adding a child would change the mode: refused; the other 40 changes are allowed.
    const REFUSED = ['nspcc AA + child', 'nspcc AAA + child'];
    let checked = 0;
    for (const preset of PRESET_NAMES) {
      const policy = policyFor(preset);
      for (const mix of ['AA', 'AC', 'CC', 'AAA', 'AAC', 'ACC', 'CCC']) {
        const current = members(mix);
        // The mode it was created with: the literal TABLE's (P2).
        const stored = expectedDecision(preset, mix).mode as 'e2ee' | 'visible';
        for (const joiner of [adult('new-a'), child('new-c')]) {
          const next = [...current, joiner];
          const r = membershipChangeAllowed(policy, current, next, stored);
          const key = `${preset} ${mix} + ${joiner.band}`;
          if (REFUSED.includes(key)) {
            expect(r, key).toMatchObject({ ok: false, error: { code: 'policy.mode_change' } });
          } else {
            expect(r, key).toMatchObject({ ok: true, value: { code: 'membership.mode_unchanged' } });
          }
          checked++;
        }
      }
    }
    expect(checked).toBe(42);
  });
});

describe('P9: does the stored mode still fit?', () => {
  it('P9: every preset × every mix × every stored mode', () => {
    // Only an e2ee conversation holding a child under nspcc is less protected than required: these 9 of 72.
    const NOT_FITTING = [
      'nspcc AC e2ee',
      'nspcc CC e2ee',
      'nspcc AAC e2ee',
      'nspcc ACC e2ee',
      'nspcc CCC e2ee',
      'nspcc AAAC e2ee',
      'nspcc AACC e2ee',
      'nspcc ACCC e2ee',
      'nspcc CCCC e2ee',
    ];
    let checked = 0;
    for (const preset of PRESET_NAMES) {
      const policy = policyFor(preset);
      for (const mix of ['AA', 'AC', 'CC', 'AAA', 'AAC', 'ACC', 'CCC', 'AAAA', 'AAAC', 'AACC', 'ACCC', 'CCCC']) {
        for (const stored of ['e2ee', 'visible'] as const) {
          const key = `${preset} ${mix} ${stored}`;
          const r = modeFits(policy, members(mix), stored);
          expect(r.fits, key).toBe(!NOT_FITTING.includes(key));
          // What the conversation would need: the literal TABLE's decision, not conversationMode's.
          expect(r.required, key).toEqual(expectedDecision(preset, mix));
          checked++;
        }
      }
    }
    expect(checked).toBe(72);
  });

  it('P7 P9: a child who turned 18 leaves a visible conversation fitting; an adult corrected to 16 makes an e2ee one not fit', () => {
    expect(modeFits(NSPCC, [adult('a'), adult('grown')], 'visible').fits).toBe(true);
    const r = modeFits(NSPCC, [adult('a'), child('corrected')], 'e2ee');
    expect(r).toMatchObject({ fits: false, required: { mode: 'visible', reason: 'visible to safety checks: a member is under 18' } });
  });
});
