import { assertNever, type AgeBand, type ConversationMode } from '@haven/protocol';
import type { Policy } from './config';
import { REASONS, allow, refuse, type Decision } from './decision';
import { PRESETS, type ClientHashChecks, type ModeCode } from './presets';

/** A member of a conversation: an account id and its band, computed by the caller from birth date and clock. */
export interface Participant {
  readonly id: string;
  readonly band: AgeBand;
}

/** Which safeguards protect a conversation in its mode (P3). */
export interface Safeguards {
  /** The server scans media before delivery (`visible` only). */
  serverScan: boolean;
  /** Reports of messages carry a franking proof (`e2ee`). */
  frankedReports: boolean;
  /** Risk signals from metadata (every mode). */
  metadataSignals: boolean;
  /** Devices that check media against synced hash lists (`e2ee`). */
  clientHashChecks: ClientHashChecks;
}

export interface ModeDecision {
  mode: ConversationMode;
  code: ModeCode;
  /** Shown to every member, e.g. 'visible to safety checks: a member is under 18'. */
  reason: string;
  safeguards: Safeguards;
}

/** The safeguards of a conversation in `mode` under `policy` (P3). */
export function safeguardsOf(policy: Policy, mode: ConversationMode): Safeguards {
  switch (mode) {
    case 'visible':
      return { serverScan: true, frankedReports: false, metadataSignals: true, clientHashChecks: 'none' };
    case 'e2ee':
      return {
        serverScan: false,
        frankedReports: policy.safeguards.frankedReports,
        metadataSignals: policy.safeguards.metadataSignals,
        clientHashChecks: policy.safeguards.clientHashChecks,
      };
    default:
      return assertNever(mode, 'conversation mode');
  }
}

/**
 * The mode of a new conversation with these participants (the creator included), with its reason
 * (P2). Under `nspcc` any member under 18 makes it `visible`; otherwise it is `e2ee`.
 *
 * @example
 * conversationMode(policyFor('nspcc'), [{ id: 'a', band: 'adult' }, { id: 'c', band: 'child' }])
 * // { mode: 'visible', code: 'mode.member_under_18', reason: 'visible to safety checks: a member is under 18', … }
 */
export function conversationMode(policy: Policy, participants: readonly Participant[]): ModeDecision {
  if (participants.length === 0) throw new Error('conversationMode: a conversation has at least one participant');
  const preset = PRESETS[policy.preset];
  const withChild = participants.some((p) => p.band === 'child');
  const [mode, code] = withChild ? [preset.withChild, preset.withChildCode] : [preset.adultsOnly, preset.adultsOnlyCode];
  return { mode, code, reason: REASONS[code], safeguards: safeguardsOf(policy, mode) };
}

/**
 * Whether a membership change keeps the conversation's stored mode (P4). The stored mode is what
 * counts, not today's bands: a child who turned 18 changes nothing that exists (P7). A change that
 * would give a different mode is refused with `policy.mode_change` and the reason; removing or losing
 * members is never refused and keeps the stored mode (P8), so nobody is ever kept in a conversation.
 *
 * @example
 * membershipChangeAllowed(policyFor('nspcc'), [a, b], [a, b, child], 'e2ee')
 * // { ok: false, error: { code: 'policy.mode_change', message: '… visible to safety checks: a member is under 18 …' } }
 */
export function membershipChangeAllowed(
  policy: Policy,
  currentMembers: readonly Participant[],
  newMembers: readonly Participant[],
  currentMode: ConversationMode,
): Decision<'membership.mode_unchanged' | 'membership.leave_keeps_mode'> {
  const current = new Set(currentMembers.map((m) => m.id));
  const onlyRemovals = newMembers.every((m) => current.has(m.id));
  if (onlyRemovals) return allow(newMembers.length === currentMembers.length ? 'membership.mode_unchanged' : 'membership.leave_keeps_mode');
  const next = conversationMode(policy, newMembers);
  if (next.mode === currentMode) return allow('membership.mode_unchanged');
  return refuse('policy.mode_change', modeChangeMessage(currentMode, next));
}

function modeChangeMessage(from: ConversationMode, to: ModeDecision): string {
  const now = from === 'e2ee' ? 'end-to-end encrypted' : 'visible to safety checks';
  return `This conversation is ${now}; with this change it would be ${to.reason}. Start a new conversation instead.`;
}

/**
 * Whether a conversation's stored mode still protects its members as the policy requires today (P9).
 * A birthday only ever makes a stored mode more protective than needed (P7), which fits; an age
 * correction (an admin, age assurance) can put a child in an `e2ee` conversation under `nspcc`, which
 * does not: the server must then not change the mode silently, but stop new messages there with
 * `policy.mode_change` and tell the members why (`required.reason`).
 *
 * @example
 * modeFits(policyFor('nspcc'), [adult, correctedToChild], 'e2ee') // { fits: false, required: { mode: 'visible', … } }
 */
export function modeFits(policy: Policy, members: readonly Participant[], storedMode: ConversationMode): { fits: boolean; required: ModeDecision } {
  const required = conversationMode(policy, members);
  return { fits: !(storedMode === 'e2ee' && required.mode === 'visible'), required };
}
