import { HavenError, type Contact } from '@haven/protocol';
import type { AccountRow } from '../storage/database';
import { findAccountByHandle, findAccountsByIds } from '../storage/repos/accounts';
import { deleteContact, findContact, isBlockedEitherWay, listContacts as listRows, upsertContact } from '../storage/repos/contacts';
import type { Caller, Services } from './context';
import { contactView } from './views';

// Contact requests, acceptance, blocks. Each account has its own row about the other; see repos/contacts.

async function other(s: Services, caller: Caller, handle: string): Promise<AccountRow> {
  const account = await findAccountByHandle(s.db, handle);
  if (!account) throw new HavenError('account.not_found');
  if (account.id === caller.accountId) throw new HavenError('contact.self');
  return account;
}

export async function requestContact(s: Services, caller: Caller, handle: string): Promise<Contact> {
  const them = await other(s, caller, handle);
  if (await isBlockedEitherWay(s.db, caller.accountId, them.id)) throw new HavenError('contact.blocked');
  const mine = await findContact(s.db, caller.accountId, them.id);
  if (mine?.state === 'pending_incoming') return acceptContact(s, caller, handle);
  if (mine) throw new HavenError('contact.already');
  const now = s.now();
  return s.db.transaction().execute(async (tx) => {
    const row = await upsertContact(tx, caller.accountId, them.id, 'pending_outgoing', now);
    await upsertContact(tx, them.id, caller.accountId, 'pending_incoming', now);
    return contactView(row, them);
  });
}

export async function acceptContact(s: Services, caller: Caller, handle: string): Promise<Contact> {
  const them = await other(s, caller, handle);
  const mine = await findContact(s.db, caller.accountId, them.id);
  if (mine?.state === 'accepted') return contactView(mine, them);
  if (mine?.state !== 'pending_incoming') throw new HavenError('contact.not_found');
  const now = s.now();
  return s.db.transaction().execute(async (tx) => {
    const row = await upsertContact(tx, caller.accountId, them.id, 'accepted', now);
    await upsertContact(tx, them.id, caller.accountId, 'accepted', now);
    return contactView(row, them);
  });
}

export async function declineContact(s: Services, caller: Caller, handle: string): Promise<void> {
  const them = await other(s, caller, handle);
  const mine = await findContact(s.db, caller.accountId, them.id);
  if (mine?.state !== 'pending_incoming') throw new HavenError('contact.not_found');
  await s.db.transaction().execute(async (tx) => {
    await deleteContact(tx, caller.accountId, them.id);
    await deleteContact(tx, them.id, caller.accountId);
  });
}

/** Immediate: the blocked account loses its row about the blocker, so the blocker vanishes from its list. */
export async function blockContact(s: Services, caller: Caller, handle: string): Promise<Contact> {
  const them = await other(s, caller, handle);
  const now = s.now();
  return s.db.transaction().execute(async (tx) => {
    const row = await upsertContact(tx, caller.accountId, them.id, 'blocked', now);
    const theirs = await findContact(tx, them.id, caller.accountId);
    if (theirs && theirs.state !== 'blocked') await deleteContact(tx, them.id, caller.accountId);
    return contactView(row, them);
  });
}

export async function unblockContact(s: Services, caller: Caller, handle: string): Promise<void> {
  const them = await other(s, caller, handle);
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
