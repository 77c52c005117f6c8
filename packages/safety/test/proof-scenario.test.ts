import { describe, expect, it } from 'vitest';
import type { AgeBand } from '@haven/protocol';
import {
  ageBand,
  appearsInSearch,
  canAcceptContactRequest,
  canSendContactRequest,
  canStartDirect,
  conversationMode,
  helpFor,
  matchOutcome,
  mediaChecks,
  membershipChangeAllowed,
  parseSafetyConfig,
  relationshipFromStates,
  type Participant,
  type Policy,
} from '../src/index';

// Issue 6's proof, at the policy level: adult A, adult B, child C (15). The server and SDK test the same
// flow end to end; this pins down what the policy answers at each step.

const TODAY = '2026-11-24';
const BIRTH = { A: '1990-01-01', B: '1985-05-05', C: '2011-03-10' } as const;

function person(id: keyof typeof BIRTH, today: string = TODAY): Participant {
  const band = ageBand(BIRTH[id], today);
  if (!band.ok) throw new Error(band.error.message);
  return { id, band: band.value };
}
function load(config: unknown): Policy {
  const p = parseSafetyConfig(config);
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
}

describe('issue 6 proof scenario', () => {
  const [A, B, C] = [person('A'), person('B'), person('C')];
  const none = relationshipFromStates(undefined, undefined);
  const accepted = relationshipFromStates('accepted', 'accepted');

  it('A1: A and B are adults, C (15) is a child', () => {
    expect([A.band, B.band, C.band]).toEqual<AgeBand[]>(['adult', 'adult', 'child']);
  });

  describe.each(['nspcc', 'e2ee-safeguarded'] as const)('under %s', (preset) => {
    const policy = load({ policy: preset });

    it('P2: A→B is end-to-end encrypted', () => {
      expect(canStartDirect(policy, A, B, accepted).ok).toBe(true);
      expect(conversationMode(policy, [A, B]).mode).toBe('e2ee');
    });

    it('C3 C5 S1: A cannot find or contact C', () => {
      expect(appearsInSearch(policy, A, C, none).shown).toBe(false);
      const request = canSendContactRequest(policy, A, C, none);
      expect(!request.ok && request.error.code).toBe('policy.adult_to_child');
      const direct = canStartDirect(policy, A, C, none);
      expect(!direct.ok && direct.error.code).toBe('policy.adult_to_child');
      expect(helpFor(policy.help, A.band, null, 'contact_refused').resources[0]!.contact).toBe('0808 800 5000');
    });

    it('C4 C5 P2 D1–D6: C requests A, A accepts; a known image from A to C is blocked, C sees help, A is restricted', () => {
      expect(canSendContactRequest(policy, C, A, none).ok).toBe(true);
      // The server now has C's row 'pending_outgoing' and A's row 'pending_incoming'.
      expect(canAcceptContactRequest(A, C, relationshipFromStates('pending_incoming', 'pending_outgoing')).ok).toBe(true);
      expect(canStartDirect(policy, A, C, accepted).ok).toBe(true);
      const mode = conversationMode(policy, [A, C]);
      const checks = mediaChecks(policy, mode.mode, A, [C]);
      if (preset === 'nspcc') {
        expect(mode).toMatchObject({ mode: 'visible', code: 'mode.member_under_18', reason: 'visible to safety checks: a member is under 18' });
        expect(checks.kind).toBe('server-scan');
        const o = matchOutcome(policy, 'server-scan', A, [C]);
        expect(o).toMatchObject({ delivered: false, evidence: 'quarantined-on-server', restrictSender: true });
        expect(o.notify).toEqual([{ accountId: 'C', help: expect.objectContaining({ moment: 'media_blocked' }) }]);
        expect(o.notify[0]!.help.resources.map((r) => r.contact)).toContain('0800 1111');
      } else {
        expect(mode).toMatchObject({ mode: 'e2ee', code: 'mode.preset_e2ee_safeguarded' });
        expect(checks).toMatchObject({ kind: 'client-check', outgoing: true, incoming: ['C'] });
        // Blocked on A's device: the server never sees the image.
        expect(matchOutcome(policy, 'client-outgoing', A, [C])).toMatchObject({ evidence: 'hashes-only', restrictSender: false, notify: [] });
        // A modified client that skips the check is caught on C's device.
        const o = matchOutcome(policy, 'client-incoming', A, [C]);
        expect(o).toMatchObject({ evidence: 'hashes-only', restrictSender: false, witness: 'recipient-device' });
        expect(o.notify[0]!.help.resources[0]!.name).toBe('Childline');
      }
    });
  });

  it('A2 P7: C turns 18 on 10 March 2029; the A–C conversation stays visible, a new one is e2ee', () => {
    const policy = load({});
    const grown = person('C', '2029-03-10');
    expect(person('C', '2029-03-09').band).toBe('child');
    expect(grown.band).toBe('adult');
    expect(membershipChangeAllowed(policy, [A, grown], [A, grown], 'visible').ok).toBe(true);
    const addB = membershipChangeAllowed(policy, [A, grown], [A, grown, B], 'visible');
    expect(!addB.ok && addB.error.code).toBe('policy.mode_change');
    expect(conversationMode(policy, [A, grown]).mode).toBe('e2ee');
  });
});
