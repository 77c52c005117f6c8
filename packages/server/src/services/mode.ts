import type { AgeBand, ConversationMode } from '@haven/protocol';

// The one place that decides a conversation's mode. The safety policy engine replaces the body of
// `decideMode` later; everything else asks this function.

export const MODE_REASONS = {
  'mode.default_visible': 'Visible to safety checks: end-to-end encryption is not enabled on this server yet.',
  'mode.adults_e2ee': 'End-to-end encrypted: every member is an adult.',
  'mode.member_under_18': 'Visible to safety checks: a member is under 18.',
} as const;
export type ModeReasonCode = keyof typeof MODE_REASONS;

export interface Participant {
  accountId: string;
  ageBand: AgeBand;
}

export interface ModeDecision {
  mode: ConversationMode;
  reasonCode: ModeReasonCode;
}

export function decideMode(participants: readonly Participant[], opts: { e2eeEnabled?: boolean } = {}): ModeDecision {
  if (opts.e2eeEnabled === false) return { mode: 'visible', reasonCode: 'mode.default_visible' };
  // Until the safety policy engine decides (issue 6): adults-only conversations are e2ee, any child → visible.
  if (participants.some((p) => p.ageBand === 'child')) return { mode: 'visible', reasonCode: 'mode.member_under_18' };
  return { mode: 'e2ee', reasonCode: 'mode.adults_e2ee' };
}

/** The sentence shown to members for a stored reason code (unknown codes from later versions fall back). */
export function modeReasonText(code: string): string {
  return (MODE_REASONS as Record<string, string>)[code] ?? code;
}
