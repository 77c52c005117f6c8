import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_RULES, SafetyConfig, parseSafetyConfig, policyFor, resolvePolicy } from './config';
import { DEFAULT_SIGNAL_THRESHOLDS } from './signals';

describe('P5: the safety config section', () => {
  it('P1 P5: nothing configured is nspcc with every default', () => {
    for (const input of [undefined, null, {}]) {
      const r = parseSafetyConfig(input);
      expect(r).toEqual({ ok: true, value: policyFor('nspcc') });
    }
    const p = policyFor();
    expect(p.preset).toBe('nspcc');
    expect(p.rules).toEqual(DEFAULT_RULES);
    expect(p.timeZone).toBe('Europe/London');
    expect(p.signals).toEqual(DEFAULT_SIGNAL_THRESHOLDS);
    expect(p.help.defaultRegion).toBe('GB');
  });

  it('P1: each preset by name', () => {
    for (const preset of ['nspcc', 'e2ee-safeguarded', 'e2ee-only'] as const) {
      const r = parseSafetyConfig({ policy: preset });
      expect(r.ok && r.value.preset).toBe(preset);
    }
  });

  it('P5: per-rule overrides replace only what they name', () => {
    const r = parseSafetyConfig({
      policy: 'e2ee-only',
      rules: { maxGroupSizeWithChildren: 10, childrenFindChildrenInSearch: false },
      safeguards: { clientHashChecks: 'child-devices', nudityWarnings: 'everyone' },
      timeZone: 'Europe/Dublin',
      signals: { blocksReports: 5 },
    });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.rules).toEqual({ ...DEFAULT_RULES, maxGroupSizeWithChildren: 10, childrenFindChildrenInSearch: false });
    expect(r.value.safeguards).toEqual({ frankedReports: true, metadataSignals: true, clientHashChecks: 'child-devices', nudityWarnings: 'everyone' });
    expect(r.value.timeZone).toBe('Europe/Dublin');
    expect(r.value.signals).toEqual({ ...DEFAULT_SIGNAL_THRESHOLDS, blocksReports: 5 });
  });

  it.each([
    [{ policy: 'strict' }, 'safety.policy', 'safety.policy: expected one of "nspcc", "e2ee-safeguarded", "e2ee-only"'],
    [{ polcy: 'nspcc' }, 'safety.polcy', 'safety.polcy: unknown setting'],
    [{ rules: { adultsMayMessageChildren: true } }, 'safety.rules.adultsMayMessageChildren', 'safety.rules.adultsMayMessageChildren: unknown setting'],
    [{ rules: { maxGroupSizeWithChildren: 1 } }, 'safety.rules.maxGroupSizeWithChildren', undefined],
    [{ rules: { maxGroupSizeWithChildren: 2.5 } }, 'safety.rules.maxGroupSizeWithChildren', undefined],
    [{ rules: { contactsOnly: 'yes' } }, 'safety.rules.contactsOnly', undefined],
    [{ safeguards: { clientHashChecks: 'some' } }, 'safety.safeguards.clientHashChecks', undefined],
    [{ safeguards: { nudityWarnings: 'kids' } }, 'safety.safeguards.nudityWarnings', 'safety.safeguards.nudityWarnings: expected one of "children", "everyone", "nobody"'],
    [{ timeZone: 'Mars/Olympus' }, 'safety.timeZone', 'safety.timeZone: not an IANA time zone such as "Europe/London"'],
    [{ signals: { escalationHours: -1 } }, 'safety.signals.escalationHours', undefined],
    [{ help: { defaultRegion: 'FR' } }, 'safety.help.defaultRegion', undefined],
    [{ help: { regions: { IE: { child: [], adult: [] } } } }, 'safety.help.regions.IE.child', undefined],
    [{ help: { regions: { IE: { child: [{ name: 'x', kind: 'web', contact: 'ftp://x', description: 'd' }], adult: [] } } } }, 'safety.help.regions.IE.child.0.contact', undefined],
    ['nspcc', 'safety', undefined],
  ])('P5: %j is refused naming %s', (input, key, message) => {
    const r = parseSafetyConfig(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.key).toBe(key);
    expect(r.error.message.startsWith(`${key}: `)).toBe(true);
    if (message) expect(r.error.message).toBe(message);
  });

  it('P5: the key prefix follows where the section sits', () => {
    const r = parseSafetyConfig({ policy: 'x' }, 'config.safety');
    expect(!r.ok && r.error.key).toBe('config.safety.policy');
  });

  it('P5: a server config schema can embed SafetyConfig; resolvePolicy then gives the same policy', () => {
    const ServerConfig = z.object({ port: z.number(), safety: SafetyConfig.optional() }).strict();
    const good = ServerConfig.parse({ port: 8080, safety: { policy: 'e2ee-only', rules: { contactsOnly: false } } });
    expect(resolvePolicy(good.safety)).toEqual(configuredOrThrow({ policy: 'e2ee-only', rules: { contactsOnly: false } }));
    const bad = ServerConfig.safeParse({ port: 8080, safety: { help: { defaultRegion: 'FR' } } });
    expect(!bad.success && bad.error.issues[0]!.path).toEqual(['safety', 'help', 'defaultRegion']);
  });
});

function configuredOrThrow(input: unknown) {
  const r = parseSafetyConfig(input);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
