import type { AgeBand } from '@haven/protocol';
import type { Policy } from './config';
import { helpFor, type Help } from './help';
import { PRESETS, type PresetName } from './presets';

export interface HelpPage extends Help {
  /** The preset in force and what it means, which the help page must say (P6). */
  preset: PresetName;
  policySummary: string;
}

/**
 * Everything the help page shows an account: the preset in force and help for its band and region
 * (P6, H2, H4).
 *
 * @example
 * helpPage(policyFor(), 'child', null).resources[0].contact // '0800 1111'
 */
export function helpPage(policy: Policy, band: AgeBand, region: string | null | undefined): HelpPage {
  return { ...helpFor(policy.help, band, region, 'help_button'), preset: policy.preset, policySummary: PRESETS[policy.preset].summary };
}
