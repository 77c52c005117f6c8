import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database';

// Storage of the MLS Delivery/Authentication Service: device directory, key packages, group state.

type Db = Kysely<Database> | Transaction<Database>;

export function findMlsDevice(db: Db, deviceId: string) {
  return db.selectFrom('mls_devices').selectAll().where('device_id', '=', deviceId).executeTakeFirst();
}

/** Pins a device's signature key on its first upload; returns the pinned key (the earlier one if any). */
export async function pinMlsDevice(db: Db, deviceId: string, accountId: string, signatureKey: Uint8Array): Promise<Uint8Array> {
  await db
    .insertInto('mls_devices')
    .values({ device_id: deviceId, account_id: accountId, signature_key: signatureKey })
    .onConflict((oc) => oc.column('device_id').doNothing())
    .execute();
  return (await findMlsDevice(db, deviceId))!.signature_key;
}

/** MLS devices (with a pinned key) of the given accounts that were not removed, with name and certificate. */
export function mlsDevicesOf(db: Db, accountIds: readonly string[]) {
  if (accountIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('mls_devices as m')
    .innerJoin('devices as d', 'd.id', 'm.device_id')
    .leftJoin('device_certificates as c', 'c.device_id', 'm.device_id')
    .select(['m.device_id', 'm.account_id', 'm.signature_key', 'd.name', 'c.certificate'])
    .where('m.account_id', 'in', accountIds)
    .where('d.removed_at', 'is', null)
    .orderBy('m.account_id')
    .orderBy('m.created_at')
    .execute();
}

export interface StoredKeyPackage {
  ref: string;
  suite: string;
  lastResort: boolean;
  notAfter: number;
  bytes: Uint8Array;
}

/** Stores a batch; a new last-resort package replaces the device's old one. Duplicate refs are ignored. */
export async function storeKeyPackages(db: Kysely<Database>, deviceId: string, kps: StoredKeyPackage[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    if (kps.some((k) => k.lastResort)) await tx.deleteFrom('mls_key_packages').where('device_id', '=', deviceId).where('last_resort', '=', true).execute();
    await tx
      .insertInto('mls_key_packages')
      .values(kps.map((k) => ({ ref: k.ref, device_id: deviceId, suite: k.suite, last_resort: k.lastResort, not_after: k.notAfter, key_package: k.bytes })))
      .onConflict((oc) => oc.column('ref').doNothing())
      .execute();
  });
}

export async function keyPackageCounts(db: Db, deviceId: string, nowS: number): Promise<{ oneTime: number; lastResort: boolean }> {
  const rows = await db
    .selectFrom('mls_key_packages')
    .select(['last_resort', sql<string>`count(*)`.as('n')])
    .where('device_id', '=', deviceId)
    .where('not_after', '>', String(nowS) as never)
    .groupBy('last_resort')
    .execute();
  return {
    oneTime: Number(rows.find((r) => !r.last_resort)?.n ?? 0),
    lastResort: rows.some((r) => r.last_resort && Number(r.n) > 0),
  };
}

/**
 * Takes one unexpired one-time key package of the device atomically (deleted in the same statement;
 * `FOR UPDATE SKIP LOCKED` so concurrent claimers never get the same one), else returns the last-resort
 * package without deleting it. `undefined` when the device has none of that suite.
 */
export async function claimKeyPackage(db: Kysely<Database>, deviceId: string, suite: string, nowS: number): Promise<Uint8Array | undefined> {
  const taken = await db
    .deleteFrom('mls_key_packages')
    .where('ref', '=', (eb) =>
      eb
        .selectFrom('mls_key_packages')
        .select('ref')
        .where('device_id', '=', deviceId)
        .where('suite', '=', suite)
        .where('last_resort', '=', false)
        .where('not_after', '>', String(nowS) as never)
        .orderBy('created_at')
        .limit(1)
        .forUpdate()
        .skipLocked(),
    )
    .returning('key_package')
    .executeTakeFirst();
  if (taken) return taken.key_package;
  const lr = await db
    .selectFrom('mls_key_packages')
    .select('key_package')
    .where('device_id', '=', deviceId)
    .where('suite', '=', suite)
    .where('last_resort', '=', true)
    .where('not_after', '>', String(nowS) as never)
    .executeTakeFirst();
  return lr?.key_package;
}

export function findGroup(db: Db, conversationId: string, lock = false) {
  let q = db.selectFrom('mls_groups').selectAll().where('conversation_id', '=', conversationId);
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/**
 * Moves the group from `epoch` to `epoch + 1` with its new roster, only if it is still at `epoch`: the
 * first commit for an epoch wins. `false` when another commit came first.
 */
export async function advanceEpoch(tx: Transaction<Database>, conversationId: string, epoch: number, roster: string, at: Date): Promise<boolean> {
  if (epoch === 0) {
    const r = await tx
      .insertInto('mls_groups')
      .values({ conversation_id: conversationId, epoch: 1, roster, updated_at: at })
      .onConflict((oc) => oc.column('conversation_id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
  const r = await tx
    .updateTable('mls_groups')
    .set({ epoch: epoch + 1, roster, updated_at: at })
    .where('conversation_id', '=', conversationId)
    .where('epoch', '=', epoch)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** TEST ONLY (the ghost-device hook plays a malicious server): overwrites a group's roster. */
export async function setRoster(db: Db, conversationId: string, roster: string): Promise<void> {
  await db.updateTable('mls_groups').set({ roster }).where('conversation_id', '=', conversationId).execute();
}

/** Records an accepted Welcome's digest; false when the same Welcome bytes were accepted before (a replay). */
export async function recordWelcome(db: Db, digest: Uint8Array, conversationId: string): Promise<boolean> {
  const r = await db
    .insertInto('mls_welcomes')
    .values({ digest, conversation_id: conversationId })
    .onConflict((oc) => oc.column('digest').doNothing())
    .returning('digest')
    .executeTakeFirst();
  return r !== undefined;
}
