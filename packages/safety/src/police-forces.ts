// Police force areas of England and Wales, British Transport Police, and the other regions an account may
// name (F1–F4 in SPEC.md). Data, not config: the list is a fact about the world, checked against the ONS
// reference in ../shared/reference/police-force-areas.csv by test/police-forces-reference.test.ts.

/** The 43 territorial police force areas with their ONS codes and ONS spelling (F1). */
export const POLICE_FORCE_AREAS = [
  { code: 'E23000001', name: 'Metropolitan Police', country: 'England' },
  { code: 'E23000002', name: 'Cumbria', country: 'England' },
  { code: 'E23000003', name: 'Lancashire', country: 'England' },
  { code: 'E23000004', name: 'Merseyside', country: 'England' },
  { code: 'E23000005', name: 'Greater Manchester', country: 'England' },
  { code: 'E23000006', name: 'Cheshire', country: 'England' },
  { code: 'E23000007', name: 'Northumbria', country: 'England' },
  { code: 'E23000008', name: 'Durham', country: 'England' },
  { code: 'E23000009', name: 'North Yorkshire', country: 'England' },
  { code: 'E23000010', name: 'West Yorkshire', country: 'England' },
  { code: 'E23000011', name: 'South Yorkshire', country: 'England' },
  { code: 'E23000012', name: 'Humberside', country: 'England' },
  { code: 'E23000013', name: 'Cleveland', country: 'England' },
  { code: 'E23000014', name: 'West Midlands', country: 'England' },
  { code: 'E23000015', name: 'Staffordshire', country: 'England' },
  { code: 'E23000016', name: 'West Mercia', country: 'England' },
  { code: 'E23000017', name: 'Warwickshire', country: 'England' },
  { code: 'E23000018', name: 'Derbyshire', country: 'England' },
  { code: 'E23000019', name: 'Nottinghamshire', country: 'England' },
  { code: 'E23000020', name: 'Lincolnshire', country: 'England' },
  { code: 'E23000021', name: 'Leicestershire', country: 'England' },
  { code: 'E23000022', name: 'Northamptonshire', country: 'England' },
  { code: 'E23000023', name: 'Cambridgeshire', country: 'England' },
  { code: 'E23000024', name: 'Norfolk', country: 'England' },
  { code: 'E23000025', name: 'Suffolk', country: 'England' },
  { code: 'E23000026', name: 'Bedfordshire', country: 'England' },
  { code: 'E23000027', name: 'Hertfordshire', country: 'England' },
  { code: 'E23000028', name: 'Essex', country: 'England' },
  { code: 'E23000029', name: 'Thames Valley', country: 'England' },
  { code: 'E23000030', name: 'Hampshire', country: 'England' },
  { code: 'E23000031', name: 'Surrey', country: 'England' },
  { code: 'E23000032', name: 'Kent', country: 'England' },
  { code: 'E23000033', name: 'Sussex', country: 'England' },
  { code: 'E23000034', name: 'London, City of', country: 'England' },
  { code: 'E23000035', name: 'Devon & Cornwall', country: 'England' },
  { code: 'E23000036', name: 'Avon and Somerset', country: 'England' },
  { code: 'E23000037', name: 'Gloucestershire', country: 'England' },
  { code: 'E23000038', name: 'Wiltshire', country: 'England' },
  { code: 'E23000039', name: 'Dorset', country: 'England' },
  { code: 'W15000001', name: 'North Wales', country: 'Wales' },
  { code: 'W15000002', name: 'Gwent', country: 'Wales' },
  { code: 'W15000003', name: 'South Wales', country: 'Wales' },
  { code: 'W15000004', name: 'Dyfed-Powys', country: 'Wales' },
] as const;

export type PoliceForceArea = (typeof POLICE_FORCE_AREAS)[number];
export type ForceAreaCode = PoliceForceArea['code'];

/** British Transport Police: a police force without a police force area (F2). */
export const BRITISH_TRANSPORT_POLICE = { code: 'BTP', name: 'British Transport Police' } as const;

/** Regions an account may name that are not police force areas of England and Wales (F3). */
export const OTHER_REGIONS = [
  { code: 'scotland', name: 'Scotland' },
  { code: 'northern-ireland', name: 'Northern Ireland' },
  { code: 'elsewhere', name: 'Elsewhere' },
] as const;
export type OtherRegionCode = (typeof OTHER_REGIONS)[number]['code'];

/** Every region an account may carry: a police force area code or another region's code (F3). */
export type RegionCode = ForceAreaCode | OtherRegionCode;

/** The bucket for an incident whose area is not known (F2). */
export const NOT_KNOWN = { code: 'not-known', name: 'Not known' } as const;

