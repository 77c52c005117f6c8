import { francAll } from 'franc-min';
import { TEXT_STAGES, type TextStage } from '../text-stages';
import { bayesLogOdds, trainBayes, type BayesModel } from './bayes';
import { corpus } from './corpus';
import { EN_PATTERNS, type StagePattern } from './patterns';
import { DEFAULT_STAGE_THRESHOLDS } from './thresholds';

// Text signals (T1–T10): a pluggable classifier interface and its first, transparent implementation:
// weighted patterns plus a naive Bayes model trained from the project's own corpus. Only text the
// server may read (`visible` conversations) is ever given to it (T9).

export interface ChatMessage {
  id: string;
  senderId: string;
  text: string;
}

export interface StageHit {
  stage: TextStage;
  messageId: string;
  senderId: string;
  score: number;
  /** Why, in words a moderator can check: the patterns that matched and the model's strongest words. */
  reasons: string[];
}

export interface TextAssessment {
  /** ISO 639-3 code from language detection, or `und` when the text is too short to tell. */
  language: string;
  /** False when no model exists for the language: nothing was concluded, in either direction. */
  assessed: boolean;
  hits: StageHit[];
}

/** Anything that can turn a window of messages into stage hits. */
export interface TextClassifier {
  readonly name: string;
  classify(messages: readonly ChatMessage[]): TextAssessment;
}

/** Languages with a model; `und` (too short to tell) is read as English, the only model so far. */
const MODELS = new Set(['eng', 'und']);

/**
 * The language of a window of messages (franc-min trigrams): `und` below 100 characters, where the
 * guess is noise (a 41-character English line can come out French), so short text is read with the
 * English model rather than left unassessed. Chat English (slang, names, "lol") often scores just
 * under another language, so a language with a model wins when it scores within 15% of the best guess.
 */
export function detectLanguage(texts: readonly string[]): string {
  const all = texts.join('. ');
  if (all.length < 100) return 'und';
  const ranked = francAll(all, { minLength: 100 });
  const best = ranked[0];
  if (!best || best[0] === 'und') return 'und';
  const modelled = ranked.find(([lang, score]) => MODELS.has(lang) && score >= 0.85 * best[1]);
  return modelled ? modelled[0] : best[0];
}

export interface PatternBayesOptions {
  thresholds?: Partial<Record<TextStage, number>>;
  patterns?: readonly StagePattern[];
  model?: BayesModel;
  /** How much the model's log-odds count next to pattern weights. */
  modelWeight?: number;
}

/** Score of one message for one stage: matched pattern weights + scaled model log-odds. */
export function stageScore(
  model: BayesModel,
  patterns: readonly StagePattern[],
  stage: TextStage,
  text: string,
  modelWeight: number,
): { score: number; reasons: string[]; patterned: boolean } {
  const matched = patterns.filter((p) => p.stage === stage && p.pattern.test(text));
  const nb = bayesLogOdds(model, stage, text);
  const score = matched.reduce((n, p) => n + p.weight, 0) + modelWeight * Math.max(-4, Math.min(8, nb.logOdds));
  const reasons = [...matched.map((p) => `pattern “${p.name}” (+${p.weight})`), ...(nb.top.length ? [`model words: ${nb.top.map((w) => `“${w}”`).join(', ')}`] : [])];
  return { score, reasons, patterned: matched.length > 0 };
}

/**
 * T10: a stage fires at its threshold when a pattern matched; on the model's word alone it needs this
 * much more (the model confirms and extends patterns, it does not accuse on its own).
 */
export const MODEL_ONLY_MARGIN = 2;

let trained: BayesModel | undefined;
/** The naive Bayes model fitted on the corpus's `train` split only (memoised: fitting takes milliseconds). */
export function trainedModel(): BayesModel {
  trained ??= trainBayes(
    corpus()
      .filter((c) => c.split === 'train')
      .flatMap((c) => c.messages.map((m) => ({ text: m.text, labels: m.stages }))),
    TEXT_STAGES,
  );
  return trained;
}

/**
 * The first text classifier: transparent patterns plus a small model, thresholds per stage set on the
 * corpus's `tune` split (bench/signals.ts) so that ordinary chats raise under 1% false alarms.
 *
 * @example patternBayesClassifier().classify([{ id: 'm1', senderId: 'a', text: "don't tell your mum about us" }]).hits[0].stage // 'text.secrecy'
 */
export function patternBayesClassifier(opts: PatternBayesOptions = {}): TextClassifier {
  const thresholds = { ...DEFAULT_STAGE_THRESHOLDS, ...opts.thresholds };
  const patterns = opts.patterns ?? EN_PATTERNS;
  const modelWeight = opts.modelWeight ?? 0.5;
  return {
    name: 'patterns+bayes/en',
    classify(messages) {
      const language = detectLanguage(messages.map((m) => m.text));
      if (!MODELS.has(language)) return { language, assessed: false, hits: [] };
      const model = opts.model ?? trainedModel();
      const hits: StageHit[] = [];
      for (const m of messages) {
        if (m.text.length === 0) continue;
        // Very long messages are cut: patterns and the model look at the first 2000 characters.
        const text = m.text.length > 2000 ? m.text.slice(0, 2000) : m.text;
        for (const stage of TEXT_STAGES) {
          const { score, reasons, patterned } = stageScore(model, patterns, stage, text, modelWeight);
          if (score >= thresholds[stage] + (patterned ? 0 : MODEL_ONLY_MARGIN)) hits.push({ stage, messageId: m.id, senderId: m.senderId, score: Math.round(score * 100) / 100, reasons });
        }
      }
      return { language, assessed: true, hits };
    },
  };
}
