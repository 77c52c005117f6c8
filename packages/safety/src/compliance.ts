import type { Policy } from './config';

// The regulator's view (O1–O5 in SPEC.md): for each measure of Ofcom's Illegal Content Codes of Practice
// for user-to-user services that Haven addresses, whether this deployment has it on, the config key that
// decides it, and evidence from live data. Pure: the server gathers the facts and passes them in.

export type MeasureStatus = 'on' | 'partial' | 'off' | 'not-built';

export interface Measure {
  /** Ofcom's reference, e.g. `ICU C9`. */
  readonly id: string;
  /** Our short summary of the measure (not Ofcom's wording). */
  readonly title: string;
  readonly status: MeasureStatus;
  /** Where it is switched on or off (a config key, a role, a command). */
  readonly configKey: string;
  /** Why the status is what it is, in a sentence. */
  readonly why: string;
  /** Figures from live data for the period. */
  readonly evidence: Readonly<Record<string, string | number | boolean | null | readonly unknown[]>>;
}

export interface ComplianceReport {
  readonly period: { readonly label: string; readonly start: string; readonly end: string };
  readonly computedAt: string;
  readonly preset: string;
  readonly measures: readonly Measure[];
}

export interface HashListFact {
  readonly name: string;
  readonly kind: string;
  readonly size: number;
  readonly enabled: boolean;
  /** Matches recorded against this list in the period. */
  readonly matches: number;
}

/** What the moderation workflow reports; absent while it is not built (issue 9). */
export interface ModerationFacts {
  /** Cases opened in the period. */
  readonly casesOpened: number;
  /** Cases decided in the period (violation or not). */
  readonly decisions: number;
  /** Median hours from a case's opening to its first decision, over cases decided in the period. */
  readonly medianHoursToDecision: number | null;
  /** Whether cases are put in priority order by rules (C5). */
  readonly prioritisation: boolean;
  /** Whether reporters are acknowledged with what happens next and when (D4). */
  readonly acknowledgements: boolean;
  /** Overturned: the decision was undone (content restored, action lifted); upheld: it stands. */
  readonly appeals: { readonly lodged: number; readonly overturned: number; readonly upheld: number; readonly pending: number };
}

export interface ComplianceFacts {
  readonly period: { readonly label: string; readonly start: Date; readonly end: Date };
  readonly computedAt: Date;
  readonly policy: Policy;
  readonly moderators: number;
  readonly hashLists: readonly HashListFact[];
  /** Known-image matches in the period: by the server, and reported by devices. */
  readonly serverMatches: number;
  readonly deviceMatches: number;
  /** Server matches quarantined before delivery (all of them, by design: D4 of SPEC.md). */
  readonly quarantined: number;
  /** User reports received in the period (franked e2ee reports and, once built, all others). */
  readonly reportsReceived: number;
  /** Blocks made in the period. */
  readonly blocks: number;
  /** Incidents actioned and referrals made in the period (the statistics of T3, T4). */
  readonly incidentsActioned: number;
  readonly referrals: number;
  readonly moderation: ModerationFacts | null;
}

const NOT_BUILT = 'needs the moderation workflow (cases, decisions, appeals: issue 9), which this server does not have yet';

/**
 * Assembles the measures (O1–O5).
 * @example complianceReport(facts).measures.find((m) => m.id === 'ICU C9')?.status // 'on'
 */
