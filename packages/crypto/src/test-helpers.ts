// Helpers for this package's tests only (not exported from index.ts).
import type { AccountId, DeviceId } from '@haven/protocol';
import { generateDeviceKeys, type DeviceKeys } from './device-keys';
import { certifyDevice, generateAccountKeys, type AccountKeys } from './device-certificate';
import { generateKeyPackages, type GeneratedKeyPackage } from './key-packages';
import type { SuiteName } from './suites';

export const uuid = (): string => globalThis.crypto.randomUUID();

export interface TestDevice {
  keys: DeviceKeys;
  packages: GeneratedKeyPackage[];
  lookup: (ref: string) => Uint8Array | undefined;
}

/** A device with a few key packages; `accountId` shared between devices of one person. */
export async function testDevice(suite: SuiteName, accountId: string = uuid(), count = 2): Promise<TestDevice> {
  const keys = await certifiedDeviceKeys(suite, accountId);
  const packages = await generateKeyPackages(keys, { count, now: Date.now() });
  return { keys, packages, lookup: (ref) => packages.find((p) => p.ref === ref)?.secret };
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const untext = (b: Uint8Array): string => new TextDecoder().decode(b);

const accounts = new Map<string, AccountKeys>();
/** The test account key of an account id (one per account, made on first use). */
export function testAccount(accountId: string): AccountKeys {
  let a = accounts.get(accountId);
  if (!a) accounts.set(accountId, (a = generateAccountKeys(accountId as AccountId)));
  return a;
}

/** Device keys certified by the account's test key (a linked device). */
export async function certifiedDeviceKeys(suite: SuiteName, accountId: string = uuid(), deviceId: string = uuid()): Promise<DeviceKeys> {
  const keys = await generateDeviceKeys({ accountId: accountId as AccountId, deviceId: deviceId as DeviceId }, { suite });
  return { ...keys, certificate: certifyDevice(testAccount(accountId), keys.identity, keys.signaturePublicKey, Date.now()) };
}
