import type { Kysely } from 'kysely';
import { bandOf } from '../policy/participants';
import type { Services } from '../services/context';
import type { Database } from '../storage/database';
import { findAccountsByIds } from '../storage/repos/accounts';
import { raiseCase } from './cases';
import { IMAGE_TYPES, preserve, sniffImage } from './evidence.node.ts';

// Known-image matches raise a case about the sender (M1, M3, M4): a server match with its quarantined
// bytes as evidence; a device claim with its hashes only. A device claim the server cannot verify only
// raises the case (normal priority); a moderator decides what happens to the account.

/** What a match says (the shape of detection/record's MatchFacts, without importing it: no cycle). */
export interface DetectionFacts {
  source: 'server-scan' | 'client-outgoing' | 'client-incoming';
  conversationId: string;
  senderId: string;
  reporterId?: string | undefined;
  recipientIds: readonly string[];
  match: unknown;
  hashes: { sha256: string | null; md5?: string | null; pdq?: string | null; quality?: number | null };
  contentType?: string | null | undefined;
  size?: number | null | undefined;
  evidence?: Uint8Array | undefined;
}

export async function raiseDetectionCase(s: Services, tx: Kysely<Database>, detectionId: string, f: DetectionFacts, at: Date): Promise<void> {
  const accounts = await findAccountsByIds(tx, [f.senderId, ...f.recipientIds]);
  const bands = new Map(accounts.map((a) => [a.id, bandOf(s.policy, a.birth_date, at)]));
  const subjectBand = bands.get(f.senderId) ?? 'adult';
  const childInvolved = [...bands.values()].includes('child');
  const raised = await raiseCase(s, tx, {
    subjectId: f.senderId,
    kind: 'detection',
    refId: detectionId,
    facts: { source: f.source === 'server-scan' ? 'server-hash-match' : 'device-detection', subjectBand, childInvolved },
    at,
  });
  const metadata = {
    detectionId,
    source: f.source,
    conversationId: f.conversationId,
    senderId: f.senderId,
    reporterId: f.reporterId ?? null,
    recipients: f.recipientIds.map((id) => ({ id, ageBand: bands.get(id) ?? null })),
    match: f.match,
    hashes: f.hashes,
    contentType: f.contentType ?? null,
    size: f.size ?? null,
    at: at.toISOString(),
  };
  if (f.evidence) {
    const type = f.contentType && IMAGE_TYPES.includes(f.contentType) ? f.contentType : sniffImage(f.evidence);
    const ext = type === 'image/png' ? '.png' : type === 'image/jpeg' ? '.jpg' : type === 'image/gif' ? '.gif' : type === 'image/webp' ? '.webp' : '';
    await preserve(s, tx, { caseId: raised.caseId, itemId: raised.itemId, kind: 'detection', name: `detection-${detectionId}${ext}`, contentType: type, bytes: f.evidence, metadata, pdq: f.hashes.pdq ?? null }, at);
  } else {
    await preserve(s, tx, { caseId: raised.caseId, itemId: raised.itemId, kind: 'metadata', name: `detection-${detectionId}.json`, contentType: 'application/json', bytes: Buffer.from(JSON.stringify(metadata), 'utf8'), metadata }, at);
  }
}
