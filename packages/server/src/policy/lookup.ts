import { HavenError, type ContactState } from '@haven/protocol';
import { knowsByHandle, relationshipFromStates, type Relationship } from '@haven/safety';
import type { Services } from '../services/context';
import type { AccountRow } from '../storage/database';
import { findAccountsSeenBy } from '../storage/repos/accounts';
import { participantOf } from './participants';
import { recordRefusedContact, type RefusedContactAction } from './refused-contacts';

// Every route that names another account by handle resolves it here (issue 13, 2): to an adult, a child
// they are not connected to is a handle that does not exist (C9), in status, code, message, help and
// every response field, and with the same database work. The refused attempt is recorded for signals.

export interface Named {
  account: AccountRow;
  /** The viewer's relationship with the account, from the viewer's side. */
  rel: Relationship;
}

/** The error for a handle the viewer may not know about: one value for missing and hidden alike. */
export const noSuchAccount = (): HavenError => new HavenError('account.not_found');

/**
 * Resolves `handles` as `viewer` may see them: `found` by handle, and `unknown` (missing or hidden, in
 * the order asked) which the caller refuses exactly as it refuses a missing handle.
 */
export async function resolveHandles(s: Services, viewer: AccountRow, handles: readonly string[], action: RefusedContactAction): Promise<{ found: Map<string, Named>; unknown: string[] }> {
  const rows = await findAccountsSeenBy(s.db, viewer.id, handles);
  const now = s.now();
  const me = participantOf(s.policy, viewer, now);
  const found = new Map<string, Named>();
  for (const r of rows) {
    const rel = relationshipFromStates(r.mine as ContactState | undefined, r.theirs as ContactState | undefined);
    if (knowsByHandle(s.policy, me, participantOf(s.policy, r.account, now), rel)) found.set(r.account.handle, { account: r.account, rel });
    else recordRefusedContact(s, { action, fromAccountId: viewer.id, toAccountId: r.account.id, at: now });
  }
  return { found, unknown: handles.filter((h) => !found.has(h)) };
}

/** One handle as `viewer` may see it; `account.not_found` for a missing or hidden one. */
export async function resolveHandle(s: Services, viewer: AccountRow, handle: string, action: RefusedContactAction): Promise<Named> {
  const named = (await resolveHandles(s, viewer, [handle], action)).found.get(handle);
  if (!named) throw noSuchAccount();
  return named;
}
