import { HavenError } from '@haven/protocol';
import { mediaChecks } from '@haven/safety';
import { participantOf } from '../policy/participants';
import type { Caller, Services } from '../services/context';
import type { ConversationRow } from '../storage/database';
import { findAccountsByIds } from '../storage/repos/accounts';
import { assertMayShareMedia, recipientsOf, recordMatch } from './record';
import { decodeSlotsOf } from './decode-slots';
import { scanMedia } from './scan.node.ts';
import { signalMediaUpload } from '../signals/hooks';
import { platformMatch } from './platform-list';

/** An upload as the media store hands it to inspectors before keeping it (packages/server/src/media). */
export interface InspectedUpload {
  /** `read()` gives the uploaded bytes (the staged file is sealed at rest). */
  staged: { tmpPath: string; size: number; sha256: string; read(): Promise<Uint8Array> };
  conversation: ConversationRow;
  caller: Caller;
  mediaId: string;
}

export interface MediaPolicyOptions {
  /** Largest image the server decodes and hashes in a `visible` conversation. */
  maxBytes: number;
}

/**
 * The safety check on every upload, run before the media store keeps it: a restricted sender is
 * refused (`policy.media_restricted`) in any mode; in a `visible` conversation (D1) the bytes must be an
 * image the server can hash, and a match against any enabled list is quarantined and never stored for
 * delivery (D4). `e2ee` uploads are ciphertext: checked on devices instead (D2).
 */
export function mediaPolicyInspector(s: Services, opts: MediaPolicyOptions): (upload: InspectedUpload) => Promise<void> {
  return async ({ staged, conversation, caller, mediaId }) => {
    const [sender] = await findAccountsByIds(s.db, [caller.accountId]);
    if (!sender) throw new HavenError('auth.invalid_token');
    await assertMayShareMedia(s, sender);
    const now = s.now();
    const recipients = await recipientsOf(s.db, conversation.id, sender.id);
    const others = await findAccountsByIds(s.db, recipients);
    const check = mediaChecks(s.policy, conversation.mode, participantOf(s.policy, sender, now), others.map((o) => participantOf(s.policy, o, now)));
    if (check.kind === 'server-scan') {
      // Read inside the decode slot: uploads waiting for one hold no image bytes in memory.
      const maxBytes = Math.min(opts.maxBytes, s.config.media.maxScanBytes);
      if (staged.size > maxBytes) throw new HavenError('media.too_large', `Images in this conversation may be at most ${maxBytes} bytes.`);
      await scanAndAct(s, { bytes: () => staged.read(), conversationId: conversation.id, senderId: sender.id, recipients, maxBytes });
    }
    // R3 (every mode): an upload is media sent, whether or not the server can see inside it.
    signalMediaUpload(s, sender.id, conversation.id, mediaId);
  };
}

/**
 * Scans bytes meant for a `visible` conversation against the lists as they are when the scan starts,
 * and on a match records it and throws the sender's `media.blocked` refusal.
 */
export async function scanAndAct(
  s: Services,
  u: { bytes: Uint8Array | (() => Promise<Uint8Array>); contentType?: string; conversationId: string; senderId: string; recipients: readonly string[]; maxBytes: number },
): Promise<void> {
  const snapshot = await s.hashLists.current();
  const media = s.config.media;
  // At most decodeConcurrency images decode at once (bounded pixels each); the rest wait or get server.busy.
  const { r, bytes } = await decodeSlotsOf(s).run(async () => {
    const bytes = typeof u.bytes === 'function' ? await u.bytes() : u.bytes;
    return { bytes, r: await scanMedia(bytes, u.contentType, snapshot, { maxBytes: u.maxBytes, maxPixels: media.maxPixels, referencePixels: media.referencePixels }) };
  });
  // Imported lists first, then the platform list of children's self-reported images (always on).
  const best = r.matches[0] ?? (await platformMatch(s, r));
  if (!best) return;
  const recorded = await recordMatch(s, {
    source: 'server-scan',
    conversationId: u.conversationId,
    senderId: u.senderId,
    recipientIds: u.recipients,
    match: best,
    hashes: { sha256: r.sha256, md5: r.md5, pdq: r.pdq, quality: r.quality },
    size: bytes.length,
    evidence: bytes,
  });
  throw recorded.senderError;
}
