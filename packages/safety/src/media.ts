import { assertNever, type AgeBand, type ConversationMode } from '@haven/protocol';
import type { Policy } from './config';
import { refuse, type Refusal } from './decision';
import { helpFor, type Help } from './help';
import type { Participant } from './mode';

// Known-image checks (D1–D6): where media is checked, and what a match does. Hashing and matching
// themselves are in @haven/pdq; this only decides.

export type MediaCheck =
  /** D1: the server hashes and matches the upload before anyone receives it. */
  | { kind: 'server-scan'; reason: string }
  /** D2: devices check against synced lists: the sender's before sending, these recipients' before showing. */
  | { kind: 'client-check'; outgoing: boolean; incoming: string[]; reason: string }
  | { kind: 'none'; reason: string };

/**
 * Which checks apply to media sent by `sender` to `recipients` in a conversation whose stored mode is
 * `mode` (D1, D2).
 *
 * @example
 * mediaChecks(policyFor('nspcc'), 'visible', adult, [child]) // { kind: 'server-scan', … }
 */
export function mediaChecks(policy: Policy, mode: ConversationMode, sender: Participant, recipients: readonly Participant[]): MediaCheck {
  switch (mode) {
    case 'visible':
      return { kind: 'server-scan', reason: 'Checked on the server against known abuse imagery before anyone receives it.' };
    case 'e2ee': {
      const checks = (band: AgeBand) => holdsHashLists(policy, band);
      const outgoing = checks(sender.band);
      const incoming = recipients.filter((r) => checks(r.band)).map((r) => r.id);
      if (!outgoing && incoming.length === 0) return { kind: 'none', reason: 'Not checked: this server does not check images in end-to-end encrypted conversations.' };
      return { kind: 'client-check', outgoing, incoming, reason: 'Checked on devices against known abuse imagery; the server never sees the image.' };
    }
    default:
      return assertNever(mode, 'conversation mode');
  }
}

/** Whether devices of an account of `band` sync the enabled PDQ and SHA-256 lists (D3). */
export function holdsHashLists(policy: Policy, band: AgeBand): boolean {
  const on = policy.safeguards.clientHashChecks;
  switch (on) {
    case 'all-devices':
      return true;
    case 'child-devices':
      return band === 'child';
    case 'none':
      return false;
    default:
      return assertNever(on, 'client hash checks');
  }
}

/** Where a match was found: by the server, by the sender's device, or by a recipient's device. */
export type MatchSource = 'server-scan' | 'client-outgoing' | 'client-incoming';

/** A participant with the region used to choose help resources (never shown to others). */
export interface MediaParty extends Participant {
  readonly region?: string | null;
}

export interface MatchOutcome {
  source: MatchSource;
  /** Never delivered or shown. */
  delivered: false;
  /** D4: the server keeps the file in quarantine as evidence; D5/D6: it never left, or is dropped on, the device, and only hashes are reported. */
  evidence: 'quarantined-on-server' | 'hashes-only';
  /**
   * D4: a match the server found itself restricts the sender from media at once, pending review.
   * D5, D6: a device's claim is one the server cannot check (any member can post one naming any message
   * and any hash), so it restricts nobody by itself: it is kept for a moderator to review (D7).
   */
  restrictSender: boolean;
  /** Who saw the match. A device's word is a claim the server cannot check: review it first. */
  witness: 'server' | 'sender-device' | 'recipient-device';
  /** Accounts to send a `media.blocked` event, each with help for their band and region. */
  notify: { accountId: string; help: Help }[];
  /** What the sender's send gets: the `media.blocked` refusal and help. */
  sender: { refusal: Refusal; help: Help };
}

/**
 * What happens when media matches a hash list (D4–D6). `recipients` are those who were to receive it
 * (for `client-incoming`: the account whose device found it).
 *
 * @example
 * matchOutcome(policy, 'server-scan', adult, [child]).notify[0].help.resources[0].contact // '0800 1111'
 */
export function matchOutcome(policy: Policy, source: MatchSource, sender: MediaParty, recipients: readonly MediaParty[]): MatchOutcome {
  const help = (p: MediaParty) => helpFor(policy.help, p.band, p.region, 'media_blocked');
  const notified = source === 'client-outgoing' ? [] : recipients.filter((r) => r.id !== sender.id);
  return {
    source,
    delivered: false,
    evidence: source === 'server-scan' ? 'quarantined-on-server' : 'hashes-only',
    restrictSender: source === 'server-scan',
    witness: source === 'server-scan' ? 'server' : source === 'client-outgoing' ? 'sender-device' : 'recipient-device',
    notify: notified.map((r) => ({ accountId: r.id, help: help(r) })),
    sender: { refusal: refuse('media.blocked').error, help: help(sender) },
  };
}
