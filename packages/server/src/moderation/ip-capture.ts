import { randomUUID } from 'node:crypto';
import type { Services } from '../services/context';
import type { IpCaptureEventsTable } from '../storage/database';
import { deleteIpEventsBefore, insertIpEvent, ipEventsOf } from '../storage/repos/ip-capture';

// IP capture (issue 9 item 5), only where the operator enables `moderation.ipCapture`: the address of each
// sign-in (`Login`), registration (`Other`: it opens a session too) and media upload (`Upload`). When a case
// opens, and again when it is referred, the subject's events of the window before are copied into the
// case's evidence (sealed, kept with it); the referral's `personOrUserReported` carries them as
// `ipCaptureEvent`. The rows themselves are deleted after `retentionDays`.

const DAY = 86_400_000;

export type IpEventName = IpCaptureEventsTable['event'];

/** One event as evidence metadata and in a referral: the CyberTipline's address, event name and time. */
export interface IpEvent {
  id: string;
  ip: string;
  event: IpEventName;
  at: string;
}

/**
 * Records one event where capture is enabled. A cheap insert after the action succeeded; a failure is
 * logged and never fails the sign-in or upload.
 */
export async function recordIp(s: Services, accountId: string, event: IpEventName, ip: string | undefined): Promise<void> {
  if (!s.config.moderation.ipCapture.enabled || !ip) return;
  try {
    await insertIpEvent(s.db, { id: randomUUID(), account_id: accountId, event, ip, at: s.now() });
  } catch (err) {
    s.log.warn({ err, event }, 'could not record an IP capture event');
  }
}

/** The subject's events in the configured window before `until` (none when capture is off). */
export async function ipEventsBefore(s: Services, db: Services['db'], accountId: string, until: Date): Promise<IpEvent[]> {
  const cfg = s.config.moderation.ipCapture;
  if (!cfg.enabled) return [];
  const rows = await ipEventsOf(db, accountId, new Date(until.getTime() - cfg.windowDays * DAY), until);
  return rows.map((r) => ({ id: r.id, ip: r.ip, event: r.event, at: r.at.toISOString() }));
}

/** Every distinct event in evidence metadata (`ipEvents`), oldest first. */
export function ipEventsOfEvidence(metadata: readonly string[]): IpEvent[] {
  const byId = new Map<string, IpEvent>();
  for (const m of metadata) {
    const events = (JSON.parse(m) as { ipEvents?: IpEvent[] }).ipEvents;
    for (const e of events ?? []) byId.set(e.id, e);
  }
  return [...byId.values()].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}

/** Deletes events past `retentionDays` (whether or not capture is still on); copies in evidence stay. */
export async function purgeIpEvents(s: Services): Promise<number> {
  const n = await deleteIpEventsBefore(s.db, new Date(s.now().getTime() - s.config.moderation.ipCapture.retentionDays * DAY));
  if (n) s.log.info({ events: n }, 'IP capture events deleted at the end of retention');
  return n;
}
