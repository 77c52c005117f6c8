import type { Kysely, Transaction } from 'kysely';
import type { Database, DeviceRow } from '../database';

type Db = Kysely<Database> | Transaction<Database>;

export function insertDevice(db: Kysely<Database>, device: { id: string; account_id: string; name: string | null }): Promise<DeviceRow> {
  return db.insertInto('devices').values({ ...device, last_seen_at: null }).returningAll().executeTakeFirstOrThrow();
}

/** The device when it belongs to the account and was not removed, else `undefined`. */
export function findDevice(db: Db, accountId: string, deviceId: string): Promise<DeviceRow | undefined> {
  return db.selectFrom('devices').selectAll().where('id', '=', deviceId).where('account_id', '=', accountId).where('removed_at', 'is', null).executeTakeFirst();
}

/** The account's devices that were not removed, oldest first, with whether each is linked (certified). */
export function listDevices(db: Db, accountId: string) {
  return db
    .selectFrom('devices as d')
    .leftJoin('device_certificates as c', 'c.device_id', 'd.id')
    .selectAll('d')
    .select(['c.account_key', 'c.created_at as certified_at'])
    .where('d.account_id', '=', accountId)
    .where('d.removed_at', 'is', null)
    .orderBy('d.created_at')
    .execute();
}

export async function touchDevice(db: Kysely<Database>, deviceId: string, at: Date): Promise<void> {
  await db.updateTable('devices').set({ last_seen_at: at }).where('id', '=', deviceId).execute();
}

/**
 * Marks a device removed (its row stays, so history can name it), and deletes its sessions, key packages
 * and pending links in the same transaction. Returns the token hashes of the ended sessions.
 */
export async function removeDevice(db: Kysely<Database>, accountId: string, deviceId: string, byDeviceId: string, at: Date): Promise<string[] | undefined> {
  return db.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable('devices')
      .set({ removed_at: at, removed_by_device_id: byDeviceId })
      .where('id', '=', deviceId)
      .where('account_id', '=', accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return undefined;
    const sessions = await tx.deleteFrom('sessions').where('device_id', '=', deviceId).returning('token_hash').execute();
    await tx.deleteFrom('mls_key_packages').where('device_id', '=', deviceId).execute();
    await tx.deleteFrom('device_links').where('offered_by_device_id', '=', deviceId).execute();
    return sessions.map((s) => s.token_hash);
  });
}

export function findAccountKey(db: Db, accountId: string) {
  return db.selectFrom('account_keys').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

/** Sets the account's identity key (first linked device, or a new key after every device was lost). */
export async function setAccountKey(db: Db, accountId: string, publicKey: Uint8Array, at: Date): Promise<void> {
  await db
    .insertInto('account_keys')
    .values({ account_id: accountId, public_key: publicKey, updated_at: at })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ public_key: publicKey, updated_at: at }))
    .execute();
}

/** Active (not removed) devices of the account that hold a certificate, with the key that signed it. */
export function certifiedDevices(db: Db, accountId: string) {
  return db
    .selectFrom('device_certificates as c')
    .innerJoin('devices as d', 'd.id', 'c.device_id')
    .select(['c.device_id', 'c.account_key'])
    .where('c.account_id', '=', accountId)
    .where('d.removed_at', 'is', null)
    .execute();
}

export async function storeCertificate(db: Db, row: { device_id: string; account_id: string; account_key: Uint8Array; certificate: Uint8Array }): Promise<void> {
  await db
    .insertInto('device_certificates')
    .values(row)
    .onConflict((oc) => oc.column('device_id').doUpdateSet({ account_key: row.account_key, certificate: row.certificate }))
    .execute();
}

export function findCertificate(db: Db, deviceId: string) {
  return db.selectFrom('device_certificates').selectAll().where('device_id', '=', deviceId).executeTakeFirst();
}
