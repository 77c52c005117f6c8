import { HavenError, ROUTES, type DeviceDetectionReport, type HelpWire } from '@haven/protocol';
import { holdsHashLists } from '@haven/safety';
import type { FastifyInstance } from 'fastify';
import { takeWrite } from '../http/rate-limit';
import { mount } from '../http/route';
import { bandOf } from '../policy/participants';
import { helpOf } from '../policy/refusal';
import type { Caller, Services } from '../services/context';
import { findAccountById } from '../storage/repos/accounts';
import { findConversationForMember } from '../storage/repos/conversations';
import { findMessageSender } from '../storage/repos/messages';
import { recipientsOf, recordMatch } from './record';
import { syncFor } from './sync';
import { PLATFORM_PDQ_LIST, PLATFORM_SHA256_LIST, platformSync } from './platform-list';

/** Hash-list sync for devices (D3) and device detection reports (D5, D6). */
export function detectionRoutes(app: FastifyInstance, s: Services): void {
  mount(app, s, ROUTES.hashListSync, async ({ caller }) => {
    const me = await findAccountById(s.db, caller.accountId);
    if (!me) throw new HavenError('auth.invalid_token');
    const holds = holdsHashLists(s.policy, bandOf(s.policy, me.birth_date, s.now()));
    const sync = syncFor(holds, await s.hashLists.current());
    if (!holds) return sync;
    // The platform list of self-reported images travels with the imported ones, like any other list.
    const platform = await platformSync(s);
    return { ...sync, version: `${sync.version}+${platform.version}`, lists: [...sync.lists, ...platform.lists] };
  });
  mount(app, s, ROUTES.reportDetection, async ({ caller, body }) => {
    takeWrite(s, 'reports', caller.accountId);
    return fileDeviceReport(s, caller, body);
  });
}

/**
 * A device found a known image (D5: its own outgoing attachment; D6: an incoming one). The report holds
 * hashes and metadata only. The server checks what it can: the reporter is a member, the list exists
 * and is enabled, and for an incoming match the message was sent in that conversation by someone else.
 */
export async function fileDeviceReport(s: Services, caller: Caller, r: DeviceDetectionReport): Promise<{ detectionId: string; help: HelpWire }> {
  const conversation = await findConversationForMember(s.db, r.conversationId, caller.accountId);
  if (!conversation) throw new HavenError('conversation.not_found');
  const imported = (await s.hashLists.current()).lists.find((l) => l.manifest.name === r.list && (l.kind === 'pdq' || l.kind === 'sha256'));
  const platform = r.list === PLATFORM_PDQ_LIST || r.list === PLATFORM_SHA256_LIST ? (await platformSync(s)).lists.find((l) => l.name === r.list) : undefined;
  const list = imported
    ? { kind: imported.kind, count: imported.manifest.count, labelOf: (i: number) => imported.labelOf(i) ?? null }
    : platform
      ? { kind: platform.kind, count: platform.count, labelOf: () => null }
      : undefined;
  if (!list) throw new HavenError('hashlist.not_found', 'No enabled hash list has that name.');
  if (r.entryIndex >= list.count) throw new HavenError('request.invalid', 'The entry is not in that list.');
  let senderId = caller.accountId;
  let recipients: string[];
  if (r.source === 'client-incoming') {
    if (!r.messageId) throw new HavenError('request.invalid', 'An incoming match names the message that carried it.');
    const m = await findMessageSender(s.db, r.messageId);
    if (!m || m.conversation_id !== conversation.id) throw new HavenError('message.not_found');
    if (m.sender_account_id === caller.accountId) throw new HavenError('request.invalid', 'Your own message is an outgoing match.');
    senderId = m.sender_account_id;
    recipients = [caller.accountId];
  } else {
    recipients = await recipientsOf(s.db, conversation.id, caller.accountId);
  }
  const recorded = await recordMatch(s, {
    source: r.source,
    conversationId: conversation.id,
    senderId,
    reporterId: caller.accountId,
    recipientIds: recipients,
    match: { list: r.list, kind: list.kind, entryIndex: r.entryIndex, label: list.labelOf(r.entryIndex), distance: r.distance },
    hashes: { sha256: r.sha256, pdq: r.pdq ?? null, quality: r.quality ?? null },
    contentType: r.contentType ?? null,
    size: r.size ?? null,
  });
  // The reporter gets help: the sender's help for an outgoing match, their own for an incoming one.
  if (r.source === 'client-outgoing') return { detectionId: recorded.detectionId, help: recorded.senderHelp };
  const me = await findAccountById(s.db, caller.accountId);
  return { detectionId: recorded.detectionId, help: helpOf(s.policy, me!, s.now(), 'media_blocked') as HelpWire };
}
