import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESET, DEFAULT_RULES, DEFAULT_SIGNAL_THRESHOLDS, DEFAULT_TIME_ZONE, policyFor } from '../src/index';

// Issue 13 (24): the README showed `contactsOnly: true` while the server ran with `false`. One default,
// documented once: the README's config block must say what the code does.

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

function documentedConfig(): { policy: string; rules: Record<string, unknown>; timeZone: string; signals: Record<string, unknown> } {
  const section = readme.slice(readme.indexOf('## Config'));
  const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('no ```json block under "## Config" in packages/safety/README.md');
  // The help line abbreviates resource lists with "…": not JSON, and not a default to compare.
  const json = block.split('\n').filter((l) => !l.includes('…')).join('\n');
  return JSON.parse(json).safety;
}

describe('the README documents the defaults the code uses (issue 13, 24)', () => {
  it('rules, preset, time zone and signal thresholds in the README equal the library defaults', () => {
    const doc = documentedConfig();
    expect(doc.rules).toEqual({ ...DEFAULT_RULES });
    expect(doc.rules.contactsOnly).toBe(false);
    expect(doc.policy).toBe(DEFAULT_PRESET);
    expect(doc.timeZone).toBe(DEFAULT_TIME_ZONE);
    expect(doc.signals).toEqual({ ...DEFAULT_SIGNAL_THRESHOLDS });
    expect(policyFor().rules).toEqual(doc.rules);
  });
});
