import { bandOf } from '../policy/participants';
import type { Services } from '../services/context';
import { findAccountsByIds } from '../storage/repos/accounts';
import { markSignalCasesQueued, takeSignalCases } from '../signals/moderation-feed';
import { raiseCase } from './cases';
import { inTransaction } from '../storage/transaction';

// Risk signals into the moderators' queue: a job (every moderation.signalQueueSeconds, server.ts) takes
// the signal hits waiting (signals/moderation-feed.ts) and raises or joins the case about each account,
// one item of kind `signal` per hit (facts source `signal`: M4, normal priority, never a sanction by
// itself), then marks the hits queued. A run that stops half-way is safe to repeat: a hit already in a
// case is a repeat (kind + ref) that changes nothing, and hits are marked only after their case commits.

/** One run; returns how many accounts got a case item and how many hits moved. */
export async function queueSignalCases(s: Services): Promise<{ accounts: number; hits: number }> {
  const waiting = await takeSignalCases(s);
  let hits = 0;
  let accounts = 0;
  for (const c of waiting) {
    const now = s.now();
    const related = [...new Set(c.hits.flatMap((h) => h.related))];
    const people = await findAccountsByIds(s.db, [c.accountId, ...related]);
    const subject = people.find((a) => a.id === c.accountId);
    // An account deleted since keeps its hits waiting; there is no one to open a case about.
    if (!subject) continue;
    const subjectBand = bandOf(s.policy, subject.birth_date, now);
    const childInvolved = people.some((a) => a.id !== c.accountId && bandOf(s.policy, a.birth_date, now) === 'child');
    const caseId = await inTransaction(s.db, async (tx) => {
      let id = '';
      for (const h of c.hits) id = (await raiseCase(s, tx, { subjectId: c.accountId, kind: 'signal', refId: h.id, facts: { source: 'signal', subjectBand, childInvolved }, at: now })).caseId;
      return id;
    });
    hits += await markSignalCasesQueued(s, c.hits.map((h) => h.id), caseId);
    accounts++;
  }
  return { accounts, hits };
}
