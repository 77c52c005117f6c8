import { resolvePolicy, type Policy, type SafetyConfig } from '@haven/safety';
import type { z } from 'zod';

type Section = z.output<typeof SafetyConfig>;

/**
 * The policy a server runs from its validated `safety` section. One server default differs from the
 * library's: `rules.contactsOnly` is off unless the operator turns it on, because DESIGN.md restricts
 * who may start a conversation only between adults and children (adults message adults and children
 * message children freely; see docs/decisions/0003-safety-policy-wiring.md).
 */
export function serverPolicy(section: Section = {}): Policy {
  return resolvePolicy({ ...section, rules: { ...section.rules, contactsOnly: section.rules?.contactsOnly ?? false } });
}
