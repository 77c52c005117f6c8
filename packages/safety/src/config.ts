import { z } from 'zod';
import { err, ok, type Result } from '@haven/protocol';
import { DEFAULT_TIME_ZONE } from './age';
import { DEFAULT_HELP, RegionHelp, type HelpSettings } from './help';
import { CLIENT_HASH_CHECKS, DEFAULT_NUDITY_WARNINGS, DEFAULT_PRESET, NUDITY_WARNINGS, PRESET_NAMES, PRESETS, type ClientHashChecks, type NudityWarnings, type PresetName } from './presets';
import { DEFAULT_SIGNAL_THRESHOLDS, SignalThresholds } from './signals';
import { DEFAULT_RISK_SETTINGS, RiskSettings } from './risk';

/** Contact rules (C*, S*, G*): DESIGN.md's defaults, each configurable under `safety.rules`. */
export interface Rules {
  /** C3: adults may send contact requests to children. Default false. */
  readonly adultsMayRequestChildren: boolean;
  /** C6: direct conversations, and adding someone to a group, need accepted contacts even between adults or between children. Default false (adult–child pairs need contacts whatever this says). */
  readonly contactsOnly: boolean;
  /** G3: an adult may add a child who is their accepted contact to a group (or invite them by link). Default true. */
  readonly adultsMayAddChildContactsToGroups: boolean;
  /** G5: the largest group that has a member under 18; null for no limit beyond the server's. Default 32. */
  readonly maxGroupSizeWithChildren: number | null;
  /** S2: children appear in search by other children. Default true. */
  readonly childrenFindChildrenInSearch: boolean;
  /** S1: children appear in search by adults. Default false. */
  readonly adultsFindChildrenInSearch: boolean;
}

export const DEFAULT_RULES: Rules = {
  adultsMayRequestChildren: false,
  contactsOnly: false,
  adultsMayAddChildContactsToGroups: true,
  maxGroupSizeWithChildren: 32,
  childrenFindChildrenInSearch: true,
  adultsFindChildrenInSearch: false,
};

/** The resolved policy every decision takes: the preset, its safeguards after overrides, and the rules. */
export interface Policy {
  readonly preset: PresetName;
  readonly safeguards: {
    readonly frankedReports: boolean;
    readonly metadataSignals: boolean;
    readonly clientHashChecks: ClientHashChecks;
    /** Whose devices blur images that may show nudity and warn before sending one (issue 11, 5). */
    readonly nudityWarnings: NudityWarnings;
  };
  readonly rules: Rules;
  /** IANA zone whose calendar decides birthdays (A4). */
  readonly timeZone: string;
  readonly help: HelpSettings;
  readonly signals: SignalThresholds;
  /** Risk score weights, friction and notices (K1–K4). */
  readonly risk: RiskSettings;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The `safety` section of `haven.config.json` (P5). Every key is optional; unknown keys are refused so
 * that a typo does not silently leave a default in force.
 */
export const SafetyConfig = z
  .object({
    policy: z.enum(PRESET_NAMES).optional(),
    rules: z
      .object({
        adultsMayRequestChildren: z.boolean(),
        contactsOnly: z.boolean(),
        adultsMayAddChildContactsToGroups: z.boolean(),
        maxGroupSizeWithChildren: z.number().int().min(2).max(100_000).nullable(),
        childrenFindChildrenInSearch: z.boolean(),
        adultsFindChildrenInSearch: z.boolean(),
      })
      .partial()
      .strict()
      .optional(),
    safeguards: z.object({ clientHashChecks: z.enum(CLIENT_HASH_CHECKS), nudityWarnings: z.enum(NUDITY_WARNINGS) }).partial().strict().optional(),
    timeZone: z.string().refine(isTimeZone, 'not an IANA time zone such as "Europe/London"').optional(),
    help: z
      .object({
        defaultRegion: z.string().min(2).max(64),
        /** Added to, or replacing by name, the built-in regions. */
        regions: z.record(z.string().min(2).max(64), RegionHelp),
      })
      .partial()
      .strict()
      .optional(),
    signals: SignalThresholds.partial().strict().optional(),
    risk: RiskSettings.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    // H4: the fallback region must have resources, or help could come back empty.
    const region = c.help?.defaultRegion;
    if (region === undefined) return;
    const regions = { ...DEFAULT_HELP.regions, ...c.help?.regions };
    if (Object.hasOwn(regions, region)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['help', 'defaultRegion'],
      message: `"${region}" has no help resources; use one of ${Object.keys(regions).join(', ')} or add it under help.regions`,
    });
  });
export type SafetyConfig = z.input<typeof SafetyConfig>;

/**
 * Turns a parsed config section into the policy decisions use. For a server whose own config schema
 * embeds `SafetyConfig` (so that zod has already checked it); otherwise use `parseSafetyConfig`.
 */
export function resolvePolicy(config: z.output<typeof SafetyConfig> = {}): Policy {
  const preset = config.policy ?? DEFAULT_PRESET;
  const p = PRESETS[preset];
  return {
    preset,
    safeguards: {
      frankedReports: p.frankedReports,
      metadataSignals: p.metadataSignals,
      clientHashChecks: config.safeguards?.clientHashChecks ?? p.clientHashChecks,
      nudityWarnings: config.safeguards?.nudityWarnings ?? DEFAULT_NUDITY_WARNINGS,
    },
    rules: { ...DEFAULT_RULES, ...stripUndefined(config.rules ?? {}) },
    timeZone: config.timeZone ?? DEFAULT_TIME_ZONE,
    help: {
      defaultRegion: config.help?.defaultRegion ?? DEFAULT_HELP.defaultRegion,
      regions: { ...DEFAULT_HELP.regions, ...config.help?.regions },
    },
    signals: { ...DEFAULT_SIGNAL_THRESHOLDS, ...stripUndefined(config.signals ?? {}) },
    risk: config.risk ?? DEFAULT_RISK_SETTINGS,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Validates the `safety` section at start (P5). A refusal names the first bad key and what is allowed,
 * e.g. `safety.policy: expected one of "nspcc", "e2ee-safeguarded", "e2ee-only"`.
 *
 * @example
 * const policy = parseSafetyConfig(config.safety);
 * if (!policy.ok) throw new Error(policy.error.message); // stops the server, naming the key
 */
export function parseSafetyConfig(input: unknown, prefix = 'safety'): Result<Policy, { key: string; message: string }> {
  const parsed = SafetyConfig.safeParse(input ?? {});
  if (parsed.success) return ok(resolvePolicy(parsed.data));
  const issue = parsed.error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)];
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]!);
  const key = path.join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `${key}: unknown setting`
      : issue.code === 'invalid_value'
        ? `${key}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
        : `${key}: ${issue.message}`;
  return err({ key, message });
}

/** The policy of a preset with every default, for tests and for servers without a `safety` section. */
export function policyFor(preset: PresetName = DEFAULT_PRESET): Policy {
  return resolvePolicy({ policy: preset });
}
