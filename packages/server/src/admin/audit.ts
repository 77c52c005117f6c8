import type { AuditRow } from '../storage/database';
import { GENESIS, rowHash } from '../storage/repos/audit';

// The admin audit log (storage in storage/repos/audit.ts): verifying the hash chain.

export { GENESIS, appendAudit, canonicalJson, readAudit, rowHash, type AuditInput } from '../storage/repos/audit';

export interface ChainCheck {
  ok: boolean;
  /** The first row whose hash or link does not hold; null when intact. */
  brokenAt: number | null;
  message: string;
}

/** Re-computes the chain from the first row. */
export function verifyRows(rows: readonly AuditRow[]): ChainCheck {
  let prev = GENESIS;
  let expectedSeq = 1;
  for (const r of rows) {
    if (r.seq !== expectedSeq) return { ok: false, brokenAt: r.seq, message: `Row ${r.seq} follows row ${expectedSeq - 1}: a row is missing.` };
    if (r.prev_hash !== prev) return { ok: false, brokenAt: r.seq, message: `Row ${r.seq} does not link to the row before it.` };
    if (rowHash(prev, r) !== r.hash) return { ok: false, brokenAt: r.seq, message: `Row ${r.seq} was changed after it was written.` };
    prev = r.hash;
    expectedSeq++;
  }
  return { ok: true, brokenAt: null, message: `The audit log is intact (${rows.length} entries).` };
}
