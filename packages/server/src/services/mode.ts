import type { ConversationMode } from '@haven/protocol';
import { conversationMode, REASONS, type Participant, type Policy } from '@haven/safety';

// The one place that decides a conversation's mode: the safety policy engine (@haven/safety, P2).
// Everything else asks this function.

export type { Participant };

export interface ModeDecision {
  mode: ConversationMode;
  reasonCode: string;
  reason: string;
}

/**
 * The mode of a new conversation with these participants (bands computed by the caller, at this
 * moment). With MLS turned off (`mls.enabled: false`) nothing can be e2ee: every conversation is visible.
 */
export function decideMode(policy: Policy, participants: readonly Participant[], opts: { e2eeEnabled?: boolean } = {}): ModeDecision {
  if (opts.e2eeEnabled === false) return { mode: 'visible', reasonCode: 'mode.default_visible', reason: modeReasonText('mode.default_visible') };
  const d = conversationMode(policy, participants);
  return { mode: d.mode, reasonCode: d.code, reason: d.reason };
}

/** The sentence shown to members: the one stored at creation, else the current wording of the code. */
export function modeReasonText(code: string, stored?: string | null): string {
  if (stored) return stored;
  if (code === 'mode.default_visible') return 'Visible to safety checks: end-to-end encryption is not enabled on this server yet.';
  return (REASONS as Record<string, string>)[code] ?? code;
}
