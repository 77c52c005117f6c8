import type { ConversationMode } from '@haven/protocol';

/** Which devices check media against the synced hash lists in `e2ee` conversations (P3). */
export const CLIENT_HASH_CHECKS = ['all-devices', 'child-devices', 'none'] as const;
export type ClientHashChecks = (typeof CLIENT_HASH_CHECKS)[number];

export const PRESET_NAMES = ['nspcc', 'e2ee-safeguarded', 'e2ee-only'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
export const DEFAULT_PRESET: PresetName = 'nspcc';

export interface Preset {
  /** Mode of a conversation with at least one member under 18. */
  readonly withChild: ConversationMode;
  /** Mode of a conversation where every member is an adult. */
  readonly adultsOnly: ConversationMode;
  /** E2EE safeguards (P3): reports carry a franking proof; risk signals from metadata; device-side media checks. */
  readonly frankedReports: boolean;
  readonly metadataSignals: boolean;
  readonly clientHashChecks: ClientHashChecks;
  /** One line for the help page, which says which preset is in force (P6). */
  readonly summary: string;
}

/**
 * The three presets of DESIGN.md, as data (P1, P2). `nspcc` puts any conversation with a child under
 * safety checks; the others keep everything end-to-end encrypted with fewer or more device safeguards.
 */
export const PRESETS = {
  nspcc: {
    withChild: 'visible',
    adultsOnly: 'e2ee',
    frankedReports: true,
    metadataSignals: true,
    clientHashChecks: 'all-devices',
    summary:
      'Conversations with anyone under 18 are visible to safety checks; conversations between adults are end-to-end encrypted, and images are checked against known abuse imagery on each device.',
  },
  'e2ee-safeguarded': {
    withChild: 'e2ee',
    adultsOnly: 'e2ee',
    frankedReports: true,
    metadataSignals: true,
    clientHashChecks: 'all-devices',
    summary:
      'Every conversation is end-to-end encrypted; images are checked against known abuse imagery on each device, and reported messages can be verified.',
  },
  'e2ee-only': {
    withChild: 'e2ee',
    adultsOnly: 'e2ee',
    frankedReports: true,
    metadataSignals: true,
    clientHashChecks: 'none',
    summary:
      'Every conversation is end-to-end encrypted; reported messages can be verified and unusual contact patterns are flagged, but images are not checked.',
  },
} as const satisfies Record<PresetName, Preset>;
