import { z } from 'zod';
import { SIGNAL_CODES, type SignalCode } from './signal-types';
import { TEXT_STAGES, type TextStage } from './text-stages';

// From signals to actions (K1–K6): a risk score with its explanation, friction for the adult, and the
// notice a child is shown. Pure: the server stores and acts.

export type AnySignalCode = SignalCode | TextStage;
export const ANY_SIGNAL_CODES: readonly AnySignalCode[] = [...SIGNAL_CODES, ...TEXT_STAGES];

/**
 * Default points. Every text stage but threats stays below the notice level (30) on its own: grooming
 * is a progression, and one ambiguous line ("shh don't say anything to Ben", a surprise party) must not
 * alarm anyone; two stages, or a threat, do.
 */
const DEFAULT_WEIGHTS: Record<AnySignalCode, number> = {
  'signal.adult_contacting_children': 30,
  'signal.repeated_blocks_reports': 25,
  'signal.fast_escalation': 25,
  'signal.refused_by_children': 20,
  'signal.blocked_reported_by_children': 35,
  'signal.new_account_reaching_children': 20,
  'signal.large_age_gap': 10,
  'signal.night_messages': 15,
  'signal.many_children_groups': 20,
  'text.age_location': 10,
  'text.flattery_gifts': 10,
  'text.secrecy': 25,
  'text.isolation': 20,
  'text.move_platform': 20,
  'text.image_request': 25,
  'text.meeting': 25,
  'text.threats': 60,
};

/** Scoring and friction (K1–K3), configurable under `safety.risk`. */
export const RiskSettings = z
  .object({
    /** Points per signal code; a code missing here keeps its default. */
    weights: z.partialRecord(z.enum(ANY_SIGNAL_CODES as [AnySignalCode, ...AnySignalCode[]]), z.number().min(0).max(100)).default({}),
    /** K2: from this score an adult's contact requests to children are slowed… */
    slowFromScore: z.number().min(1).max(100).default(40),
    /** …to this many a day… */
    slowRequestsPerDay: z.number().int().min(0).max(100).default(1),
    /** …and from this score stopped. */
    stopFromScore: z.number().min(1).max(100).default(70),
    /** K4: from this score the children the account contacted are shown a safety notice. */
    noticeFromScore: z.number().min(1).max(100).default(30),
  })
  .strict()
  .refine((r) => r.slowFromScore <= r.stopFromScore, { message: 'slowFromScore must not be above stopFromScore', path: ['slowFromScore'] });
export type RiskSettings = z.infer<typeof RiskSettings>;
export const DEFAULT_RISK_SETTINGS: RiskSettings = RiskSettings.parse({});

export interface ScoredSignal {
  code: AnySignalCode;
  explanation: string;
  evidence: readonly string[];
}

export interface RiskScore {
  /** 0–100. */
  score: number;
  /** One line per signal that counted, highest weight first. */
  explanation: string[];
  codes: AnySignalCode[];
  /** Event and message ids behind the score. */
  evidence: string[];
}

/**
 * K1: the score of one account: each distinct code counts once with its weight, capped at 100. The
 * explanation keeps every signal's sentence, so a moderator sees why.
 *
 * @example riskScore([{ code: 'text.threats', explanation: '…', evidence: ['m1'] }]).score // 60
 */
export function riskScore(signals: readonly ScoredSignal[], settings: RiskSettings = DEFAULT_RISK_SETTINGS): RiskScore {
  const weight = (c: AnySignalCode) => settings.weights[c] ?? DEFAULT_WEIGHTS[c];
  const codes = [...new Set(signals.map((s) => s.code))].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
  const score = Math.min(100, codes.reduce((n, c) => n + weight(c), 0));
  const ordered = [...signals].sort((a, b) => weight(b.code) - weight(a.code) || a.code.localeCompare(b.code));
  return {
    score,
    codes,
    explanation: ordered.map((s) => `${s.code} (+${weight(s.code)}): ${s.explanation}`),
    evidence: [...new Set(signals.flatMap((s) => s.evidence))],
  };
}

