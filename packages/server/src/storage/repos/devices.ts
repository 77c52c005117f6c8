import type { Kysely } from 'kysely';
import type { Database, DeviceRow } from '../database';

export function insertDevice(db: Kysely<Database>, device: { id: string; account_id: string; name: string | null }): Promise<DeviceRow> {
  return db.insertInto('devices').values({ ...device, last_seen_at: null }).returningAll().executeTakeFirstOrThrow();
}

/** The device when it belongs to the account, else `undefined`. */
export function findDevice(db: Kysely<Database>, accountId: string, deviceId: string): Promise<DeviceRow | undefined> {
  return db.selectFrom('devices').selectAll().where('id', '=', deviceId).where('account_id', '=', accountId).executeTakeFirst();
}

export function listDevices(db: Kysely<Database>, accountId: string): Promise<DeviceRow[]> {
  return db.selectFrom('devices').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
}

export async function touchDevice(db: Kysely<Database>, deviceId: string, at: Date): Promise<void> {
  await db.updateTable('devices').set({ last_seen_at: at }).where('id', '=', deviceId).execute();
}
