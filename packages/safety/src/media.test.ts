import { describe, expect, it } from 'vitest';
import { ERRORS } from '@haven/protocol';
import { policyFor } from './config';
import { holdsHashLists, matchOutcome, mediaChecks, type MatchSource } from './media';
import { conversationMode } from './mode';
import { PRESET_NAMES } from './presets';
import { adult, child, configured, members } from '../test/fixtures';

describe('where media is checked, every preset × every mix × every sender', () => {
  // For each preset: what a conversation with / without a child gets.
  const EXPECTED = {
    nspcc: { withChild: 'server-scan', adultsOnly: 'client-check:all' },
    'e2ee-safeguarded': { withChild: 'client-check:all', adultsOnly: 'client-check:all' },
    'e2ee-only': { withChild: 'none', adultsOnly: 'none' },
  } as const;

  for (const preset of PRESET_NAMES) {
    const policy = policyFor(preset);
    it.each(['AA', 'AC', 'CC', 'AAA', 'AAC', 'ACC', 'CCC', 'AAAA', 'AAAC', 'AACC', 'ACCC', 'CCCC'])(
      `D1 D2: ${preset}, members %s, each member sending`,
      (mix) => {
        const all = members(mix);
        const mode = conversationMode(policy, all).mode;
        const expected = EXPECTED[preset][mix.includes('C') ? 'withChild' : 'adultsOnly'];
        for (const sender of all) {
          const recipients = all.filter((m) => m !== sender);
          const check = mediaChecks(policy, mode, sender, recipients);
          switch (expected) {
            case 'server-scan':
              expect(check.kind).toBe('server-scan');
              break;
            case 'client-check:all':
              expect(check).toMatchObject({ kind: 'client-check', outgoing: true, incoming: recipients.map((r) => r.id) });
              break;
            case 'none':
              expect(check.kind).toBe('none');
              break;
          }
          expect(check.reason).toMatch(/^[A-Z].*\.$/);
        }
      },
    );
  }

  it('D1: a stored visible mode is scanned on the server even after every member turned 18 (P7)', () => {
    expect(mediaChecks(policyFor('nspcc'), 'visible', adult('a'), [adult('b')]).kind).toBe('server-scan');
  });

  it('D2 D3: safeguards.clientHashChecks = child-devices checks only on children’s devices', () => {
    const p = configured({ policy: 'e2ee-only', safeguards: { clientHashChecks: 'child-devices' } });
    expect(mediaChecks(p, 'e2ee', adult('a'), [child('c'), adult('b')])).toMatchObject({ kind: 'client-check', outgoing: false, incoming: ['c'] });
    expect(mediaChecks(p, 'e2ee', child('c'), [adult('a')])).toMatchObject({ kind: 'client-check', outgoing: true, incoming: [] });
    expect(mediaChecks(p, 'e2ee', adult('a'), [adult('b')]).kind).toBe('none');
    expect([holdsHashLists(p, 'child'), holdsHashLists(p, 'adult')]).toEqual([true, false]);
  });

  it.each([
    ['nspcc', true, true],
    ['e2ee-safeguarded', true, true],
    ['e2ee-only', false, false],
  ] as const)('D3: under %s devices of children hold the lists: %s, of adults: %s', (preset, c, a) => {
    expect(holdsHashLists(policyFor(preset), 'child')).toBe(c);
    expect(holdsHashLists(policyFor(preset), 'adult')).toBe(a);
  });
});

describe('what a match does', () => {
  const policy = policyFor('nspcc');
  const sender = { ...adult('A'), region: 'GB' };
  const kid = { ...child('C'), region: 'west-yorkshire' };
  const grown = adult('B');

  it('D4: a server match is quarantined, the sender restricted, every recipient told with help for their band', () => {
    const o = matchOutcome(policy, 'server-scan', sender, [kid, grown]);
    expect(o).toMatchObject({ delivered: false, evidence: 'quarantined-on-server', restrictSender: true, witness: 'server' });
    expect(o.notify.map((n) => [n.accountId, n.help.moment, n.help.resources[0]!.contact])).toEqual([
      ['C', 'media_blocked', '0800 1111'],
      ['B', 'media_blocked', '0808 800 5000'],
    ]);
    expect(o.sender.refusal).toEqual({ code: 'media.blocked', message: ERRORS['media.blocked'].message });
  });

  it('D5 D7: a match on the sender’s device: never sent, hashes only, nobody else told; a device claim restricts nobody by itself', () => {
    const o = matchOutcome(policyFor('e2ee-safeguarded'), 'client-outgoing', sender, [kid]);
    expect(o).toMatchObject({ delivered: false, evidence: 'hashes-only', restrictSender: false, witness: 'sender-device', notify: [] });
  });

  it('D6 D7: a match on a recipient’s device: not shown, hashes only, that recipient gets help, the claim goes to review and restricts nobody', () => {
    const o = matchOutcome(policyFor('e2ee-safeguarded'), 'client-incoming', sender, [kid]);
    expect(o).toMatchObject({ delivered: false, evidence: 'hashes-only', restrictSender: false, witness: 'recipient-device' });
    expect(o.notify).toEqual([{ accountId: 'C', help: expect.objectContaining({ moment: 'media_blocked', region: 'GB' }) }]);
  });

  it.each(['server-scan', 'client-outgoing', 'client-incoming'] as MatchSource[])('D4–D6: a child who sends a known image gets help (%s)', (source) => {
    const o = matchOutcome(policy, source, kid, [grown]);
    expect(o.sender.help.resources[0]!.name).toBe('Childline');
    expect(o.notify.some((n) => n.accountId === kid.id)).toBe(false);
  });
});
