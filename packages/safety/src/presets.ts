import type { ConversationMode } from '@haven/protocol';

/** Which devices check media against the synced hash lists in `e2ee` conversations (P3). */
export const CLIENT_HASH_CHECKS = ['all-devices', 'child-devices', 'none'] as const;
/** Who gets on-device nudity warnings (issue 11, 5): children by default, as Apple's and Instagram's do. */
export const NUDITY_WARNINGS = ['children', 'everyone', 'nobody'] as const;
export type NudityWarnings = (typeof NUDITY_WARNINGS)[number];
export const DEFAULT_NUDITY_WARNINGS: NudityWarnings = 'children';
export type ClientHashChecks = (typeof CLIENT_HASH_CHECKS)[number];

export const PRESET_NAMES = ['nspcc', 'e2ee-safeguarded', 'e2ee-only'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
export const DEFAULT_PRESET: PresetName = 'nspcc';

/** Why a conversation has its mode; the sentences are in `REASONS`. */
export type ModeCode = 'mode.member_under_18' | 'mode.adults_only' | 'mode.preset_e2ee_safeguarded' | 'mode.preset_e2ee_only';

export interface Preset {
  /** Mode of a conversation with at least one member under 18, and why. */
  readonly withChild: ConversationMode;
  readonly withChildCode: ModeCode;
  /** Mode of a conversation where every member is an adult, and why. */
  readonly adultsOnly: ConversationMode;
  readonly adultsOnlyCode: ModeCode;
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
    withChildCode: 'mode.member_under_18',
    adultsOnly: 'e2ee',
    adultsOnlyCode: 'mode.adults_only',
    frankedReports: true,
    metadataSignals: true,
    clientHashChecks: 'all-devices',
    summary:
      'Conversations with anyone under 18 are visible to safety checks; conversations between adults are end-to-end encrypted, and images are checked against known abuse imagery on each device.',
  },
  'e2ee-safeguarded': {
    withChild: 'e2ee',
    withChildCode: 'mode.preset_e2ee_safeguarded',
    adultsOnly: 'e2ee',
    adultsOnlyCode: 'mode.preset_e2ee_safeguarded',
    frankedReports: true,
    metadataSignals: true,
    clientHashChecks: 'all-devices',
    summary:
      'Every conversation is end-to-end encrypted; images are checked against known abuse imagery on each device, and reported messages can be verified.',
  },
  'e2ee-only': {
    withChild: 'e2ee',
    withChildCode: 'mode.preset_e2ee_only',
    adultsOnly: 'e2ee',
    adultsOnlyCode: 'mode.preset_e2ee_only',
    frankedReports: true,
    metadataSignals: true,
    clientHashChecks: 'none',
    summary:
      'Every conversation is end-to-end encrypted; reported messages can be verified and unusual contact patterns are flagged, but images are not checked.',
  },
} as const satisfies Record<PresetName, Preset>;
