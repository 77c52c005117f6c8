import type { CaseSummary, ModAction } from '@haven/protocol';

// The console's words for the moderation wire values (the CLI prints the codes themselves).

export const STATUS_TEXT: Record<CaseSummary['status'], string> = { open: 'Open', in_review: 'In review', actioned: 'Actioned', referred: 'Referred', closed: 'Closed' };
export const PRIORITY_TEXT: Record<CaseSummary['priority'], string> = { urgent: 'Urgent', high: 'High', normal: 'Normal', low: 'Low' };
export const ACTION_TEXT: Record<ModAction, string> = {
  warn: 'Warn the account',
  remove_content: 'Remove the reported content',
  restrict_media: 'Stop the account sending images and files',
  suspend: 'Suspend the account for a time',
  ban: 'Ban the account',
  lift: 'Lift earlier restrictions',
  no_violation: 'No violation',
};
export const ageText = (band: 'child' | 'adult'): string => (band === 'child' ? 'under 18' : 'adult');