/** A row of statistics by police force area: a force area, BTP, another region, or not known (F2). */
export type ForceBucket = ForceAreaCode | typeof BRITISH_TRANSPORT_POLICE.code | OtherRegionCode | typeof NOT_KNOWN.code;

/** Every bucket in the order tables show them: the 43 areas, BTP, the other regions, not known. */
export const FORCE_BUCKETS: readonly { code: ForceBucket; name: string }[] = [
  ...POLICE_FORCE_AREAS.map((f) => ({ code: f.code, name: f.name })),
  BRITISH_TRANSPORT_POLICE,
  ...OTHER_REGIONS,
  NOT_KNOWN,
];

const BUCKET_NAMES = new Map<string, string>(FORCE_BUCKETS.map((b) => [b.code, b.name]));

/** The display name of a bucket code (the ONS spelling for force areas). */
export function forceBucketName(code: ForceBucket): string {
  return BUCKET_NAMES.get(code) ?? code;
}

/**
 * A name or code as publishers write it, folded to one key (F4): case, `&`/`and`, hyphens, punctuation,
 * "X, City of" word order, and the words "police", "constabulary", "police service" do not matter.
 */
export function forceNameKey(name: string): string {
  let s = name.normalize('NFKC').toLowerCase().trim();
  // "London, City of" → "City of London": ONS writes some names inverted.
  const inverted = /^([^,]+),\s*(.+ of)$/.exec(s);
  if (inverted) s = `${inverted[2]} ${inverted[1]}`;
  s = s
    .replace(/&/g, ' and ')
    .replace(/[-‐–—_/]/g, ' ')
    .replace(/[^\p{L}\p{N} ]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  s = s.replace(/^the /, '');
  s = s.replace(/ (police service|police force|police|constabulary|force)$/, '');
  return s;
}

/** Other names publishers use, keyed by `forceNameKey` (F4). */
const ALIASES: Readonly<Record<string, ForceBucket>> = {
  met: 'E23000001',
  metropolitan: 'E23000001',
  'metropolitan police service': 'E23000001',
  london: 'E23000001',
  gmp: 'E23000005',
  'hampshire and isle of wight': 'E23000030',
  'avon somerset': 'E23000036',
  'devon cornwall': 'E23000035',
  'dyfed powys': 'W15000004',
  'city of london': 'E23000034',
  btp: 'BTP',
  'british transport': 'BTP',
  'police scotland': 'scotland',
  'police service of northern ireland': 'northern-ireland',
  psni: 'northern-ireland',
  'not known': 'not-known',
  unknown: 'not-known',
};

const BY_KEY: ReadonlyMap<string, ForceBucket> = (() => {
  const m = new Map<string, ForceBucket>();
  for (const b of FORCE_BUCKETS) {
    m.set(forceNameKey(b.name), b.code);
    m.set(b.code.toLowerCase(), b.code);
  }
  for (const [k, v] of Object.entries(ALIASES)) m.set(k, v);
  return m;
})();

/**
 * The bucket a publisher's force name or an ONS code means (F4), or `undefined` when it names none.
 * @example forceFromName('Devon and Cornwall Police') // 'E23000035'
 */
export function forceFromName(name: string): ForceBucket | undefined {
  return BY_KEY.get(forceNameKey(name)) ?? BY_KEY.get(name.trim().toLowerCase());
}

const AREA_CODES: ReadonlySet<string> = new Set(POLICE_FORCE_AREAS.map((f) => f.code));
const REGION_CODES: ReadonlySet<string> = new Set([...AREA_CODES, ...OTHER_REGIONS.map((r) => r.code)]);

/** Whether a code is one of the 43 police force areas (F1). */
export function isForceAreaCode(code: string): code is ForceAreaCode {
  return AREA_CODES.has(code);
}

/** Whether a code is a region an account may carry (F3). */
export function isRegionCode(code: string): code is RegionCode {
  return REGION_CODES.has(code);
}

/**
 * The region an account's input names, as its code (F3): a code, or a force or region name in any of
 * the spellings `forceFromName` knows. British Transport Police and "not known" are not regions.
 */
export function regionFromInput(input: string): RegionCode | undefined {
  const code = isRegionCode(input) ? input : forceFromName(input);
  return code !== undefined && isRegionCode(code) ? code : undefined;
}

/** The statistics bucket of an account region (or a force named on a referral); null is not known (F2). */
export function forceBucketOf(region: string | null | undefined): ForceBucket {
  if (region == null) return NOT_KNOWN.code;
  if (region === BRITISH_TRANSPORT_POLICE.code || isRegionCode(region)) return region as ForceBucket;
  return NOT_KNOWN.code;
}
