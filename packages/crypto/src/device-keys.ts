import { Reader, concatBytes, fromUtf8, u16, utf8, vec16, vec32 } from './bytes';
import type { DeviceCertificate } from './device-certificate';
import { encodeIdentity, parseIdentity, type DeviceIdentity } from './identity';
import { defaultRng, type Rng } from './rng';
import { SUITES, DEFAULT_SUITE, suiteById, suiteImpl, type SuiteName } from './suites';

/**
 * A device's long-term MLS signing key and who it is. The private half never leaves the device; the
 * server pins `signaturePublicKey` per device on first upload and refuses key packages that carry another.
 */
export interface DeviceKeys {
  suite: SuiteName;
  identity: DeviceIdentity;
  signaturePublicKey: Uint8Array;
  signaturePrivateKey: Uint8Array;
  /** The account key's certificate for this device, once linked (kept apart in the store; not encoded here). */
  certificate?: DeviceCertificate;
}

/**
 * Draws a fresh signing key pair for a device.
 * @example const device = await generateDeviceKeys({ accountId, deviceId });
 */
export async function generateDeviceKeys(
  identity: DeviceIdentity,
  opts: { suite?: SuiteName; rng?: Rng } = {},
): Promise<DeviceKeys> {
  const suite = opts.suite ?? DEFAULT_SUITE;
  const cs = await suiteImpl(suite, opts.rng ?? defaultRng);
  const kp = await cs.signature.keygen();
  return { suite, identity, signaturePublicKey: kp.publicKey, signaturePrivateKey: kp.signKey };
}

const MAGIC = utf8('HVDK');

/** Serialises device keys for a `StateStore` (contains the private key: store it as a secret). */
export function encodeDeviceKeys(k: DeviceKeys): Uint8Array {
  return concatBytes(
    MAGIC,
    Uint8Array.of(1),
    u16(SUITES[k.suite]),
    vec16(encodeIdentity(k.identity)),
    vec32(k.signaturePublicKey),
    vec32(k.signaturePrivateKey),
  );
}

export function decodeDeviceKeys(bytes: Uint8Array): DeviceKeys | undefined {
  const r = new Reader(bytes);
  const magic = r.bytes(4);
  if (!magic || fromUtf8(magic) !== 'HVDK' || r.u8() !== 1) return undefined;
  const suiteId = r.u16();
  const suite = suiteId === undefined ? undefined : suiteById(suiteId);
  const idBytes = r.vec16();
  const identity = idBytes && parseIdentity(idBytes);
  const pub = r.vec32();
  const priv = r.vec32();
  if (!suite || !identity || !pub || !priv || !r.done) return undefined;
  return { suite, identity, signaturePublicKey: pub.slice(), signaturePrivateKey: priv.slice() };
}
