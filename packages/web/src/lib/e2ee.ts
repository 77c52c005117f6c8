import { E2eeEngine, HashListGuard, e2eeCodecs, openGuardedAttachment, uploadGuardedAttachment, type HavenClient } from '@haven/client';
import { BrowserStateStore } from './browser-state-store';
import { browserAttachmentHasher } from './image-hasher';

// The heavy half of the app, loaded after sign-in as its own chunk: MLS (ts-mls and its post-quantum
// KEM), the PDQ core and the device-side known-image guard.

export { E2eeEngine, HashListGuard, e2eeCodecs, openGuardedAttachment, uploadGuardedAttachment, BrowserStateStore };

/** This browser's e2ee engine (state in IndexedDB, encrypted at rest) and its known-image guard. */
export async function openDeviceCrypto(client: HavenClient, identity: { accountId: string; deviceId: string }) {
  const store = new BrowserStateStore(identity.deviceId);
  const engine = await E2eeEngine.open(client, store, identity as never);
  const guard = new HashListGuard(client, browserAttachmentHasher);
  return { engine, guard, store };
}
