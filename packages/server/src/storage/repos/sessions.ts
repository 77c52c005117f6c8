import type { Kysely } from 'kysely';
import type { AccountRow, Database } from '../database';

export async function insertSession(
  db: Kysely<Database>,
  s: { token_hash: string; account_id: string; device_id: string; expires_at: Date },
): Promise<void> {
  await db.insertInto('sessions').values(s).execute();
}

export interface SessionWithAccount {
  deviceId: string;
  expiresAt: Date;
  account: AccountRow;
}

export async function findSession(db: Kysely<Database>, tokenHash: string): Promise<SessionWithAccount | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .selectAll('accounts')
    .select(['sessions.device_id', 'sessions.expires_at'])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  const { device_id, expires_at, ...account } = row;
  return { deviceId: device_id, expiresAt: expires_at, account };
}

export async function deleteSession(db: Kysely<Database>, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteExpiredSessions(db: Kysely<Database>, now: Date): Promise<number> {
  const r = await db.deleteFrom('sessions').where('expires_at', '<', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}
