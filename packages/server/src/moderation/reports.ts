import { signalBlockOrReport } from '../signals/hooks';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { verifyReport } from '@haven/crypto';
import { HavenError, MessagePayload, PAYLOAD_CONTENT_TYPE, type AnyReportRequest, type FileReportRequest, type ReportAccepted, type ReportRequest } from '@haven/protocol';
import { reportAcknowledgement, type CaseFacts } from '@haven/safety';
import type { Kysely } from 'kysely';
import { MediaStore, mediaDirOf } from '../media/store.node.ts';
import { bandOf } from '../policy/participants';
import { helpOf } from '../policy/refusal';
import type { Caller, Services } from '../services/context';
import type { AccountRow, Database, ReportRow, ReportsTable } from '../storage/database';
import { findAccountByHandle, findAccountById, findAccountsByIds } from '../storage/repos/accounts';
import { membersOf } from '../storage/repos/conversations';
import { findCase } from '../storage/repos/cases';
import { findMediaForReporter, findMessageForReporter, findReportByKey, insertFrankedReport, findMediaRow, insertReport, related, setReportCase } from '../storage/repos/reports';
import { raiseCase } from './cases';
import { preserve, sniffImage } from './evidence.node.ts';
import { inTransaction } from '../storage/transaction';

// Reports from users (issue 9, point 1; issue 13, points 3 and 4). A report must belong to its subject:
// the reporter received the message (a member who joined before it, not its sender), the message is in
// that conversation, and a franked proof is the proof of exactly that message. The same report twice is
// one report. Every report opens or joins the case about the account it concerns, with evidence.

const b64 = (x: string): Uint8Array => new Uint8Array(Buffer.from(x, 'base64'));

interface Prepared {
  subject: AccountRow;
  dedupKey: string;
  row: Omit<ReportsTable, 'id' | 'reporter_account_id' | 'reporter_device_id' | 'reason' | 'note' | 'notify_outcome' | 'case_id' | 'outcome' | 'outcome_notified_at' | 'created_at' | 'dedup_key' | 'subject_account_id'>;
  /** Preserves the evidence once the case is known. */
  preserve(tx: Kysely<Database>, caseId: string, itemId: string, reportId: string, at: Date): Promise<void>;
  franked?: Omit<Database['franked_reports'], 'id' | 'reporter_account_id' | 'reporter_device_id' | 'reason' | 'created_at'>;
}

/** Files any report; answers with an acknowledgement and help (a repeat answers the first report). */
export async function fileAnyReport(s: Services, caller: Caller, req: AnyReportRequest): Promise<ReportAccepted> {
  const reporter = await findAccountById(s.db, caller.accountId);
  if (!reporter) throw new HavenError('auth.invalid_token');
  const prepared = 'target' in req ? await prepareTarget(s, caller, req) : await prepareFranked(s, caller, req);
  const now = s.now();
  const existing = await findReportByKey(s.db, caller.accountId, prepared.dedupKey);
  if (existing) return accepted(s, reporter, existing, true);
  const reporterBand = bandOf(s.policy, reporter.birth_date, now);
  const subjectBand = bandOf(s.policy, prepared.subject.birth_date, now);
  const facts: CaseFacts = { source: 'user-report', reason: req.reason, reporterBand, subjectBand, childInvolved: reporterBand === 'child' || subjectBand === 'child' };
  const result = await inTransaction(s.db, async (tx) => {
    const id = randomUUID();
    const row = await insertReport(tx, {
      id,
      reporter_account_id: caller.accountId,
      reporter_device_id: caller.deviceId,
      subject_account_id: prepared.subject.id,
      reason: req.reason,
      note: req.note ?? null,
      notify_outcome: req.notifyOutcome ?? true,
      dedup_key: prepared.dedupKey,
      case_id: null,
      outcome: null,
      outcome_notified_at: null,
      created_at: now,
      ...prepared.row,
    });
    // A concurrent copy of the same report won: answer that one.
    if (!row) return { duplicate: true as const };
    const raised = await raiseCase(s, tx, { subjectId: prepared.subject.id, kind: 'report', refId: id, facts, at: now });
    const withCase = await setReportCase(tx, id, raised.caseId);
    if (prepared.franked) {
      await insertFrankedReport(tx, { id, reporter_account_id: caller.accountId, reporter_device_id: caller.deviceId, reason: req.reason, created_at: now, ...prepared.franked });
    }
    await prepared.preserve(tx, raised.caseId, raised.itemId, id, now);
    return { duplicate: false as const, row: withCase };
  });
  if (result.duplicate) {
    const first = await findReportByKey(s.db, caller.accountId, prepared.dedupKey);
    if (!first) throw new HavenError('server.internal');
    return accepted(s, reporter, first, true);
  }
  s.log.info({ report: result.row.id, case: result.row.case_id, target: result.row.target_kind }, 'report filed');
  // Risk signals (R3): reports received, and by how many children; metadata only, after the answer.
  signalBlockOrReport(s, 'report', reporter, prepared.subject.id, {
    ...(result.row.conversation_id ? { conversationId: result.row.conversation_id } : {}),
    ...(result.row.message_id ? { messageId: result.row.message_id } : {}),
  });
  return accepted(s, reporter, result.row, false);
}

