import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { AuditRow, Database } from '../database';

// Storage of the audit log: append-only (a database trigger refuses updates and deletes) and
// hash-chained. Each row carries the SHA-256 of the previous row's hash and its own content, so editing,
// removing or reordering a row breaks the chain at that row (`verifyRows` in admin/audit.ts reports it).

export const GENESIS = '0'.repeat(64);

export interface AuditInput {
  actorId: string | null;
  actorHandle: string;
  action: string;
  target: string;
  reason: string;
  details?: Record<string, unknown>;
}

/** JSON with sorted keys, so the same content always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The hash of a row: SHA-256 over the previous hash and the row's content. */
export function rowHash(prevHash: string, r: Pick<AuditRow, 'seq' | 'at' | 'actor_id' | 'actor_handle' | 'action' | 'target' | 'reason' | 'details'>): string {
  const content = canonicalJson([r.seq, r.at.toISOString(), r.actor_id, r.actor_handle, r.action, r.target, r.reason, r.details]);
  return createHash('sha256').update(`${prevHash}\n${content}`).digest('hex');
}

/**
 * Appends one entry inside `tx` (the transaction that makes the change it records, where there is one).
 * The table lock orders concurrent appends, so the chain never forks.
 */
export async function appendAudit(tx: Kysely<Database>, at: Date, e: AuditInput): Promise<AuditRow> {
  await sql`lock table audit_log in share row exclusive mode`.execute(tx);
  const last = await tx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const row = {
    seq: (last?.seq ?? 0) + 1,
    at,
    actor_id: e.actorId,
    actor_handle: e.actorHandle,
    action: e.action,
    target: e.target,
    reason: e.reason,
    details: canonicalJson(e.details ?? {}),
  };
  const prev_hash = last?.hash ?? GENESIS;
  const full = { ...row, prev_hash, hash: rowHash(prev_hash, row) };
  await tx.insertInto('audit_log').values(full).execute();
  return full;
}

export async function readAudit(db: Kysely<Database>): Promise<AuditRow[]> {
  return db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
}
