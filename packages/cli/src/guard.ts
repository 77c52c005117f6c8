import { HashListGuard, nodeAttachmentHasher, type HavenClient } from '@haven/client/node';

/**
 * This device's known-image check for e2ee attachments (D2, D3): the lists synced from the server, or
 * `undefined` when the server's policy puts no lists on this account's devices.
 */
export async function deviceGuard(client: HavenClient): Promise<HashListGuard | undefined> {
  const guard = new HashListGuard(client, nodeAttachmentHasher);
  await guard.sync();
  return guard.holdsLists ? guard : undefined;
}
