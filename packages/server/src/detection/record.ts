import { randomUUID } from 'node:crypto';
import { HavenError, type HelpWire, type MediaBlockedEvent } from '@haven/protocol';
import { matchOutcome, type MatchSource } from '@haven/safety';
import type { Kysely } from 'kysely';
import { notify } from '../policy/notices';
import { partyOf } from '../policy/participants';
import { helpOf } from '../policy/refusal';
import type { Services } from '../services/context';
import type { AccountRow, Database, DetectionsTable } from '../storage/database';
import { findAccountsByIds } from '../storage/repos/accounts';
import { membersOf } from '../storage/repos/conversations';
import { insertDetection, insertQuarantine } from '../storage/repos/detections';
import { isMediaRestricted, restrictMedia } from '../storage/repos/sanctions';
import { raiseDetectionCase } from '../moderation/detections';
import { inTransaction } from '../storage/transaction';

// What a known-image match does (D4–D7), wherever it was found: a detection row (list, entry,
// distance, hashes, never content for device matches; status `open` until a moderator reviews it),
// evidence in quarantine for server matches, the sender restricted from media pending review for server
// matches only, and `media.blocked` events with help to those who were to receive it.

export interface MatchFacts {
  source: MatchSource;
  conversationId: string;
  senderId: string;
  /** Who reported it, for device matches. */
  reporterId?: string;
  /** Accounts that were to receive it (server scan: every other member; incoming: the reporter). */
  recipientIds: readonly string[];
  match: { list: string; kind: DetectionsTable['list_kind']; entryIndex: number; label: string | null; distance: number };
  hashes: { sha256: string | null; md5?: string | null; pdq?: string | null; quality?: number | null };
  contentType?: string | null;
  size?: number | null;
  /** Server matches only: the bytes, sealed under the server key before they are stored. */
  evidence?: Uint8Array;
}

export interface RecordedMatch {
  detectionId: string;
  /** The refusal the sender's upload or send gets, with help for the sender. */
  senderError: HavenError;
  senderHelp: HelpWire;
}

/** Refuses media from a restricted account with `policy.media_restricted` and help. */
export async function assertMayShareMedia(s: Services, account: Pick<AccountRow, 'id' | 'birth_date' | 'region'>): Promise<void> {
  if (!(await isMediaRestricted(s.db, account.id))) return;
  throw new HavenError('policy.media_restricted', undefined, undefined, helpOf(s.policy, account, s.now(), 'safety_notice'));
}

/**
 * Records a match and acts on it (D4–D7); returns what the sender is told. Only a match the server found
 * itself restricts the sender; a device's claim is stored for review and restricts nobody (D7).
 */
export async function recordMatch(s: Services, f: MatchFacts): Promise<RecordedMatch> {
  const now = s.now();
  const id = randomUUID();
  const accounts = new Map((await findAccountsByIds(s.db, [f.senderId, ...f.recipientIds])).map((a) => [a.id, a]));
  const sender = accounts.get(f.senderId);
  if (!sender) throw new HavenError('account.not_found');
  const policy = s.policy;
  const outcome = matchOutcome(
    policy,
    f.source,
    partyOf(policy, sender, now),
    f.recipientIds.flatMap((r) => (accounts.get(r) ? [partyOf(policy, accounts.get(r)!, now)] : [])),
  );
  await inTransaction(s.db, async (tx) => {
    await insertDetection(tx, {
        id,
        source: f.source,
        witness: outcome.witness,
        sender_account_id: f.senderId,
        reporter_account_id: f.reporterId ?? null,
        conversation_id: f.conversationId,
        list_name: f.match.list,
        list_kind: f.match.kind,
        entry_index: f.match.entryIndex,
        entry_label: f.match.label,
        distance: f.match.distance,
        sha256: f.hashes.sha256,
        md5: f.hashes.md5 ?? null,
        pdq: f.hashes.pdq ?? null,
        pdq_quality: f.hashes.quality ?? null,
        content_type: f.contentType ?? null,
        size: f.size ?? null,
        created_at: now,
      });
    if (f.evidence) await insertQuarantine(tx, { detection_id: id, body: s.sealer.seal(f.evidence, id, f.conversationId), created_at: now });
    if (outcome.restrictSender) await restrictMedia(tx, f.senderId, id, `Known-image match (${f.source}) pending review.`, now);
    // Every match opens or joins the case about the sender, with its evidence (issue 9).
    await raiseDetectionCase(s, tx, id, f, now);
  });
  for (const n of outcome.notify) {
    const data: MediaBlockedEvent = {
      conversationId: f.conversationId,
      detectionId: id,
      message: 'An image sent to you was blocked by a safety check. You did nothing wrong.',
      help: n.help as HelpWire,
    };
    await notify(s, [n.accountId], 'media.blocked', data);
  }
  s.log.warn({ detectionId: id, source: f.source, list: f.match.list, entry: f.match.entryIndex, distance: f.match.distance, conversationId: f.conversationId }, 'known-image match');
  const senderHelp = outcome.sender.help as HelpWire;
  return { detectionId: id, senderHelp, senderError: new HavenError('media.blocked', outcome.sender.refusal.message, { detectionId: id }, senderHelp) };
}

/** Every other member of a conversation: who was to receive what `senderId` sent. */
export async function recipientsOf(db: Kysely<Database>, conversationId: string, senderId: string): Promise<string[]> {
  return ((await membersOf(db, [conversationId])).get(conversationId) ?? []).filter((id) => id !== senderId);
}