export function complianceReport(f: ComplianceFacts): ComplianceReport {
  const mod = f.moderation;
  const rules = f.policy.rules;
  const enabledLists = f.hashLists.filter((l) => l.enabled);
  const appeals = mod?.appeals ?? null;
  const measures: Measure[] = [
    {
      id: 'ICU C1',
      title: 'A content moderation function that reviews and assesses suspected illegal content',
      status: !mod ? 'not-built' : f.moderators > 0 ? 'on' : 'off',
      configKey: 'accounts with the moderator role (haven admin create-user --role moderator)',
      why: !mod ? NOT_BUILT : f.moderators > 0 ? `${f.moderators} moderator account(s) review cases.` : 'No account has the moderator role: nobody reviews cases.',
      evidence: { moderators: f.moderators, casesOpened: mod?.casesOpened ?? null, decisions: mod?.decisions ?? null, incidentsActioned: f.incidentsActioned, referrals: f.referrals },
    },
    {
      id: 'ICU C2',
      title: 'Swift take-down of illegal content',
      status: enabledLists.length === 0 ? 'off' : mod ? 'on' : 'partial',
      configKey: 'hash lists enabled (haven hashlist enable NAME); moderation decisions',
      why:
        enabledLists.length === 0
          ? 'No hash list is enabled, so nothing is taken down on upload.'
          : `A known-image match is quarantined before anyone receives it${mod ? '; reported content is removed by a moderator decision.' : `; removal after a report ${NOT_BUILT}.`}`,
      evidence: { quarantinedBeforeDelivery: f.quarantined, serverMatches: f.serverMatches, medianHoursToDecision: mod?.medianHoursToDecision ?? null },
    },
    {
      id: 'ICU C5',
      title: 'Prioritisation of content for review',
      status: mod?.prioritisation ? 'on' : 'not-built',
      configKey: 'moderation priority rules (packages/safety)',
      why: mod?.prioritisation ? 'Cases are ordered by priority rules: known-image matches involving a child first.' : NOT_BUILT,
      evidence: {},
    },
    {
      id: 'ICU C9',
      title: 'Hash matching to detect and remove child sexual abuse material',
      status: enabledLists.length > 0 ? 'on' : 'off',
      configKey: 'hash lists enabled (haven hashlist enable NAME); safety.safeguards.clientHashChecks for e2ee media',
      why:
        enabledLists.length > 0
          ? `${enabledLists.length} hash list(s) enabled; media in visible conversations is matched on the server, in e2ee conversations on ${f.policy.safeguards.clientHashChecks} (devices).`
          : 'No hash list is enabled: import one (haven hashlist import) and enable it.',
      evidence: {
        lists: f.hashLists.map((l) => ({ name: l.name, kind: l.kind, size: l.size, enabled: l.enabled, matches: l.matches })),
        serverMatches: f.serverMatches,
        deviceMatches: f.deviceMatches,
        clientHashChecks: f.policy.safeguards.clientHashChecks,
      },
    },
    {
      id: 'ICU C10',
      title: 'URL detection of child sexual abuse material',
      status: 'not-built',
      configKey: 'none',
      why: 'Haven has no URL list matching yet.',
      evidence: {},
    },
    ...complaints(f, mod, appeals),
    f1(f.policy),
    {
      id: 'ICU F2',
      title: 'Support for child users',
      status: childResources(f.policy) > 0 ? 'on' : 'off',
      configKey: 'safety.help.regions (children’s resources per region)',
      why:
        childResources(f.policy) > 0
          ? `Children are shown ${childResources(f.policy)} help resource(s) of region ${f.policy.help.defaultRegion} after a block, a report, a blocked image and from the help button.`
          : `Region ${f.policy.help.defaultRegion} has no resources for children.`,
      evidence: { defaultRegion: f.policy.help.defaultRegion, childResources: (f.policy.help.regions[f.policy.help.defaultRegion]?.child ?? []).map((r) => `${r.name} (${r.contact})`) },
    },
    {
      id: 'ICU J1',
      title: 'User blocking',
      status: 'on',
      configKey: 'always on',
      why: 'Any user can block any other; a block takes effect at once and hides the blocker.',
      evidence: { blocksInPeriod: f.blocks },
    },
  ];
  return {
    period: { label: f.period.label, start: f.period.start.toISOString(), end: f.period.end.toISOString() },
    computedAt: f.computedAt.toISOString(),
    preset: f.policy.preset,
    measures,
  };
}

function childResources(p: Policy): number {
  return p.help.regions[p.help.defaultRegion]?.child.length ?? 0;
}

/** F1: the child defaults, each named with its key; weakened ones make the measure partial. */
function f1(p: Policy): Measure {
  const r = p.rules;
  const weakened = [
    ...(r.adultsMayRequestChildren ? ['safety.rules.adultsMayRequestChildren is on: adults may send contact requests to children'] : []),
    ...(r.adultsFindChildrenInSearch ? ['safety.rules.adultsFindChildrenInSearch is on: adults find children in search'] : []),
    ...(p.preset === 'e2ee-only' ? ['safety.policy is e2ee-only: children’s media is not checked for known images'] : []),
    ...(p.safeguards.nudityWarnings === 'nobody' ? ['safety.safeguards.nudityWarnings is nobody: children’s devices do not blur images that may show nudity'] : []),
  ];
  return {
    id: 'ICU F1',
    title: 'Safe default settings for child users',
    status: weakened.length ? 'partial' : 'on',
    configKey: 'safety.policy, safety.rules.*, safety.safeguards.nudityWarnings',
    why: weakened.length
      ? weakened.join('; ') + '.'
      : 'Children are not found by adults in search, cannot be contacted by adults who are not their contacts, their conversations are checked, and their devices blur images that may show nudity.',
    evidence: {
      preset: p.preset,
      adultsMayRequestChildren: r.adultsMayRequestChildren,
      adultsFindChildrenInSearch: r.adultsFindChildrenInSearch,
      contactsOnly: r.contactsOnly,
      adultsMayAddChildContactsToGroups: r.adultsMayAddChildContactsToGroups,
      maxGroupSizeWithChildren: r.maxGroupSizeWithChildren,
      childConversationMode: p.preset === 'nspcc' ? 'visible' : 'e2ee',
      nudityWarnings: p.safeguards.nudityWarnings,
    },
  };
}

