import { HavenError, type AccountPublic } from '@haven/protocol';
import { appearsInSearch } from '@haven/safety';
import { findAccountsByIds, searchActiveAccounts } from '../storage/repos/accounts';
import type { Caller, Services } from '../services/context';
import { accountPublic } from '../services/views';
import { participantOf } from './participants';
import { relationsOf } from './relations';

const LIMIT = 20;

/**
 * Accounts whose handle starts with `q`, filtered by the search rules (S1–S4): children are never shown
 * to adults, blocks hide both ways. Hidden accounts are simply absent; the searcher is never told why.
 */
export async function searchAccounts(s: Services, caller: Caller, q: string): Promise<AccountPublic[]> {
  const [me] = await findAccountsByIds(s.db, [caller.accountId]);
  if (!me) throw new HavenError('auth.invalid_token');
  // Over-fetch: some candidates are filtered out below, and the page should still be useful.
  const candidates = await searchActiveAccounts(s.db, q.toLowerCase(), me.id, LIMIT * 5);
  const now = s.now();
  const rels = await relationsOf(s.db, me.id, candidates.map((c) => c.id));
  const pMe = participantOf(s.policy, me, now);
  return candidates
    .filter((c) => appearsInSearch(s.policy, pMe, participantOf(s.policy, c, now), rels[c.id]!).shown)
    .slice(0, LIMIT)
    .map(accountPublic);
}