async function accepted(s: Services, reporter: AccountRow, r: ReportRow, duplicate: boolean): Promise<ReportAccepted> {
  const c = r.case_id ? await findCase(s.db, r.case_id) : undefined;
  const ack = reportAcknowledgement(c?.priority ?? 'normal', s.config.moderation.dueMinutes);
  const child = bandOf(s.policy, reporter.birth_date, s.now()) === 'child';
  const message = duplicate
    ? 'You reported this already; your first report stands and is with our safety team.'
    : child
      ? 'Thank you for telling us. Your report is with our safety team, and you did the right thing.'
      : 'Thank you. Your report is with our safety team.';
  const help = helpOf(s.policy, reporter, s.now(), 'report') as ReportAccepted['help'];
  return {
    id: r.id,
    verified: r.verified_by !== 'account',
    duplicate,
    createdAt: r.created_at.toISOString(),
    acknowledgement: { message, next: `${ack.next} You will get a short notice of the outcome unless you opt out.`, expectedWithin: ack.expectedWithin },
    ...(help ? { help } : {}),
  };
}

/** The message a report names, when the reporter received it; 404 otherwise (nothing stored or leaked). */
async function receivedMessage(s: Services, caller: Caller, messageId: string) {
  const m = await findMessageForReporter(s.db, messageId, caller.accountId);
  if (!m || m.seq <= m.joined_seq || m.sender_account_id === caller.accountId || m.recipient_device_id !== null) throw new HavenError('message.not_found');
  return m;
}

async function accountOrGone(s: Services, id: string): Promise<AccountRow> {
  const a = await findAccountById(s.db, id);
  if (!a) throw new HavenError('account.not_found');
  return a;
}

/** Members of the conversation, read inside the caller's transaction (PGlite has one connection). */
async function conversationFacts(s: Services, db: Kysely<Database>, conversationId: string) {
  const members = (await membersOf(db, [conversationId])).get(conversationId) ?? [];
  const accounts = await findAccountsByIds(db, members);
  return accounts.map((a) => ({ id: a.id, handle: a.handle, ageBand: bandOf(s.policy, a.birth_date, s.now()) }));
}

