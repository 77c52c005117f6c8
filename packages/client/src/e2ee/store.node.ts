import { join } from 'node:path';
import { FileStateStore } from '@haven/crypto/node';
import type { DeviceIdentity } from '@haven/crypto';
import type { HavenClient } from '../http-client';
import { E2eeEngine, type E2eeEngineOptions } from './engine';

/**
 * The e2ee engine of a profile directory: state in `DIR/e2ee-<deviceId>/` (0700; files 0600, written
 * atomically), one directory per device so a new sign-in on another device never mixes keys.
 * @example const engine = await openProfileE2ee(profile.dir, client, { accountId, deviceId });
 */
export async function openProfileE2ee(profileDir: string, client: HavenClient, identity: DeviceIdentity, opts: E2eeEngineOptions = {}): Promise<E2eeEngine> {
  const store = await FileStateStore.open(join(profileDir, `e2ee-${identity.deviceId}`));
  return E2eeEngine.open(client, store, identity, opts);
}
