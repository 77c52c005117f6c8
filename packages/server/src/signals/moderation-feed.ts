import { findRiskScore, markSignalHitsQueued, openSignalHits } from '../storage/repos/signals';
import type { Services } from '../services/context';

// The hand-over to the moderation queue (issue 11 → the moderation issue). Until that queue is in
// main, signal hits wait in `signal_hits` with status `open`; the queue calls `takeSignalCases` to get
// one entry per account (score, explanation, evidence) and `markSignalCasesQueued` once it has opened
// or joined a case, so nothing is lost and nothing is taken twice.

export interface SignalCase {
  /** The account the signals are about. */
  accountId: string;
  /** The latest risk score (0–100) and its explanation lines. */
  score: number;
  explanation: string[];
  /** Every hit waiting, oldest first. */
  hits: { id: string; code: string; explanation: string; related: string[]; evidence: string[]; conversationId: string | null; at: string }[];
  /** Event and message ids behind the hits. */
  evidence: string[];
}

/**
 * The signal hits not yet in a moderation case, grouped by account, highest score first. Read-only:
 * call `markSignalCasesQueued` with the hit ids once a case holds them.
 *
 * @example for (const c of await takeSignalCases(s)) { const id = await openCase(c); await markSignalCasesQueued(s, c.hits.map((h) => h.id), id); }
 */
export async function takeSignalCases(s: Services, limit = 500): Promise<SignalCase[]> {
  const hits = await openSignalHits(s.db, limit);
  const byAccount = new Map<string, typeof hits>();
  for (const h of hits) byAccount.set(h.account_id, [...(byAccount.get(h.account_id) ?? []), h]);
  const cases: SignalCase[] = [];
  for (const [accountId, rows] of byAccount) {
    const score = await findRiskScore(s.db, accountId);
    const mapped = rows.map((h) => ({
      id: h.id,
      code: h.code,
      explanation: h.explanation,
      related: JSON.parse(h.related) as string[],
      evidence: JSON.parse(h.evidence) as string[],
      conversationId: h.conversation_id,
      at: h.at.toISOString(),
    }));
    cases.push({
      accountId,
      score: score?.score ?? 0,
      explanation: score ? (JSON.parse(score.explanation) as string[]) : mapped.map((h) => `${h.code}: ${h.explanation}`),
      hits: mapped,
      evidence: [...new Set(mapped.flatMap((h) => h.evidence))],
    });
  }
  return cases.sort((a, b) => b.score - a.score);
}

/** Marks hits as held by case `caseId`; returns how many moved (hits already queued are left alone). */
export function markSignalCasesQueued(s: Services, hitIds: readonly string[], caseId: string): Promise<number> {
  return markSignalHitsQueued(s.db, hitIds, caseId);
}