async function prepareFranked(s: Services, caller: Caller, req: ReportRequest): Promise<Prepared> {
  const m = await receivedMessage(s, caller, req.messageId);
  const v = verifyReport(s.franking, {
    payload: req.payload,
    frankingKey: b64(req.frankingKey),
    commitment: b64(req.commitment),
    tag: { keyId: req.tag.keyId, tag: b64(req.tag.tag) },
    context: req.context,
  });
  if (!v.ok) throw new HavenError('report.unverified', v.error.message);
  if (req.tag.timestamp !== req.context.timestamp) throw new HavenError('report.unverified', 'The tag and the context name different times.');
  // The proof must be the proof of this message: the tag the server stored with it, its sender and time.
  const bound =
    m.franking_tag !== null &&
    m.franking_key_id === req.tag.keyId &&
    sameBytes(m.franking_tag, b64(req.tag.tag)) &&
    m.conversation_id === req.context.conversationId &&
    m.sender_account_id === req.context.senderAccountId &&
    m.sender_device_id === req.context.senderDeviceId &&
    m.sent_at.getTime() === req.context.timestamp;
  if (!bound) throw new HavenError('report.unverified', 'The proof is not the proof of this message.');
  const subject = await accountOrGone(s, m.sender_account_id);
  const payload = JSON.stringify(req.payload);
  const proof = { keyId: req.tag.keyId, tag: req.tag.tag, timestamp: req.tag.timestamp, commitment: req.commitment, frankingKey: req.frankingKey };
  return {
    subject,
    dedupKey: `message:${m.id}`,
    row: { target_kind: 'message', conversation_id: m.conversation_id, message_id: m.id, media_id: null, verified_by: 'franking' },
    franked: {
      message_id: m.id,
      conversation_id: m.conversation_id,
      sender_account_id: m.sender_account_id,
      sender_device_id: m.sender_device_id,
      message_sent_at: m.sent_at,
      payload,
      franking_key_id: req.tag.keyId,
    },
    async preserve(tx, caseId, itemId, reportId, at) {
      const members = await conversationFacts(s, tx, m.conversation_id);
      await preserve(s, tx, {
        caseId,
        itemId,
        kind: 'message',
        name: `message-${m.id}.json`,
        contentType: 'application/json',
        bytes: Buffer.from(payload, 'utf8'),
        metadata: messageMetadata(m, members, subject, { reportId, frankingProof: proof, revealedBy: caller.handle }),
      }, at);
    },
  };
}

function messageMetadata(
  m: { id: string; conversation_id: string; seq: number; sender_account_id: string; sender_device_id: string; sent_at: Date; content_type: string; mode: string; conversation_kind: string },
  members: { id: string; handle: string; ageBand: string }[],
  subject: AccountRow,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    messageId: m.id,
    conversation: { id: m.conversation_id, mode: m.mode, kind: m.conversation_kind },
    seq: m.seq,
    sender: { id: m.sender_account_id, handle: subject.handle, deviceId: m.sender_device_id },
    recipients: members.filter((x) => x.id !== m.sender_account_id),
    sentAt: m.sent_at.toISOString(),
    contentType: m.content_type,
    ...extra,
  };
}

