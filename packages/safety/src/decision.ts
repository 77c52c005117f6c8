import { ERRORS, err, ok, type ErrorCode, type Result } from '@haven/protocol';

/**
 * Why something was allowed or chosen, by stable code, with the sentence shown to people. Refusals use
 * the protocol's error registry instead (`policy.*`), so the server can send them as they are.
 */
export const REASONS = {
  'mode.member_under_18': 'visible to safety checks: a member is under 18',
  'mode.adults_only': '🔒 end-to-end encrypted: every member is an adult',
  'mode.preset_e2ee_safeguarded': '🔒 end-to-end encrypted, with images checked for known abuse imagery on each device',
  'mode.preset_e2ee_only': '🔒 end-to-end encrypted',
  'membership.mode_unchanged': 'The conversation keeps how it is protected.',
  'membership.leave_keeps_mode': 'People can always leave or be removed; the conversation keeps how it is protected.',
  'contact.request_allowed': 'The contact request can be sent.',
  'contact.request_accepts_pending': 'They already asked to be your contact, so this accepts their request.',
  'contact.accept_allowed': 'The contact request can be accepted.',
  'direct.allowed': 'The conversation can be started.',
  'group.add_allowed': 'They can be added to the group.',
  'group.join_allowed': 'They can join the group with this invite.',
  'group.create_allowed': 'The group can be created.',
  'search.shown': 'Shown in search.',
  'search.hidden_self': 'You do not appear in your own search.',
  'search.hidden_blocked': 'Hidden: one of the two accounts has blocked the other.',
  'search.hidden_child_from_adult': 'Hidden: people under 18 are not found by adults.',
  'search.hidden_child_from_child': 'Hidden: on this server people under 18 are not found in search.',
} as const;
export type ReasonCode = keyof typeof REASONS;

export interface Allowed<C extends ReasonCode = ReasonCode> {
  code: C;
  reason: string;
}
export interface Refusal {
  code: ErrorCode;
  message: string;
}
/** Every decision: allowed with a reason code and sentence, or refused with a registered error code. */
export type Decision<C extends ReasonCode = ReasonCode> = Result<Allowed<C>, Refusal>;

export const allow = <C extends ReasonCode>(code: C): { ok: true; value: Allowed<C> } => ok({ code, reason: REASONS[code] });

/** A refusal with a registered code; `message` replaces the registry sentence with a more specific one. */
export const refuse = (code: ErrorCode, message?: string): { ok: false; error: Refusal } =>
  err({ code, message: message ?? ERRORS[code].message });
