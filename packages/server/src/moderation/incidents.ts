import type { Method, Surface } from '@haven/safety';
import type { Kysely } from 'kysely';
import { bandOf } from '../policy/participants';
import type { Services } from '../services/context';
import type { CaseRow, Database } from '../storage/database';
import { findAccountsByIds } from '../storage/repos/accounts';
import { conversationsByIds, detectionsByIds, listCaseItems } from '../storage/repos/cases';
import { reportsOfCase } from '../storage/repos/reports';
import { recordIncident } from '../stats/service';

// The switch-over to transparency statistics (docs/decisions/0009-statistics.md): a case actioned as a
// violation becomes an incident, with the surface and method of its first content item.

/**
 * Records the incident of case `c`, actioned now, inside the decision's transaction `tx`.
 * `removed`: the messages the decision removed (remove_content), else null.
 */
export async function recordCaseIncident(s: Services, tx: Kysely<Database>, c: CaseRow, at: Date, removed: readonly string[] | null): Promise<void> {
  const items = (await listCaseItems(tx, c.id)).filter((i) => i.kind !== 'appeal');
  const [reports, detections] = await Promise.all([reportsOfCase(tx, c.id), detectionsByIds(tx, items.filter((i) => i.kind === 'detection').map((i) => i.ref_id))]);
  const convIds = [...reports.flatMap((r) => (r.conversation_id ? [r.conversation_id] : [])), ...detections.flatMap((d) => (d.conversation_id ? [d.conversation_id] : []))];
  const conversations = new Map((await conversationsByIds(tx, convIds)).map((cv) => [cv.id, cv]));
  let surface: Surface | null = null;
  let method: Method | null = null;
  const first = items[0];
  if (first?.kind === 'report') {
    const r = reports.find((x) => x.id === first.ref_id);
    method = 'user-report';
    if (r) surface = r.target_kind === 'account' ? 'profile' : r.target_kind === 'attachment' || r.media_id ? 'media' : (conversations.get(r.conversation_id ?? '')?.kind ?? null);
  } else if (first?.kind === 'detection') {
    const d = detections.find((x) => x.id === first.ref_id);
    surface = 'media';
    method = d ? (d.source === 'server-scan' ? 'server-hash' : 'device-hash') : null;
  } else if (first?.kind === 'signal') {
    method = 'risk-signal';
    surface = null;
  }
  // The child involved: a reporter or a receiving device's owner who is a child.
  const candidates = [...reports.map((r) => r.reporter_account_id), ...detections.flatMap((d) => (d.reporter_account_id ? [d.reporter_account_id] : []))].filter((id) => id !== c.subject_account_id);
  const accounts = await findAccountsByIds(tx, [...new Set(candidates)]);
  const child = candidates.map((id) => accounts.find((a) => a.id === id)).find((a) => a && bandOf(s.policy, a.birth_date, at) === 'child');
  const contentItems = removed ? removed.length : reports.filter((r) => r.target_kind !== 'account').length + detections.length;
  await recordIncident(s, { caseId: c.id, subjectAccountId: c.subject_account_id, childAccountId: child?.id ?? null, surface, method, openedAt: c.created_at, actionedAt: at, contentItems }, tx);
}
