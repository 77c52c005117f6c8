import { createHash, randomUUID } from 'node:crypto';
import { HavenError, type EvidenceInfo } from '@haven/protocol';
import { hashImageBuffer } from '@haven/pdq/node';
import type { Kysely } from 'kysely';
import sharp from 'sharp';
import { appendAudit } from '../admin/audit';
import type { Caller, Services } from '../services/context';
import type { Database, EvidenceRow, EvidenceTable } from '../storage/database';
import { findCase, insertReveal, revealsSince, updateCase } from '../storage/repos/cases';
import { purgeIpEvents } from './ip-capture';
import { expiredCases, findEvidence, insertEvidence, lockExpiredCase, purgeCaseEvidence } from '../storage/repos/evidence';
import { inTransaction } from '../storage/transaction';

// Evidence (issue 9, point 5): a copy of what a case is about, sealed at rest with the server key (the
// evidence id and the case id bound as associated data), with SHA-256 and MD5 (and PDQ for images) and
// metadata. Kept for the retention period after the case's last item, longer under legal hold; the purge
// deletes the sealed bytes, keeps the digests, and writes what it deleted into the audit log.

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff', 'image/avif', 'image/heif'];

export interface EvidenceInput {
  caseId: string;
  itemId: string | null;
  kind: EvidenceTable['kind'];
  name: string;
  contentType: string;
  bytes: Uint8Array;
  metadata: Record<string, unknown>;
  pdq?: string | null;
}

/** The image type of bytes by their signature; `application/octet-stream` when not an image we show. */
export function sniffImage(b: Uint8Array): string {
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'image/gif';
  if (b[0] === 0x52 && b[1] === 0x49 && b[8] === 0x57 && b[9] === 0x45) return 'image/webp';
  return 'application/octet-stream';
}

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
export const md5Hex = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** Preserves one file of a case inside `tx`. */
export async function preserve(s: Services, tx: Kysely<Database>, e: EvidenceInput, at: Date): Promise<string> {
  const id = randomUUID();
  let pdq = e.pdq ?? null;
  if (pdq === null && IMAGE_TYPES.includes(e.contentType)) {
    try {
      pdq = (await hashImageBuffer(e.bytes, { maxBytes: s.config.media.maxBytes })).hash;
    } catch {
      pdq = null; // not decodable: the exact digests still identify it
    }
  }
  await insertEvidence(tx, {
    id,
    case_id: e.caseId,
    item_id: e.itemId,
    kind: e.kind,
    name: e.name,
    content_type: e.contentType,
    size: e.bytes.length,
    sha256: sha256Hex(e.bytes),
    md5: md5Hex(e.bytes),
    pdq,
    sealed: s.sealer.seal(e.bytes, id, e.caseId),
    metadata: JSON.stringify(e.metadata),
    created_at: at,
  });
  return id;
}

/** The plaintext of a preserved file; `evidence.purged` once its retention has passed. */
export function openEvidence(s: Services, e: EvidenceRow): Uint8Array {
  if (!e.sealed) throw new HavenError('evidence.purged');
  return s.sealer.open(e.sealed, e.id, e.case_id);
}

export function evidenceInfo(e: EvidenceRow): EvidenceInfo {
  return {
    id: e.id as EvidenceInfo['id'],
    kind: e.kind,
    name: e.name,
    contentType: e.content_type,
    size: e.size,
    sha256: e.sha256,
    md5: e.md5,
    pdq: e.pdq,
    isImage: IMAGE_TYPES.includes(e.content_type),
    purged: e.sealed === null,
  };
}

/** Start of the moderator's day (UTC) for the reveal counter. */
const dayStart = (now: Date): Date => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

export async function revealCount(s: Services, moderatorId: string): Promise<{ today: number }> {
  return { today: await revealsSince(s.db, moderatorId, dayStart(s.now())) };
}

/** Blurred and greyscale: what a moderator sees of an image unless they choose to see the original. */
export async function softened(bytes: Uint8Array): Promise<Uint8Array> {
  return sharp(bytes, { limitInputPixels: 64_000_000 }).rotate().resize({ width: 512, height: 512, fit: 'inside', withoutEnlargement: true }).blur(24).greyscale().toColourspace('b-w').jpeg({ quality: 70 }).toBuffer();
}

