import { HavenError, type Contact, type ContactState } from '@haven/protocol';
import { canAcceptContactRequest, canSendContactRequest, type Relationship } from '@haven/safety';
import { notify } from '../policy/notices';
import { participantOf } from '../policy/participants';
import { helpOf, refusalError } from '../policy/refusal';
import { resolveHandle } from '../policy/lookup';
import type { RefusedContactAction } from '../policy/refused-contacts';
import type { AccountRow } from '../storage/database';
import { findAccountsByIds } from '../storage/repos/accounts';
import { deleteContact, findContact, listContacts as listRows, upsertContact } from '../storage/repos/contacts';
import type { Caller, Services } from './context';
import { contactView } from './views';
import { assertFriction, signalBlockOrReport, signalContactAnswer, signalContactAttempt } from '../signals/hooks';
import { inTransaction } from '../storage/transaction';

// Contact requests, acceptance, blocks. Each account has its own row about the other; see repos/contacts.

/**
 * The account `handle` names, as the caller may know it (C9): a child an adult is not connected to is
 * `account.not_found`, exactly as a missing handle (policy/lookup.ts).
 */
async function other(s: Services, caller: Caller, handle: string, action: RefusedContactAction): Promise<{ me: AccountRow; them: AccountRow; rel: Relationship }> {
  const me = await meOf(s, caller);
  const { account, rel } = await resolveHandle(s, me, handle, action);
  if (account.id === caller.accountId) throw new HavenError('contact.self');
  return { me, them: account, rel };
}

async function meOf(s: Services, caller: Caller): Promise<AccountRow> {
  const me = (await findAccountsByIds(s.db, [caller.accountId]))[0];
  if (!me) throw new HavenError('auth.invalid_token');
  return me;
}

/**
 * Sends a contact request (C1–C4, C9): an adult's request to a child is refused (to an adult who is not
 * connected to the child, as if the handle did not exist); a request back to someone who asked first
 * accepts theirs.
 */
export async function requestContact(s: Services, caller: Caller, handle: string): Promise<Contact> {
  const { me, them, rel } = await other(s, caller, handle, 'contact.request');
  const now = s.now();
  const d = canSendContactRequest(s.policy, participantOf(s.policy, me, now), participantOf(s.policy, them, now), rel);
  // Risk signals (R1, R6): refused attempts are recorded too, in the background, without changing the answer.
  const attempt = (refused: boolean) => signalContactAttempt(s, me, them, { via: 'contact_request', refused, connected: rel.contact === 'accepted' });
  if (!d.ok) {
    attempt(true);
    throw refusalError(s.policy, d.error, me, now);
  }
  if (d.value.code === 'contact.request_accepts_pending') return acceptContact(s, caller, handle);
  try {
    await assertFriction(s, me, them);
  } catch (e) {
    attempt(true);
    throw e;
  }
  attempt(false);
  return writePair(s, caller, them, 'pending_outgoing', 'pending_incoming', now);
}

export async function acceptContact(s: Services, caller: Caller, handle: string): Promise<Contact> {
  const { me, them, rel } = await other(s, caller, handle, 'contact.accept');
  const mine = await findContact(s.db, caller.accountId, them.id);
  if (mine?.state === 'accepted') return contactView(mine, them);
  const now = s.now();
  const d = canAcceptContactRequest(participantOf(s.policy, me, now), participantOf(s.policy, them, now), rel);
  if (!d.ok) throw refusalError(s.policy, d.error, me, now);
  const view = await writePair(s, caller, them, 'accepted', 'accepted', now);
  signalContactAnswer(s, them, me, 'accepted');
  return view;
}

/** Both directions of a relationship change together, in one transaction; returns the caller's view. */
function writePair(s: Services, caller: Caller, them: AccountRow, mine: ContactState, theirs: ContactState, now: Date): Promise<Contact> {
  return inTransaction(s.db, async (tx) => {
    const row = await upsertContact(tx, caller.accountId, them.id, mine, now);
    await upsertContact(tx, them.id, caller.accountId, theirs, now);
    return contactView(row, them);
  });
}

export async function declineContact(s: Services, caller: Caller, handle: string): Promise<void> {
  const { them } = await other(s, caller, handle, 'contact.decline');
  const mine = await findContact(s.db, caller.accountId, them.id);
  if (mine?.state !== 'pending_incoming') throw new HavenError('contact.not_found');
  await inTransaction(s.db, async (tx) => {
    await deleteContact(tx, caller.accountId, them.id);
    await deleteContact(tx, them.id, caller.accountId);
  });
  signalContactAnswer(s, them, await meOf(s, caller), 'declined');
}

/** Immediate: the blocked account loses its row about the blocker, so the blocker vanishes from its list. */
export async function blockContact(s: Services, caller: Caller, handle: string): Promise<Contact> {
  const { me, them } = await other(s, caller, handle, 'contact.block');
  const now = s.now();
  const view = await inTransaction(s.db, async (tx) => {
    const row = await upsertContact(tx, caller.accountId, them.id, 'blocked', now);
    const theirs = await findContact(tx, them.id, caller.accountId);
    if (theirs && theirs.state !== 'blocked') await deleteContact(tx, them.id, caller.accountId);
    return contactView(row, them);
  });
  // H2: help for the one who blocked, as a safety event on their devices.
  signalBlockOrReport(s, 'block', me, them.id);
  await notify(s, [caller.accountId], 'contact.blocked', { handle: them.handle, help: helpOf(s.policy, me, now, 'block') }, { dedupeKey: `contact.blocked:${them.id}` });
  return view;
}

export async function unblockContact(s: Services, caller: Caller, handle: string): Promise<void> {
  const { them } = await other(s, caller, handle, 'contact.unblock');
  const mine = await findContact(s.db, caller.accountId, them.id);
  if (mine?.state !== 'blocked') throw new HavenError('contact.not_found');
  await deleteContact(s.db, caller.accountId, them.id);
}

export async function listContacts(s: Services, caller: Caller): Promise<Contact[]> {
  const rows = await listRows(s.db, caller.accountId);
  const accounts = new Map((await findAccountsByIds(s.db, rows.map((r) => r.other_id))).map((a) => [a.id, a]));
  return rows.flatMap((r) => {
    const a = accounts.get(r.other_id);
    return a ? [contactView(r, a)] : [];
  });
}
