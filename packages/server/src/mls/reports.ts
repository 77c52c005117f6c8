import { randomUUID } from 'node:crypto';
import { verifyReport } from '@haven/crypto';
import { HavenError, type ReportAccepted, type ReportRequest } from '@haven/protocol';
import type { Caller, Services } from '../services/context';
import { helpOf } from '../policy/refusal';
import { findAccountById } from '../storage/repos/accounts';
import { signalBlockOrReport } from '../signals/hooks';

const b64 = (x: string): Uint8Array => new Uint8Array(Buffer.from(x, 'base64'));

/**
 * A franked report: verified when the plaintext opens the commitment under the franking key and the
 * server's own tag binds that commitment to sender, conversation and time; then stored for moderators.
 * Anything else is `report.unverified`, and nothing is stored.
 */
export async function fileReport(s: Services, caller: Caller, req: ReportRequest): Promise<ReportAccepted> {
  const r = verifyReport(s.franking, {
    payload: req.payload,
    frankingKey: b64(req.frankingKey),
    commitment: b64(req.commitment),
    tag: { keyId: req.tag.keyId, tag: b64(req.tag.tag) },
    context: req.context,
  });
  if (!r.ok) throw new HavenError('report.unverified', r.error.message);
  if (req.tag.timestamp !== req.context.timestamp) throw new HavenError('report.unverified', 'The tag and the context name different times.');
  const id = randomUUID();
  const createdAt = s.now();
  await s.db
    .insertInto('franked_reports')
    .values({
      id,
      reporter_account_id: caller.accountId,
      reporter_device_id: caller.deviceId,
      message_id: req.messageId,
      conversation_id: req.context.conversationId,
      sender_account_id: req.context.senderAccountId,
      sender_device_id: req.context.senderDeviceId,
      message_sent_at: new Date(req.context.timestamp),
      reason: req.reason,
      payload: JSON.stringify(req.payload),
      franking_key_id: req.tag.keyId,
      created_at: createdAt,
    })
    .execute();
  s.log.info({ report: id, conversation: req.context.conversationId }, 'verified franked report stored');
  // H2: the reporter is shown help after a report.
  const reporter = await findAccountById(s.db, caller.accountId);
  const help = reporter ? helpOf(s.policy, reporter, createdAt, 'report') : undefined;
  if (reporter) signalBlockOrReport(s, 'report', reporter, req.context.senderAccountId, { conversationId: req.context.conversationId, messageId: req.messageId });
  return { id, verified: true, createdAt: createdAt.toISOString(), ...(help ? { help: help as ReportAccepted['help'] & object } : {}) };
}
