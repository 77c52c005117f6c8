import { randomUUID } from 'node:crypto';
import type { Services } from '../services/context';
import { insertNotice, listRecentNotices, setNoticesSeen } from '../storage/repos/notices';

// Safety events (`media.blocked`, `contact.blocked`, …) go live to the account's devices and are kept, so
// that an account that was offline still sees them and their help (GET /v1/notices). A client marks the
// ones it showed (POST /v1/notices/seen); `dedupeKey` keeps one notice per fact (blocking twice).

const KEEP = 50;

export async function notify(s: Services, accountIds: readonly string[], event: string, data: unknown, opts: { dedupeKey?: string } = {}): Promise<void> {
  if (accountIds.length === 0) return;
  const now = s.now();
  for (const account_id of accountIds) {
    const id = randomUUID();
    const stored = await insertNotice(s.db, { id, account_id, event, data: JSON.stringify(data), created_at: now, dedupe_key: opts.dedupeKey ?? null });
    if (!stored) continue; // the same fact was noticed before: one notice
    // The live copy names its notice, so a client that shows it can mark it seen.
    const live = typeof data === 'object' && data !== null && !Array.isArray(data) ? { ...data, noticeId: id } : data;
    await s.fanout.publish([account_id], { type: 'event', event, data: live });
  }
}

/** The account's most recent notices, newest first. */
export async function listNotices(s: Services, accountId: string): Promise<{ id: string; event: string; data: unknown; at: string; seenAt: string | null }[]> {
  const rows = await listRecentNotices(s.db, accountId, KEEP);
  return rows.map((r) => ({ id: r.id, event: r.event, data: JSON.parse(r.data) as unknown, at: r.created_at.toISOString(), seenAt: r.seen_at?.toISOString() ?? null }));
}

/** Marks the account's own notices as seen (others' ids are ignored); returns how many changed. */
export async function markNoticesSeen(s: Services, accountId: string, ids: readonly string[]): Promise<number> {
  return setNoticesSeen(s.db, accountId, ids, s.now());
}