/** D1–D10: complaints (reports) and appeals. */
function complaints(f: ComplianceFacts, mod: ModerationFacts | null, appeals: ModerationFacts['appeals'] | null): Measure[] {
  const needs = (id: string, title: string, configKey: string, on: boolean, why: string, evidence: Measure['evidence']): Measure => ({
    id, title, status: !mod ? 'not-built' : on ? 'on' : 'off', configKey, why: !mod ? NOT_BUILT : why, evidence,
  });
  return [
    {
      id: 'ICU D1',
      title: 'Enabling complaints (reports) about illegal content',
      status: 'on',
      configKey: 'always on (POST /v1/reports)',
      why: 'Any member can report a message, including a franked end-to-end encrypted one.',
      evidence: { reportsReceived: f.reportsReceived },
    },
    {
      id: 'ICU D2',
      title: 'Complaints systems that are easy to find, access and use',
      status: 'on',
      configKey: 'always on',
      why: 'Reporting is one step from the message in the SDK and the CLI (haven report), with help shown after a report.',
      evidence: {},
    },
    needs('ICU D3', 'Information given before a complaint is made', 'moderation', true, 'The report form names the reasons and what happens next.', {}),
    needs('ICU D4', 'Acknowledging complaints with indicative timeframes', 'moderation', mod?.acknowledgements ?? false, 'Reporters are told what can happen next and roughly when.', {}),
    needs('ICU D5', 'Appropriate action on complaints about suspected illegal content', 'moderation', true, 'Reports open cases that moderators decide.', {
      reportsReceived: f.reportsReceived,
      decisions: mod?.decisions ?? null,
      medianHoursToDecision: mod?.medianHoursToDecision ?? null,
    }),
    needs('ICU D6', 'Appeals: determination', 'moderation', true, 'An actioned user can appeal once; a different moderator decides.', {
      appealsLodged: appeals?.lodged ?? null,
      pending: appeals?.pending ?? null,
    }),
    needs('ICU D7', 'Appeals: action following determination', 'moderation', true, 'An appeal that overturns the decision restores the content or lifts the action.', {
      overturned: appeals?.overturned ?? null,
      upheld: appeals?.upheld ?? null,
    }),
    needs('ICU D8', 'Complaints about proactive technology (hash matching)', 'moderation', true, 'A user restricted by a hash match can appeal; a moderator reviews the match.', {
      serverMatches: f.serverMatches,
      deviceMatches: f.deviceMatches,
    }),
    needs('ICU D9', 'Appropriate action on all other complaints', 'moderation', true, 'Other reports are handled in the same queue.', {}),
    needs('ICU D10', 'Manifestly unfounded complaints', 'moderation', true, 'A report can be closed as no violation.', {}),
  ];
}

/** The report as Markdown, for `haven compliance --format md`. */
export function complianceMarkdown(r: ComplianceReport): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const ev = (e: Measure['evidence']): string =>
    Object.entries(e)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? JSON.stringify(v) : String(v)}`)
      .join('; ') || '—';
  return [
    `# Ofcom Illegal Content Codes: measures in this deployment`,
    '',
    `Period ${r.period.label} (${r.period.start.slice(0, 10)} to ${r.period.end.slice(0, 10)}, end excluded); computed at ${r.computedAt}; policy preset \`${r.preset}\`.`,
    '',
    '| measure | status | config | why | evidence |',
    '|---|---|---|---|---|',
    ...r.measures.map((m) => `| ${m.id} ${cell(m.title)} | ${m.status} | ${cell(m.configKey)} | ${cell(m.why)} | ${cell(ev(m.evidence))} |`),
    '',
  ].join('\n');
}
