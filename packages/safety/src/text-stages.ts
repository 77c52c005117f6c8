// The stages of grooming and sextortion that practitioners describe (T1–T8), as text-signal codes.
// Only conversations the server may read (`visible`) are ever classified (T9).

export const TEXT_STAGES = [
  'text.age_location',
  'text.flattery_gifts',
  'text.secrecy',
  'text.isolation',
  'text.move_platform',
  'text.image_request',
  'text.meeting',
  'text.threats',
] as const;
export type TextStage = (typeof TEXT_STAGES)[number];

/** What each stage means, for moderators and the bench report. */
export const TEXT_STAGE_NAMES: Record<TextStage, string> = {
  'text.age_location': 'questions about age, school or where someone lives',
  'text.flattery_gifts': 'flattery, gifts, money or game credit',
  'text.secrecy': 'asking to keep it secret or delete messages',
  'text.isolation': 'turning the child against family and friends',
  'text.move_platform': 'moving the chat to another app',
  'text.image_request': 'asking for photos or video of the child',
  'text.meeting': 'arranging to meet in person',
  'text.threats': 'threats and demands (sextortion)',
};
