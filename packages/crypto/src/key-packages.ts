import {
  defaultCapabilities,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  type Capabilities,
  type KeyPackage,
  type PrivateKeyPackage,
} from 'ts-mls';
import { decodeKeyPackage, encodeKeyPackage, makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { Reader, concatBytes, fromUtf8, toHex, utf8, vec32 } from './bytes';
import type { DeviceKeys } from './device-keys';
import { credentialFor } from './identity';
import { defaultRng, type Rng } from './rng';
import { SUITE_NAMES, suiteImpl } from './suites';

/** RFC 9420 IANA extension type `last_resort` (0x000A), empty body, carried in the KeyPackage extensions. */
export const LAST_RESORT_EXTENSION = 0x000a;

export const DEFAULT_KEY_PACKAGE_LIFETIME_S = 90 * 24 * 3600;
/** Tolerated clock skew: key packages are valid from an hour before they were made. */
const SKEW_S = 3600;

/** One generated key package: `keyPackage` goes to the server, `secret` stays on the device under `ref`. */
export interface GeneratedKeyPackage {
  /** KeyPackageRef (RFC 9420 §5.2), lower-case hex: how server, Welcome and device name it. */
  ref: string;
  /** MLSMessage-encoded KeyPackage (wire format `mls_key_package`), for upload. */
  keyPackage: Uint8Array;
  /** Public + private parts, for `GroupSession.join`; a secret. */
  secret: Uint8Array;
  lastResort: boolean;
}

/** Capabilities of every Haven leaf: Haven's suites, basic credentials, and the last_resort extension. */
export function havenCapabilities(): Capabilities {
  const d = defaultCapabilities();
  return {
    ...d,
    ciphersuites: [...SUITE_NAMES],
    credentials: ['basic'],
    extensions: [...new Set([...d.extensions, LAST_RESORT_EXTENSION])],
  };
}

/**
 * Makes `count` one-time key packages and, when `lastResort` (default true), one more last-resort package.
 * `now` is milliseconds since the epoch (the clock comes in as an argument).
 * @example const kps = await generateKeyPackages(device, { count: 20, now: Date.now() });
 */
export async function generateKeyPackages(
  device: DeviceKeys,
  opts: { count: number; lastResort?: boolean; now: number; lifetimeSeconds?: number; rng?: Rng },
): Promise<GeneratedKeyPackage[]> {
  if (!Number.isInteger(opts.count) || opts.count < 0 || opts.count > 1000) throw new RangeError('count must be 0..1000');
  const cs = await suiteImpl(device.suite, opts.rng ?? defaultRng);
  const nowS = BigInt(Math.floor(opts.now / 1000));
  const lifetime = {
    notBefore: nowS - BigInt(SKEW_S),
    notAfter: nowS + BigInt(opts.lifetimeSeconds ?? DEFAULT_KEY_PACKAGE_LIFETIME_S),
  };
  const signatureKeyPair = { signKey: device.signaturePrivateKey, publicKey: device.signaturePublicKey };
  const credential = credentialFor(device.identity, device.certificate);
  const caps = havenCapabilities();
  const out: GeneratedKeyPackage[] = [];
  const total = opts.count + (opts.lastResort === false ? 0 : 1);
  for (let i = 0; i < total; i++) {
    const lastResort = i === opts.count;
    const ext = lastResort ? [{ extensionType: LAST_RESORT_EXTENSION, extensionData: new Uint8Array() }] : [];
    const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
      credential,
      caps,
      lifetime,
      ext,
      signatureKeyPair,
      cs,
    );
    out.push({
      ref: toHex(await makeKeyPackageRef(publicPackage, cs.hash)),
      keyPackage: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: publicPackage }),
      secret: encodeKeyPackageSecret(publicPackage, privatePackage, lastResort),
      lastResort,
    });
  }
  return out;
}

export interface KeyPackageSecret {
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
  lastResort: boolean;
}

const MAGIC = 'HVKP';

function encodeKeyPackageSecret(pub: KeyPackage, priv: PrivateKeyPackage, lastResort: boolean): Uint8Array {
  return concatBytes(
    utf8(MAGIC),
    Uint8Array.of(1, lastResort ? 1 : 0),
    vec32(encodeKeyPackage(pub)),
    vec32(priv.initPrivateKey),
    vec32(priv.hpkePrivateKey),
    vec32(priv.signaturePrivateKey),
  );
}

export function decodeKeyPackageSecret(bytes: Uint8Array): KeyPackageSecret | undefined {
  const r = new Reader(bytes);
  const magic = r.bytes(4);
  if (!magic || fromUtf8(magic) !== MAGIC || r.u8() !== 1) return undefined;
  const flag = r.u8();
  const kpBytes = r.vec32();
  const init = r.vec32();
  const hpke = r.vec32();
  const sig = r.vec32();
  if ((flag !== 0 && flag !== 1) || !kpBytes || !init || !hpke || !sig || !r.done) return undefined;
  let decoded: ReturnType<typeof decodeKeyPackage>;
  try {
    decoded = decodeKeyPackage(kpBytes, 0);
  } catch {
    return undefined;
  }
  if (!decoded || decoded[1] !== kpBytes.length) return undefined;
  return {
    publicPackage: decoded[0],
    privatePackage: { initPrivateKey: init.slice(), hpkePrivateKey: hpke.slice(), signaturePrivateKey: sig.slice() },
    lastResort: flag === 1,
  };
}
