// Helpers for this package's tests only (not exported from index.ts).
import type { AccountId, DeviceId } from '@haven/protocol';
import { generateDeviceKeys, type DeviceKeys } from './device-keys';
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
  const keys = await generateDeviceKeys({ accountId: accountId as AccountId, deviceId: uuid() as DeviceId }, { suite });
  const packages = await generateKeyPackages(keys, { count, now: Date.now() });
  return { keys, packages, lookup: (ref) => packages.find((p) => p.ref === ref)?.secret };
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const untext = (b: Uint8Array): string => new TextDecoder().decode(b);
