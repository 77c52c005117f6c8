import { createHash, randomUUID } from 'node:crypto';
import { HavenError, MessagePayload, type ReferralPackage, type ReferralView, type ReportReason } from '@haven/protocol';
import { forceBucketName, forceBucketOf } from '@haven/safety';
import { appendAudit } from '../admin/audit';
import { bandOf } from '../policy/participants';
import type { Caller, Services } from '../services/context';
import type { AccountRow } from '../storage/database';
import { findAccountsByIds } from '../storage/repos/accounts';
import { caseDecisions, conversationsByIds, detectionsByIds, findCase, findReferral, insertReferral, listCaseItems, revealedAmong, updateCase, updateReferral } from '../storage/repos/cases';
import { caseEvidence } from '../storage/repos/evidence';
import { reportsOfCase } from '../storage/repos/reports';
import { markIncidentReferred } from '../stats/service';
import { lockHeldCase, preserveIpEvents } from './cases';
import { ipEventsOfEvidence } from './ip-capture';
import { cyberTipReport, fileDetails, incidentTypeFor, toJsonValue, toXml, type ReferralFacts, type ReferralPerson } from './cybertip';
import { IMAGE_TYPES, openEvidence } from './evidence.node.ts';
import { submitToHotline } from './submitter.node.ts';
import { inTransaction } from '../storage/transaction';

// Referrals (issue 9, point 6): a moderator refers a case; the package (CyberTipline-shaped XML and the
// same as JSON, the evidence files, police force areas, a manifest of SHA-256 digests) is built from the
// preserved evidence whenever it is exported, and, where a hotline URL is configured, submitted.

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

function person(s: Services, a: AccountRow): ReferralPerson {
  return { accountId: a.id, handle: a.handle, displayName: a.display_name, ageBand: bandOf(s.policy, a.birth_date, s.now()), region: a.region ? forceBucketName(forceBucketOf(a.region)) : null };
}

/** Everything the report says, from the case's items and evidence (fails when the evidence is purged). */
async function referralFacts(s: Services, caseId: string, referralId: string) {
  const c = await findCase(s.db, caseId);
  if (!c) throw new HavenError('case.not_found');
  if (c.evidence_purged_at) throw new HavenError('evidence.purged');
  const [items, reports, evidence, decisions] = await Promise.all([listCaseItems(s.db, c.id), reportsOfCase(s.db, c.id), caseEvidence(s.db, c.id), caseDecisions(s.db, c.id)]);
  const detections = await detectionsByIds(s.db, items.filter((i) => i.kind === 'detection').map((i) => i.ref_id));
  const recipientIds = new Set<string>();
  const content: string[] = [];
  const opened = new Map<string, Uint8Array>();
  for (const e of evidence) {
    const bytes = openEvidence(s, e);
    opened.set(e.id, bytes);
    const meta = JSON.parse(e.metadata) as { recipients?: { id: string }[] };
    for (const r of meta.recipients ?? []) recipientIds.add(r.id);
    if (e.kind === 'message') {
      const p = MessagePayload.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
      if (p.success && p.data.text) content.push(p.data.text);
    }
  }
  for (const r of reports) recipientIds.add(r.reporter_account_id);
  recipientIds.delete(c.subject_account_id);
  const accounts = new Map((await findAccountsByIds(s.db, [c.subject_account_id, ...recipientIds])).map((a) => [a.id, a]));
  const subject = accounts.get(c.subject_account_id);
  if (!subject) throw new HavenError('account.not_found');
  const involved = [...recipientIds].flatMap((id) => (accounts.get(id) ? [person(s, accounts.get(id)!)] : []));
  const firstConversation = reports.find((r) => r.conversation_id)?.conversation_id ?? detections.find((d) => d.conversation_id)?.conversation_id ?? null;
  const [conv] = firstConversation ? await conversationsByIds(s.db, [firstConversation]) : [];
  const times = [...reports.map((r) => r.created_at), ...detections.map((d) => d.created_at)];
  for (const e of evidence) {
    const sentAt = (JSON.parse(e.metadata) as { sentAt?: string }).sentAt;
    if (sentAt) times.push(new Date(sentAt));
  }
  const incidentAt = times.length ? new Date(Math.min(...times.map((t) => t.getTime()))) : c.created_at;
  const reveals = await revealedAmong(s.db, evidence.map((e) => e.id));
  const files = evidence
    .filter((e) => e.kind === 'attachment' || e.kind === 'detection' || IMAGE_TYPES.includes(e.content_type))
    .map((e) => ({ fileId: e.id, fileName: e.name, md5: e.md5, sha256: e.sha256, pdq: e.pdq, viewedByEsp: reveals.has(e.id) }));
  const ref = s.config.moderation.referral;
  const facts: ReferralFacts = {
    referralId,
    caseId: c.id,
    incidentType: incidentTypeFor(reports.map((r) => r.reason), detections.some((d) => d.source === 'server-scan')),
    incidentDateTime: incidentAt.toISOString(),
    esp: { name: ref.espName, contactEmail: ref.contactEmail, legalUrl: ref.legalUrl },
    conversation: conv ? { id: conv.id, kind: conv.kind, mode: conv.mode } : null,
    content,
    // IP capture events as preserved in the case's evidence (when the case opened and when it was referred).
    reported: { ...person(s, subject), ipEvents: ipEventsOfEvidence(evidence.map((e) => e.metadata)).map(({ ip, event, at }) => ({ ip, event, at })) },
    victims: involved.filter((p) => p.ageBand === 'child'),
    intendedRecipients: involved.filter((p) => p.ageBand === 'adult'),
    additionalInfo: [
      `${ref.espName} case ${c.id}, priority ${c.priority} (rule ${c.priority_rule}).`,
      ...reports.map((r) => `Report ${r.id} (${r.verified_by}): ${r.reason as ReportReason}${r.note ? ` — ${r.note}` : ''}.`),
      ...detections.map((d) => `Detection ${d.id} (${d.source}): list ${d.list_name} entry ${d.entry_index}, distance ${d.distance}.`),
      ...decisions.map((d) => `Decision ${d.action} by a moderator at ${d.created_at.toISOString()}: ${d.reason}.`),
    ].join('\n'),
    files,
  };
  return { c, facts, evidence, opened, subject };
}

