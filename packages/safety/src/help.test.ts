import { describe, expect, it } from 'vitest';
import type { AgeBand } from '@haven/protocol';
import { parseSafetyConfig, policyFor } from './config';
import { helpPage } from './help-page';
import { PRESETS } from './presets';
import { DEFAULT_HELP, HELP_MOMENTS, HelpResource, helpFor } from './help';

describe('help resources', () => {
  it('H1: UK children get Childline 0800 1111 and its 1-2-1 counsellor chat', () => {
    const h = helpFor(DEFAULT_HELP, 'child', 'GB', 'help_button');
    expect(h.region).toBe('GB');
    expect(h.resources.map((r) => [r.name, r.kind, r.contact])).toEqual([
      ['Childline', 'phone', '0800 1111'],
      ['Childline 1-2-1 counsellor chat', 'chat', 'https://www.childline.org.uk/get-support/1-2-1-counsellor-chat/'],
    ]);
  });

  it('H1: UK adults get the NSPCC helpline 0808 800 5000', () => {
    const h = helpFor(DEFAULT_HELP, 'adult', 'GB', 'help_button');
    expect(h.resources.map((r) => [r.name, r.contact])).toEqual([['NSPCC helpline', '0808 800 5000']]);
  });

  it.each(HELP_MOMENTS.flatMap((m) => (['child', 'adult'] as AgeBand[]).map((b) => [m, b] as const)))(
    'H2 H3: at %s a %s gets a headline and resources of their band',
    (moment, band) => {
      const h = helpFor(DEFAULT_HELP, band, 'GB', moment);
      expect(h.moment).toBe(moment);
      expect(h.headline).toMatch(/^[A-Z].{20,}[.]$/);
      // H3: headlines name no service, so that another region's resources fit them.
      expect(h.headline).not.toMatch(/Childline|NSPCC/);
      expect(h.resources).toBe(DEFAULT_HELP.regions.GB![band]);
    },
  );

  it('H2: child and adult headlines differ at every moment', () => {
    for (const m of HELP_MOMENTS) expect(helpFor(DEFAULT_HELP, 'child', null, m).headline).not.toBe(helpFor(DEFAULT_HELP, 'adult', null, m).headline);
  });

  it('H4: no region, or a region without its own list (a police force area), falls back to the default region', () => {
    for (const region of [null, undefined, 'west-yorkshire', 'metropolitan', '__proto__', 'toString']) {
      expect(helpFor(DEFAULT_HELP, 'child', region, 'block').region).toBe('GB');
    }
  });

  it('H4: config adds a region and may change the default region', () => {
    const ie = {
      child: [{ name: 'Childline Ireland', kind: 'phone', contact: '1800 66 66 66', description: 'Free, any time, for children in Ireland.' }],
      adult: [{ name: 'ISPCC', kind: 'web', contact: 'https://www.ispcc.ie/', description: 'Advice for adults in Ireland.' }],
    } as const;
    const r = parseSafetyConfig({ help: { regions: { IE: { child: [...ie.child], adult: [...ie.adult] } } } });
    if (!r.ok) throw new Error(r.error.message);
    expect(helpFor(r.value.help, 'child', 'IE', 'report').resources[0]!.contact).toBe('1800 66 66 66');
    expect(helpFor(r.value.help, 'child', 'GB', 'report').resources[0]!.contact).toBe('0800 1111');
    const d = parseSafetyConfig({ help: { defaultRegion: 'IE', regions: { IE: { child: [...ie.child], adult: [...ie.adult] } } } });
    expect(d.ok && helpFor(d.value.help, 'adult', 'somewhere', 'block').region).toBe('IE');
  });

  it('H1: a chat or web resource must have an https URL', () => {
    expect(HelpResource.safeParse({ name: 'X', kind: 'chat', contact: 'javascript:alert(1)', description: 'x' }).success).toBe(false);
    expect(HelpResource.safeParse({ name: 'X', kind: 'web', contact: 'http://example.org', description: 'x' }).success).toBe(false);
    expect(HelpResource.safeParse({ name: 'X', kind: 'phone', contact: '116 111', description: 'x' }).success).toBe(true);
  });

  it('H4: a default region without resources is a programming error (config validation prevents it)', () => {
    expect(() => helpFor({ defaultRegion: 'XX', regions: {} }, 'child', null, 'block')).toThrow();
  });
});

describe('the help page', () => {
  it.each(['nspcc', 'e2ee-safeguarded', 'e2ee-only'] as const)('P6 H2: under %s it says which preset is in force, with help for the band', (preset) => {
    const page = helpPage(policyFor(preset), 'child', 'thames-valley');
    expect(page).toMatchObject({ preset, policySummary: PRESETS[preset].summary, moment: 'help_button', region: 'GB' });
    expect(page.resources.map((r) => r.contact)).toEqual(['0800 1111', 'https://www.childline.org.uk/get-support/1-2-1-counsellor-chat/']);
    expect(helpPage(policyFor(preset), 'adult', null).resources[0]!.contact).toBe('0808 800 5000');
  });
});
