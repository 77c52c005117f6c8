import { z } from 'zod';

// Input rules shared by every text and number field that reaches storage (issue 13, items 11 and 16):
// one place decides what a name, a title or a sequence number may be, so schemas match the columns.

/** Largest value of a PostgreSQL `integer` column (sequence numbers, cursors, indexes). */
export const INT32_MAX = 2 ** 31 - 1;

/** A non-negative integer that fits an `integer` column. */
export const UInt32Column = z.number().int().nonnegative().max(INT32_MAX);

/** A per-conversation sequence number (`messages.seq`, `cursors.acked_seq` are `integer`). */
export const Seq = UInt32Column;

// No C0 controls (NUL included: PostgreSQL refuses it in text), DEL or C1 controls (0x9b is a CSI).
const NO_CONTROL = /^[^\u0000-\u001f\u007f-\u009f]*$/u;
const NO_CONTROL_EXCEPT_NEWLINE_TAB = /^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$/u;

/**
 * A text field: length in UTF-16 units, no control characters (so no NUL, no escape sequences).
 * `multiline` allows line feeds and tabs (reasons people write); `trim` trims first.
 * @example const Title = safeText({ min: 1, max: 100 });
 */
export function safeText(opts: { min?: number; max: number; multiline?: boolean; trim?: boolean }): z.ZodString {
  const base = opts.trim ? z.string().trim() : z.string();
  return base
    .min(opts.min ?? 0)
    .max(opts.max)
    .regex(opts.multiline ? NO_CONTROL_EXCEPT_NEWLINE_TAB : NO_CONTROL, 'control characters are not allowed');
}

/** A MIME type (`type/subtype`, optional `; key=value` parameters), printable ASCII only. */
export const ContentType = z
  .string()
  .min(3)
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(?:\s*;\s*[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"[ !#-~]*"))*$/,
    'a content type is type/subtype, e.g. image/png',
  );

// Characters that hide or reorder text: format characters (bidi controls, zero-width spaces and joiners,
// soft hyphens, invisible operators), line/paragraph separators, private use, unassigned, surrogates,
// and the Hangul fillers that render as blanks.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}\u115f\u1160\u3164\uffa0\u034f]/u;
// Marks of verification a name must not borrow from the interface.
const BADGES = /[\u2713\u2714\u2705\u2611\u{1F5F8}\u{1F5F9}\u2610\u2612\u{1F6E1}\u{1F46E}\u24C2\u00AE\u2122]/u;
/** Words only Haven itself may use in a name (compared after folding look-alikes, spaces and punctuation). */
export const RESERVED_NAME_PARTS = ['haven', 'safetyteam', 'trustandsafety', 'nspcc', 'childline'] as const;
/** Whole words a name may not be or contain as a word. */
export const RESERVED_NAME_WORDS = ['admin', 'administrator', 'moderator', 'mod', 'official', 'staff', 'support', 'system', 'verified', 'security'] as const;

/** Digits and symbols people use for letters, folded before names are compared. */
export const LOOKALIKES: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i', '|': 'l' };

/** A name folded for comparison: NFKC, lower case, common look-alike digits and symbols as letters. */
export function foldName(name: string): string {
  return [...name.normalize('NFKC').toLowerCase()].map((c) => LOOKALIKES[c] ?? c).join('');
}

/**
 * Why a display name may not be used, or `undefined` when it may. Pure: the server adds the check that
 * needs storage (another account's handle).
 */
export function displayNameProblem(name: string): string | undefined {
  if (INVISIBLE.test(name)) return 'control, invisible and text-direction characters are not allowed';
  if (BADGES.test(name)) return 'symbols that look like a verification badge are not allowed';
  if (/\p{M}{3,}/u.test(name)) return 'too many combining marks in a row';
  if (/^\s|\s$/u.test(name) || /\s{2,}/u.test(name)) return 'no leading, trailing or repeated spaces';
  const folded = foldName(name);
  const squashed = folded.replace(/[^\p{L}\p{N}]/gu, '');
  // Separators and marks are removed too, so "H a v e n" and "h.a.v.e.n" are the same name.
  const part = RESERVED_NAME_PARTS.find((p) => squashed.normalize('NFD').replace(/\p{M}/gu, '').includes(p));
  if (part) return `"${part}" is reserved for Haven itself`;
  const words = folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const word = RESERVED_NAME_WORDS.find((w) => words.includes(w));
  if (word) return `"${word}" is reserved for Haven's staff`;
  return undefined;
}

/** A display name: 1–64 characters, no control/bidi/zero-width characters, no reserved words or badges. */
export const DisplayName = safeText({ min: 1, max: 64 }).superRefine((name, ctx) => {
  const problem = displayNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
