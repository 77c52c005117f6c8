import type { TextStage } from '../text-stages';

// Weighted patterns per stage (T1–T8), English first: each is a regular expression a reviewer can read,
// with the weight it adds to the stage's score. They catch phrasings the small model has not seen.

export interface StagePattern {
  stage: TextStage;
  pattern: RegExp;
  weight: number;
  /** A short name shown in explanations. */
  name: string;
}

const p = (stage: TextStage, name: string, weight: number, pattern: RegExp): StagePattern => ({ stage, name, weight, pattern });

export const EN_PATTERNS: readonly StagePattern[] = [
  p('text.age_location', 'asks age', 2, /\b(how old (are|r) (you|u)|what age (are|r) (you|u)|\basl\b|are (you|u) (like )?1[0-7]\b)/i),
  p('text.age_location', 'asks school or home', 2, /\b(what|which) (school|town|area|year)\b.*\b(you|u)\b|\bwhere do (you|u) live\b|\bpost ?code\b/i),
  p('text.age_location', 'asks if alone', 2.5, /\b(home alone|parents home|your own room|own bedroom)\b/i),
  p('text.flattery_gifts', 'mature for age', 3, /\bmature for (your|ur) age\b|\bmore grown up than\b|\bnot like other (girls|boys)\b/i),
  p('text.flattery_gifts', 'offers gifts', 2, /\b(i('ll| will| can| could)|want me to) (buy|get|send|top up)\b.*\b(you|u|your|ur)\b/i),
  p('text.secrecy', 'keep secret', 3, /\b(our (little )?secret|between us|nobody needs to know|promise (you|u) (wont|won'?t) tell)\b/i),
  p('text.secrecy', "don't tell", 2, /\b(don'?t|do not|dont) (tell|say anything|mention)\b/i),
  p('text.secrecy', 'delete messages', 2.5, /\b(delete|clear|wipe) (these|this|the|your|our)? ?(messages|chat|convo|history|pics)\b/i),
  p('text.isolation', 'only I understand', 3, /\b(only (one )?(i|me)\b.*\b(understand|cares?|get)|(don'?t|dont) (really )?(get|understand) (you|u)\b)/i),
  p('text.isolation', 'against family', 2.5, /\b(you don'?t need them|can'?t trust (your|ur)|forget them|they don'?t deserve you|too strict with (you|u))\b/i),
  p('text.move_platform', 'another app', 2, /\b(talk|chat|message|move|switch|text) (me )?(on|to) (snap(chat)?|whatsapp|telegram|discord|kik|insta|wickr|signal)\b/i),
  p('text.move_platform', 'more private', 3, /\b(more private|messages disappear|somewhere (more )?private)\b/i),
  p('text.move_platform', 'asks number', 1.5, /\b(give|send) me (your|ur) (number|digits)\b/i),
  p('text.image_request', 'asks for a picture', 2, /\b(send|show|take) (me )?(a |an |one )?(pic|picture|photo|selfie|video|vid)\b/i),
  p('text.image_request', 'sexualised request', 3.5, /\b(without (your|ur) (top|clothes)|in (your|ur) (bikini|underwear|pyjamas|bed)|just for me|something special)\b/i),
  p('text.image_request', 'camera on', 2, /\bturn (your|ur) camera on\b/i),
  p('text.meeting', 'meet alone', 3.5, /\b(come alone|just us|don'?t bring anyone|book us a room)\b/i),
  p('text.meeting', 'pick up', 2.5, /\b(pick (you|u) up|come (and )?get (you|u)|drive (over )?to (yours|your house))\b/i),
  p('text.meeting', 'meet up', 1.5, /\b(meet (up|me)|we should meet)\b/i),
  p('text.threats', 'pay or else', 4, /\b(send|pay)\b.*(£|\$|quid|gift ?cards?|bitcoin)|\bor (else|i'?ll|i will)\b.*\b(post|send|share|ruin)\b/i),
  p('text.threats', 'share images', 4, /\b(post|send|share) (these|this|it|your (pics|nudes|pictures|video))\b.*\b(online|everyone|school|friends|followers|mum|dad|parents)\b/i),
  p('text.threats', 'threat', 3, /\b(your life is over|ruin your life|everyone (sees|will see)|i know where (you|u) live)\b/i),
];
