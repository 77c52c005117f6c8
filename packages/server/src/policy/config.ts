import { resolvePolicy, type Policy, type SafetyConfig } from '@haven/safety';
import type { z } from 'zod';

type Section = z.output<typeof SafetyConfig>;

/**
 * The policy a server runs from its validated `safety` section: the library's defaults
 * (`DEFAULT_RULES`, documented once in packages/safety/README.md) with the operator's overrides.
 */
export function serverPolicy(section: Section = {}): Policy {
  return resolvePolicy(section);
}
