import { getCiphersuiteFromName, getCiphersuiteImpl, type CiphersuiteImpl } from 'ts-mls';
import { defaultRng, type Rng } from './rng';

/** The cipher suites Haven speaks, by RFC 9420 name and IANA id. */
export const SUITES = {
  /** Post-quantum hybrid (X-Wing = X25519 + ML-KEM-768), Haven's default. */
  MLS_256_XWING_AES256GCM_SHA512_Ed25519: 83,
  /** RFC 9420 mandatory-to-implement suite 1: classical, smaller and faster. */
  MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519: 1,
} as const;

export type SuiteName = keyof typeof SUITES;
export type SuiteId = (typeof SUITES)[SuiteName];

export const DEFAULT_SUITE: SuiteName = 'MLS_256_XWING_AES256GCM_SHA512_Ed25519';
export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];

export function isSuiteName(s: string): s is SuiteName {
  return Object.hasOwn(SUITES, s);
}

export function suiteById(id: number): SuiteName | undefined {
  return SUITE_NAMES.find((n) => SUITES[n] === id);
}

const cache = new Map<SuiteName, Promise<CiphersuiteImpl>>();

/**
 * The ts-mls implementation of a suite, with MLS-level randomness (signature/HPKE key generation inside
 * @hpke and @noble still use the platform CSPRNG) drawn from `rng`.
 */
export async function suiteImpl(name: SuiteName, rng: Rng = defaultRng): Promise<CiphersuiteImpl> {
  let base = cache.get(name);
  if (!base) {
    base = getCiphersuiteImpl(getCiphersuiteFromName(name));
    cache.set(name, base);
  }
  const impl = await base;
  return rng === defaultRng ? impl : { ...impl, rng: { randomBytes: rng } };
}
