import { randomUUID } from 'node:crypto';
import type { Services } from '../services/context';

// Safety events (`media.blocked`, `contact.blocked`, …) go live to the account's devices and are kept, so
// that an account that was offline still sees them and their help (GET /v1/notices).

const KEEP = 50;

export async function notify(s: Services, accountIds: readonly string[], event: string, data: unknown): Promise<void> {
  if (accountIds.length === 0) return;
  const now = s.now();
  await s.db
    .insertInto('safety_notices')
    .values(accountIds.map((account_id) => ({ id: randomUUID(), account_id, event, data: JSON.stringify(data), created_at: now })))
    .execute();
  await s.fanout.publish(accountIds, { type: 'event', event, data });
}

/** The account's most recent notices, newest first. */
export async function listNotices(s: Services, accountId: string): Promise<{ id: string; event: string; data: unknown; at: string }[]> {
  const rows = await s.db.selectFrom('safety_notices').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').limit(KEEP).execute();
  return rows.map((r) => ({ id: r.id, event: r.event, data: JSON.parse(r.data) as unknown, at: r.created_at.toISOString() }));
}