/**
 * One evidence file for a moderator (H): images blurred and greyscale by default; `reveal` shows the
 * original, and is written to the audit log and counted. Every view is audited.
 */
export async function evidenceContent(s: Services, caller: Caller, id: string, reveal: boolean) {
  const e = await findEvidence(s.db, id);
  if (!e) throw new HavenError('evidence.not_found');
  const bytes = openEvidence(s, e);
  const image = IMAGE_TYPES.includes(e.content_type);
  const now = s.now();
  let out: Uint8Array = bytes;
  let contentType = e.content_type;
  let blurred = false;
  if (image && !reveal) {
    try {
      out = await softened(bytes);
      contentType = 'image/jpeg';
      blurred = true;
    } catch {
      throw new HavenError('media.not_image', 'This image cannot be decoded to be shown blurred; download the referral package instead.');
    }
  }
  await inTransaction(s.db, async (tx) => {
    if (image && reveal) await insertReveal(tx, { id: randomUUID(), moderator_id: caller.accountId, evidence_id: e.id, at: now });
    await appendAudit(tx, now, {
      actorId: caller.accountId,
      actorHandle: caller.handle,
      action: image && reveal ? 'evidence.reveal' : 'evidence.view',
      target: `evidence:${e.id}`,
      reason: '',
      details: { caseId: e.case_id, sha256: e.sha256, blurred },
    });
  });
  return { id: e.id as never, contentType, blurred, base64: Buffer.from(out).toString('base64'), reveals: await revealCount(s, caller.accountId) };
}

/** Legal hold on or off for a case's evidence (admin; audited). */
export async function setLegalHold(s: Services, caller: Caller, caseId: string, hold: boolean, reason: string) {
  const now = s.now();
  return inTransaction(s.db, async (tx) => {
    const c = await findCase(tx, caseId);
    if (!c) throw new HavenError('case.not_found');
    const row = await updateCase(tx, caseId, { legal_hold: hold, updated_at: now });
    await appendAudit(tx, now, { actorId: caller.accountId, actorHandle: caller.handle, action: hold ? 'evidence.hold' : 'evidence.release_hold', target: `case:${caseId}`, reason, details: { retainUntil: c.evidence_retain_until?.toISOString() ?? null } });
    return row;
  });
}

/**
 * Deletes the evidence of every case past retention and not on hold: one transaction per case, which
 * clears the sealed bytes, marks the case and writes the proof of deletion (ids, names and digests) to the
 * audit log together. A purge killed half-way leaves each case either untouched or fully purged, and a
 * rerun finishes the rest.
 */
export async function purgeExpired(s: Services, actor: { id: string | null; handle: string }, batch = 100, onPurged?: (caseId: string) => void): Promise<{ purgedCases: string[]; files: number }> {
  const purgedCases: string[] = [];
  let files = 0;
  for (;;) {
    const now = s.now();
    const due = await expiredCases(s.db, now, batch);
    if (due.length === 0) break;
    let progressed = false;
    for (const { id } of due) {
      const done = await inTransaction(s.db, async (tx) => {
        const c = await lockExpiredCase(tx, id, now);
        if (!c) return undefined;
        const deleted = await purgeCaseEvidence(tx, id, now);
        await appendAudit(tx, now, {
          actorId: actor.id,
          actorHandle: actor.handle,
          action: 'evidence.purge',
          target: `case:${id}`,
          reason: 'retention period ended',
          details: { files: deleted.map((d) => ({ id: d.id, name: d.name, kind: d.kind, sha256: d.sha256, md5: d.md5, size: d.size })) },
        });
        return deleted.length;
      });
      if (done !== undefined) {
        progressed = true;
        purgedCases.push(id);
        files += done;
        onPurged?.(id);
      }
    }
    if (!progressed || due.length < batch) break;
  }
  if (purgedCases.length) s.log.info({ cases: purgedCases.length, files }, 'evidence purged at the end of retention');
  // IP capture rows past their own retention go with the same job; copies in evidence follow the case.
  await purgeIpEvents(s);
  return { purgedCases, files };
}
