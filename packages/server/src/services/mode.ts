import type { AgeBand, ConversationMode } from '@haven/protocol';

// The one place that decides a conversation's mode. The safety policy engine replaces the body of
// `decideMode` later; everything else asks this function.

export const MODE_REASONS = {
  'mode.default_visible': 'Visible to safety checks: end-to-end encryption is not enabled on this server yet.',
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

export function decideMode(participants: readonly Participant[]): ModeDecision {
  void participants;
  return { mode: 'visible', reasonCode: 'mode.default_visible' };
}

/** The sentence shown to members for a stored reason code (unknown codes from later versions fall back). */
export function modeReasonText(code: string): string {
  return (MODE_REASONS as Record<string, string>)[code] ?? code;
}