/** Refers a case the caller holds: records the referral (audited), then submits it where configured. */
export async function refer(s: Services, caller: Caller, caseId: string, note: string | undefined): Promise<ReferralView> {
  const now = s.now();
  const id = randomUUID();
  await inTransaction(s.db, async (tx) => {
    const c = await lockHeldCase(tx, caller, caseId);
    if (c.evidence_purged_at) throw new HavenError('evidence.purged');
    await preserveIpEvents(s, tx, c.id, c.subject_account_id, now, `ip-events-referral-${id}.json`);
    await insertReferral(tx, { id, case_id: c.id, created_by: caller.accountId, status: 'built', remote_report_id: null, error: null, note: note ?? null, created_at: now });
    await updateCase(tx, c.id, { status: 'referred', updated_at: now });
    await markIncidentReferred(tx, c.id, now);
    await appendAudit(tx, now, { actorId: caller.accountId, actorHandle: caller.handle, action: 'case.refer', target: `case:${c.id}`, reason: note ?? '', details: { referralId: id } });
  });
  let row = await findReferral(s.db, id);
  if (s.config.moderation.referral.submitUrl) {
    const { facts, evidence, opened } = await referralFacts(s, caseId, id);
    const result = await submitToHotline(s.config.moderation.referral, facts, evidence.filter((e) => facts.files.some((f) => f.fileId === e.id)).map((e) => ({ fileId: e.id, name: e.name, contentType: e.content_type, bytes: opened.get(e.id)! })));
    row = await inTransaction(s.db, async (tx) => {
      const r = await updateReferral(tx, id, result.ok ? { status: 'submitted', remote_report_id: result.reportId } : { status: 'failed', remote_report_id: result.reportId ?? null, error: result.error });
      await appendAudit(tx, s.now(), { actorId: caller.accountId, actorHandle: caller.handle, action: result.ok ? 'referral.submitted' : 'referral.failed', target: `case:${caseId}`, reason: '', details: { referralId: id, remoteReportId: result.reportId ?? null, ...(result.ok ? {} : { error: result.error, retracted: result.retracted }) } });
      return r;
    });
  }
  return view(row!);
}

const view = (r: NonNullable<Awaited<ReturnType<typeof findReferral>>>): ReferralView => ({
  id: r.id as ReferralView['id'],
  caseId: r.case_id as ReferralView['caseId'],
  status: r.status,
  remoteReportId: r.remote_report_id,
  error: r.error,
  createdAt: r.created_at.toISOString(),
});

/** The package's files: report.xml, report.json, fileDetails per file, the evidence, and a manifest. */
export async function referralPackage(s: Services, caller: Caller, referralId: string): Promise<ReferralPackage> {
  const r = await findReferral(s.db, referralId);
  if (!r) throw new HavenError('referral.not_found');
  const { facts, evidence, opened } = await referralFacts(s, r.case_id, r.id);
  const reportId = r.remote_report_id ?? `local-${r.id}`;
  const report = cyberTipReport(facts);
  const files: { path: string; contentType: string; bytes: Uint8Array }[] = [];
  const text = (path: string, contentType: string, body: string) => files.push({ path, contentType, bytes: Buffer.from(body, 'utf8') });
  text('report.xml', 'application/xml', toXml(report));
  const details = facts.files.map((f) => fileDetails(f, reportId));
  text(
    'report.json',
    'application/json',
    `${JSON.stringify({ report: toJsonValue(report), fileDetails: details.map(toJsonValue), policeForceAreas: { reported: facts.reported.region, victims: facts.victims.map((v) => ({ handle: v.handle, region: v.region })) } }, null, 2)}\n`,
  );
  details.forEach((d, i) => text(`files/fileDetails-${i + 1}.xml`, 'application/xml', toXml(d)));
  for (const e of evidence) {
    files.push({ path: `evidence/${e.name}`, contentType: e.content_type, bytes: opened.get(e.id)! });
    text(`evidence/${e.name}.metadata.json`, 'application/json', `${JSON.stringify({ id: e.id, kind: e.kind, sha256: e.sha256, md5: e.md5, pdq: e.pdq, preservedAt: e.created_at.toISOString(), ...(JSON.parse(e.metadata) as object) }, null, 2)}\n`);
  }
  const manifest = {
    referralId: r.id,
    caseId: r.case_id,
    builtAt: s.now().toISOString(),
    builtFor: caller.handle,
    files: files.map((f) => ({ path: f.path, size: f.bytes.length, sha256: sha256(f.bytes) })),
  };
  text('manifest.json', 'application/json', `${JSON.stringify(manifest, null, 2)}\n`);
  await inTransaction(s.db, (tx) =>
    appendAudit(tx, s.now(), { actorId: caller.accountId, actorHandle: caller.handle, action: 'referral.export', target: `case:${r.case_id}`, reason: '', details: { referralId: r.id, manifestSha256: sha256(files.at(-1)!.bytes) } }),
  );
  return {
    referralId: r.id as ReferralPackage['referralId'],
    caseId: r.case_id as ReferralPackage['caseId'],
    files: files.map((f) => ({ path: f.path, contentType: f.contentType, base64: Buffer.from(f.bytes).toString('base64'), sha256: sha256(f.bytes) })),
  };
}