export type Friction = { kind: 'none' } | { kind: 'slow'; perDay: number } | { kind: 'stop' };

/** K2: what happens to an adult's new contact attempts to children at `score`. */
export function frictionFor(score: number, settings: RiskSettings = DEFAULT_RISK_SETTINGS): Friction {
  if (score >= settings.stopFromScore) return { kind: 'stop' };
  if (score >= settings.slowFromScore) return { kind: 'slow', perDay: settings.slowRequestsPerDay };
  return { kind: 'none' };
}

/**
 * K3: whether one more attempt is allowed under `friction`, given how many attempts to children the
 * account made in the last 24 hours.
 */
export function frictionAllows(friction: Friction, attemptsLastDay: number): boolean {
  switch (friction.kind) {
    case 'none':
      return true;
    case 'slow':
      return attemptsLastDay < friction.perDay;
    case 'stop':
      return false;
  }
}

export const REPORT_REMOVE_URL = 'https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/remove-nude-image-shared-online/';

export interface ChildNotice {
  kind: 'grooming' | 'sextortion';
  title: string;
  /** Plain sentences, one per reason, then what to do. */
  lines: string[];
  /** What the child can do at once: block and report the account, and get help. */
  actions: readonly ('block' | 'report' | 'help' | 'report_remove')[];
  /** Set for sextortion: Childline's Report Remove. */
  reportRemoveUrl?: string;
}

const REASON_LINES: Partial<Record<AnySignalCode, string>> = {
  'signal.blocked_reported_by_children': 'This person has been reported or blocked by other young people.',
  'signal.repeated_blocks_reports': 'This person has been reported or blocked by other people.',
  'signal.adult_contacting_children': 'This person has been trying to contact lots of young people they do not know.',
  'signal.refused_by_children': 'Other young people have said no to this person.',
  'signal.new_account_reaching_children': 'This is a new account that has been contacting young people it does not know.',
  'signal.fast_escalation': 'This person sent pictures very soon after meeting you.',
  'signal.night_messages': 'This person messages young people late at night.',
  'text.secrecy': 'People who ask you to keep secrets from your parents or carers, or to delete messages, are not acting like a real friend.',
  'text.isolation': 'Someone who tries to come between you and your family or friends may not have your best interests at heart.',
  'text.move_platform': 'Someone asking you to move to another app may want to talk where nobody can check on you.',
  'text.image_request': 'Nobody should ask you for photos or videos of yourself. You can always say no.',
  'text.meeting': 'Never meet someone you only know online without a trusted adult.',
  'text.flattery_gifts': 'Gifts, money or lots of compliments from someone you do not know can be a way to make you feel you owe them.',
};

/**
 * K4–K5: the notice for a child who is in contact with an account whose signals are `codes`. Threats
 * get the sextortion notice: not in trouble, do not pay, Report Remove. Plain words, one reason a line.
 */
export function childNotice(codes: readonly AnySignalCode[]): ChildNotice {
  if (codes.includes('text.threats')) {
    return {
      kind: 'sextortion',
      title: 'You are not in trouble',
      lines: [
        'Someone may be threatening to share pictures of you unless you pay or send more. This is a crime, and it is not your fault.',
        'Do not pay and do not send anything more. Paying rarely makes it stop.',
        'Stop replying, but do not delete the chat: it can help. Block and report them.',
        "Childline's Report Remove can help get nude images of you taken down. Talk to Childline free on 0800 1111.",
      ],
      actions: ['block', 'report', 'report_remove', 'help'],
      reportRemoveUrl: REPORT_REMOVE_URL,
    };
  }
  const reasons = codes.flatMap((c) => REASON_LINES[c] ?? []);
  return {
    kind: 'grooming',
    title: 'Take care with this person',
    lines: [
      ...(reasons.length > 0 ? reasons : ['Something about this account looked unsafe to our safety checks.']),
      'You can block or report them with one tap. It is not your fault, and you will not be in trouble.',
      'You can talk to Childline free on 0800 1111, any time.',
    ],
    actions: ['block', 'report', 'help'],
  };
}