async function prepareTarget(s: Services, caller: Caller, req: FileReportRequest): Promise<Prepared> {
  const t = req.target;
  switch (t.kind) {
    case 'message': {
      const m = await receivedMessage(s, caller, t.messageId);
      // An e2ee message: the server holds ciphertext only, so the report must carry the franking proof.
      if (m.mode === 'e2ee') throw new HavenError('report.needs_proof');
      const subject = await accountOrGone(s, m.sender_account_id);
      const body = s.sealer.open(m.body, m.id, m.conversation_id);
      return {
        subject,
        dedupKey: `message:${m.id}`,
        row: { target_kind: 'message', conversation_id: m.conversation_id, message_id: m.id, media_id: null, verified_by: 'server-copy' },
        async preserve(tx, caseId, itemId, reportId, at) {
          const members = await conversationFacts(s, tx, m.conversation_id);
          await preserve(s, tx, {
            caseId,
            itemId,
            kind: 'message',
            name: `message-${m.id}.json`,
            contentType: m.content_type === PAYLOAD_CONTENT_TYPE ? 'application/json' : m.content_type,
            bytes: body,
            metadata: messageMetadata(m, members, subject, { reportId }),
          }, at);
          // The message's attachments, as the server stored them.
          if (m.content_type !== PAYLOAD_CONTENT_TYPE) return;
          const payload = MessagePayload.safeParse(safeJson(body));
          for (const a of payload.success ? (payload.data.attachments ?? []) : []) {
            const bytes = await readMedia(s, tx, a.mediaId);
            if (!bytes) continue;
            await preserve(s, tx, {
              caseId,
              itemId,
              kind: 'attachment',
              name: `attachment-${a.mediaId}${extensionOf(a.contentType)}`,
              contentType: a.contentType,
              bytes,
              metadata: { mediaId: a.mediaId, messageId: m.id, conversationId: m.conversation_id, uploader: subject.handle, name: a.name ?? null, reportId },
            }, at);
          }
        },
      };
    }
    case 'attachment': {
      const md = await findMediaForReporter(s.db, t.mediaId, caller.accountId);
      if (!md || md.uploader_account_id === caller.accountId) throw new HavenError('media.not_found');
      if (md.mode === 'e2ee') throw new HavenError('report.needs_proof', 'This file is end-to-end encrypted: report the message that carried it from a device that read it.');
      const subject = await accountOrGone(s, md.uploader_account_id);
      return {
        subject,
        dedupKey: `media:${md.id}`,
        row: { target_kind: 'attachment', conversation_id: md.conversation_id, message_id: null, media_id: md.id, verified_by: 'server-copy' },
        async preserve(tx, caseId, itemId, reportId, at) {
          const bytes = await readMedia(s, tx, md.id);
          if (!bytes) return;
          await preserve(s, tx, {
            caseId,
            itemId,
            kind: 'attachment',
            name: `attachment-${md.id}`,
            contentType: sniffImage(bytes),
            bytes,
            metadata: { mediaId: md.id, conversation: { id: md.conversation_id, mode: md.mode, kind: md.conversation_kind }, uploader: subject.handle, uploadedAt: md.created_at.toISOString(), reportId },
          }, at);
        },
      };
    }
    case 'account': {
      const subject = await findAccountByHandle(s.db, t.handle);
      // Someone the reporter has never been in touch with answers like a handle that does not exist, so
      // reports cannot be used to probe which handles exist (or belong to children).
      if (!subject || subject.id === caller.accountId || !(await related(s.db, caller.accountId, subject.id))) throw new HavenError('account.not_found');
      return {
        subject,
        dedupKey: `account:${subject.id}`,
        row: { target_kind: 'account', conversation_id: t.conversationId ?? null, message_id: null, media_id: null, verified_by: 'account' },
        async preserve(tx, caseId, itemId, reportId, at) {
          const facts = { account: { id: subject.id, handle: subject.handle, displayName: subject.display_name, createdAt: subject.created_at.toISOString(), region: subject.region }, reportId, conversationId: t.conversationId ?? null };
          await preserve(s, tx, { caseId, itemId, kind: 'metadata', name: `account-${subject.handle}.json`, contentType: 'application/json', bytes: Buffer.from(JSON.stringify(facts), 'utf8'), metadata: facts }, at);
        },
      };
    }
  }
}

/** Constant-time equality of two byte strings (length is not secret). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function safeJson(b: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(b).toString('utf8'));
  } catch {
    return undefined;
  }
}

const EXT: Record<string, string> = { 'image/jpeg': '.jpg', 'image/png': '.png', 'image/webp': '.webp', 'image/gif': '.gif' };
const extensionOf = (ct: string): string => EXT[ct] ?? '';

/** A stored blob's bytes as uploaded (opened when sealed at rest), or `undefined` when it is gone. */
export async function readMedia(s: Services, db: Kysely<Database>, id: string): Promise<Uint8Array | undefined> {
  try {
    const row = await findMediaRow(db, id);
    if (!row) return undefined;
    const stream = await new MediaStore(mediaDirOf(s.config.dataDir)).open(id, row.sealed ? s.sealer.openStream(id, row.conversation_id) : undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of stream) {
      size += (c as Buffer).length;
      if (size > s.config.media.maxBytes) {
        stream.destroy();
        return undefined;
      }
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  } catch {
    return undefined;
  }
}
