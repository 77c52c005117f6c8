import { z } from 'zod';
import { assertNever, type AgeBand } from '@haven/protocol';

/** One place to get help: a phone line, a chat or a web page (H1). */
export const HelpResource = z
  .object({
    name: z.string().min(1).max(100),
    kind: z.enum(['phone', 'chat', 'web']),
    /** A phone number as people dial it, or an https URL. */
    contact: z.string().min(1).max(300),
    description: z.string().min(1).max(300),
  })
  .strict()
  .refine((r) => r.kind === 'phone' || /^https:\/\/\S+$/.test(r.contact), {
    message: 'a chat or web resource needs an https:// URL as its contact',
    path: ['contact'],
  });
export type HelpResource = z.infer<typeof HelpResource>;

export const RegionHelp = z
  .object({ child: z.array(HelpResource).min(1), adult: z.array(HelpResource).min(1) })
  .strict();
export type RegionHelp = z.infer<typeof RegionHelp>;

/** Help resources by region, and the region used for accounts without one or with an unlisted one. */
export interface HelpSettings {
  readonly defaultRegion: string;
  readonly regions: Readonly<Record<string, RegionHelp>>;
}

export const HELP_MOMENTS = ['contact_refused', 'block', 'report', 'media_blocked', 'safety_notice', 'help_button'] as const;
export type HelpMoment = (typeof HELP_MOMENTS)[number];

const CHILDLINE_PHONE: HelpResource = {
  name: 'Childline',
  kind: 'phone',
  contact: '0800 1111',
  description: 'Free, confidential, any time, for anyone under 19.',
};
const CHILDLINE_CHAT: HelpResource = {
  name: 'Childline 1-2-1 counsellor chat',
  kind: 'chat',
  contact: 'https://www.childline.org.uk/get-support/1-2-1-counsellor-chat/',
  description: 'Talk to a Childline counsellor online.',
};
const NSPCC_HELPLINE: HelpResource = {
  name: 'NSPCC helpline',
  kind: 'phone',
  contact: '0808 800 5000',
  description: 'Advice for adults worried about a child.',
};

/** UK defaults (H1): Childline for children, the NSPCC helpline for adults. Config adds or replaces regions. */
export const DEFAULT_HELP: HelpSettings = {
  defaultRegion: 'GB',
  regions: { GB: { child: [CHILDLINE_PHONE, CHILDLINE_CHAT], adult: [NSPCC_HELPLINE] } },
};

/** What to show, in words, at each moment (H3); the resources say who to call. */
const HEADLINES = {
  child: {
    contact_refused: 'You can message an adult once they accept your contact request. If someone online worries you, you can talk to someone.',
    block: 'You blocked this account. If they upset or worried you, you can talk to someone about it, any time.',
    report: 'Thank you for reporting this. A moderator will look at it. If you want to talk to someone now, help is free and confidential.',
    media_blocked: 'An image was blocked by a safety check. It is not your fault, and you can talk to someone about it.',
    safety_notice: 'Something here looked unsafe. If anything has worried you, you can talk to someone, free and in confidence.',
    help_button: 'Talk to someone: free, confidential, any time.',
  },
  adult: {
    contact_refused: 'Adults cannot contact someone under 18 unless that person added them first. If you are worried about a child, get advice.',
    block: 'You blocked this account. If you are worried about a child’s safety, get advice.',
    report: 'Thank you for reporting this; a moderator will review it. If you are worried about a child, get advice.',
    media_blocked: 'An image was blocked by a safety check. If you are worried about a child, get advice.',
    safety_notice: 'Something here looked unsafe. If you are worried about a child, get advice.',
    help_button: 'If you are worried about a child, get advice.',
  },
} as const satisfies Record<AgeBand, Record<HelpMoment, string>>;

export interface Help {
  moment: HelpMoment;
  region: string;
  headline: string;
  resources: readonly HelpResource[];
}

/**
 * The help to show an account of `band` at `moment` (H2): resources of its region, or of the default
 * region when it has none or an unlisted one (H4). Police force areas are regions of England and Wales,
 * so list them in config or let them fall back to `GB`.
 *
 * @example
 * helpFor(DEFAULT_HELP, 'child', null, 'media_blocked').resources[0].contact // '0800 1111'
 */
export function helpFor(settings: HelpSettings, band: AgeBand, region: string | null | undefined, moment: HelpMoment): Help {
  const listed = region != null && Object.hasOwn(settings.regions, region);
  const used = listed ? region : settings.defaultRegion;
  const help = settings.regions[used];
  if (!help) throw new Error(`help: default region ${used} has no resources`); // config validation prevents this
  switch (band) {
    case 'child':
      return { moment, region: used, headline: HEADLINES.child[moment], resources: help.child };
    case 'adult':
      return { moment, region: used, headline: HEADLINES.adult[moment], resources: help.adult };
    default:
      return assertNever(band, 'age band');
  }
}
