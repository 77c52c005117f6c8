import type { Kysely } from 'kysely';
import type { Database } from '../database';

// Device links relayed between an existing device and a new one (opaque, MAC-protected bytes).

export async function insertLink(db: Kysely<Database>, row: { id: string; account_id: string; offered_by_device_id: string; expires_at: Date }): Promise<boolean> {
  const r = await db.insertInto('device_links').values(row).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** A link of the account that has not expired. */
export function findLink(db: Kysely<Database>, accountId: string, id: string, now: Date) {
  return db.selectFrom('device_links').selectAll().where('id', '=', id).where('account_id', '=', accountId).where('expires_at', '>', now).executeTakeFirst();
}

/** Stores the new device's request, once. */
export async function setLinkRequest(db: Kysely<Database>, id: string, deviceId: string, request: Uint8Array): Promise<boolean> {
  const r = await db
    .updateTable('device_links')
    .set({ request, requested_by_device_id: deviceId })
    .where('id', '=', id)
    .where('request', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Stores the existing device's answer, once, after a request. */
export async function setLinkResponse(db: Kysely<Database>, id: string, byDeviceId: string, response: Uint8Array): Promise<boolean> {
  const r = await db
    .updateTable('device_links')
    .set({ response })
    .where('id', '=', id)
    .where('offered_by_device_id', '=', byDeviceId)
    .where('request', 'is not', null)
    .where('response', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteExpiredLinks(db: Kysely<Database>, now: Date): Promise<void> {
  await db.deleteFrom('device_links').where('expires_at', '<=', now).execute();
}
