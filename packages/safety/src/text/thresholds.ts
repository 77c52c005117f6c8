import type { TextStage } from '../text-stages';

// Per-stage score thresholds of the pattern+Bayes classifier, set by `npm run bench -- signals --tune`
// on the corpus's `tune` split (never the held-out `test` split) so that ordinary chats raise under
// 1% false alarms. Regenerate after changing patterns, the corpus or the model.

export const DEFAULT_STAGE_THRESHOLDS: Record<TextStage, number> = {
  'text.age_location': 2,
  'text.flattery_gifts': 3.62,
  'text.secrecy': 3.35,
  'text.isolation': 2,
  'text.move_platform': 4.25,
  'text.image_request': 2.81,
  'text.meeting': 4.67,
  'text.threats': 2,
};
