// Text signals (T1–T10): the classifier interface, its first implementation, the corpus it learns from.
export { MODEL_ONLY_MARGIN, detectLanguage, patternBayesClassifier, stageScore, trainedModel } from './classifier';
export type { ChatMessage, PatternBayesOptions, StageHit, TextAssessment, TextClassifier } from './classifier';
export { corpus } from './corpus';
export type { ConversationKind, CorpusConversation, CorpusMessage, Split } from './corpus';
export { DEFAULT_STAGE_THRESHOLDS } from './thresholds';
export { EN_PATTERNS } from './patterns';
export type { StagePattern } from './patterns';
