import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../testing/env';
import { POLICE_FORCE_AREAS, forceFromName } from '../src/police-forces';

// F1: the table in the project is the ONS reference, row for row (../shared/reference/police-force-areas.csv).
const csv = sharedPath('reference', 'police-force-areas.csv');

/** The reference file is simple: one quoted name at most, no embedded quotes or newlines. */
function rows(text: string): string[][] {
  return text
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => [...line.matchAll(/"([^"]*)"|([^,]+)/g)].map((m) => m[1] ?? m[2] ?? ''));
}

describe.skipIf(!csv.available)(`police force areas against the ONS reference ${csv.reason}`, () => {
  it('F1: the same 43 codes, names and countries, in the same order', () => {
    const reference = rows(readFileSync(csv.value, 'utf8'));
    expect(reference).toHaveLength(43);
    expect(POLICE_FORCE_AREAS.map((f) => [f.code, f.name, f.country])).toEqual(reference);
  });

  it('F4: every reference name maps to its own code', () => {
    for (const [code, name] of rows(readFileSync(csv.value, 'utf8'))) expect(forceFromName(name!)).toBe(code);
  });
});
