import { HavenError, type AgeAssurance } from '@haven/protocol';
import { HashListError, type HashListManifest } from '@haven/pdq/node';
import { ageBand, modeFits } from '@haven/safety';
import { bandOf, participantOf } from '../policy/participants';
import type { Caller, Services } from '../services/context';
import type { AccountRow } from '../storage/database';
import { findAccountByHandle, findAccountsByIds, updateAgeAssurance } from '../storage/repos/accounts';
import { closeConversation, membersOf, openE2eeConversationsOf } from '../storage/repos/conversations';
import { deleteMediaRestriction, isMediaRestricted } from '../storage/repos/sanctions';
import { inTransaction } from '../storage/transaction';
import { appendAudit } from './audit';

// Admin actions of the safety policy (issue 6, point 6). Each is written to the audit log with who,
// what, when and why, in the same transaction as the change where the change is in the database.

export interface AdminAccountView {
  id: string;
  handle: string;
  ageBand: 'child' | 'adult';
  ageAssurance: AgeAssurance;
  birthDate: string;
  mediaRestricted: boolean;
}

export async function adminAccountView(s: Services, a: AccountRow): Promise<AdminAccountView> {
  return {
    id: a.id,
    handle: a.handle,
    ageBand: bandOf(s.policy, a.birth_date, s.now()),
    ageAssurance: a.age_assurance,
    birthDate: a.birth_date,
    mediaRestricted: await isMediaRestricted(s.db, a.id),
  };
}

async function target(s: Services, handle: string): Promise<AccountRow> {
  const a = await findAccountByHandle(s.db, handle);
  if (!a) throw new HavenError('account.not_found');
  return a;
}

export function hashListView(m: HashListManifest) {
  return { name: m.name, kind: m.kind, count: m.count, enabled: m.enabled, source: m.source || null, createdAt: m.createdAt };
}

export async function listHashLists(s: Services) {
  return (await s.hashLists.store.list()).map(hashListView);
}

export async function setHashListEnabled(s: Services, caller: Caller, name: string, enabled: boolean, reason: string) {
  // The audit row is written first, in a transaction that commits only if the change is made: no change
  // without its record, and no record of a change that failed.
  const m = await inTransaction(s.db, async (tx) => {
    const before = await s.hashLists.store.manifest(name).catch((e: unknown) => {
      if (e instanceof HashListError && (e.code === 'hashlist.not_found' || e.code === 'hashlist.bad_name')) throw new HavenError('hashlist.not_found');
      throw e;
    });
    await appendAudit(tx, s.now(), {
      actorId: caller.accountId,
      actorHandle: caller.handle,
      action: enabled ? 'hashlist.enable' : 'hashlist.disable',
      target: `hashlist:${name}`,
      reason,
      details: { kind: before.kind, count: before.count, wasEnabled: before.enabled },
    });
    return s.hashLists.setEnabled(name, enabled);
  });
  return hashListView(m);
}

/**
 * Changes how an account's age is known, and optionally corrects its birth date (the only way a birth
 * date changes after sign-up). A correction that puts a child into an `e2ee` conversation under a
 * preset that forbids it closes that conversation to new messages with the reason (P9): the mode never
 * changes silently.
 */
export async function setAgeAssurance(s: Services, caller: Caller, handle: string, input: { ageAssurance: AgeAssurance; birthDate?: string | undefined; reason: string }): Promise<AdminAccountView> {
  const account = await target(s, handle);
  const now = s.now();
  if (input.birthDate !== undefined) {
    const band = ageBand(input.birthDate, now, s.policy.timeZone);
    if (!band.ok) throw new HavenError(band.error.code, band.error.message);
  }
  const updated = await inTransaction(s.db, async (tx) => {
    const row = await updateAgeAssurance(tx, account.id, input.ageAssurance, input.birthDate);
    const closed: string[] = [];
    if (input.birthDate && input.birthDate !== account.birth_date) {
      const convs = await openE2eeConversationsOf(tx, account.id);
      const members = await membersOf(tx, convs.map((c) => c.id));
      const accounts = new Map((await findAccountsByIds(tx, [...new Set([...members.values()].flat())])).map((a) => [a.id, a]));
      for (const c of convs) {
        const ps = (members.get(c.id) ?? []).flatMap((id) => (accounts.get(id) ? [participantOf(s.policy, accounts.get(id)!, now)] : []));
        const fit = modeFits(s.policy, ps, c.mode);
        if (fit.fits) continue;
        const reason = `This conversation is end-to-end encrypted, but it must now be ${fit.required.reason}. Start a new conversation instead.`;
        await closeConversation(tx, c.id, reason);
        closed.push(c.id);
      }
    }
    await appendAudit(tx, now, {
      actorId: caller.accountId,
      actorHandle: caller.handle,
      action: 'account.age_assurance',
      target: `account:${account.handle}`,
      reason: input.reason,
      details: {
        ageAssurance: { from: account.age_assurance, to: input.ageAssurance },
        ...(input.birthDate ? { birthDateCorrected: input.birthDate !== account.birth_date } : {}),
        ...(closed.length ? { closedConversations: closed } : {}),
      },
    });
    return row;
  });
  return adminAccountView(s, updated);
}

export async function liftMediaRestriction(s: Services, caller: Caller, handle: string, reason: string): Promise<AdminAccountView> {
  const account = await target(s, handle);
  await inTransaction(s.db, async (tx) => {
    const r = await deleteMediaRestriction(tx, account.id);
    if (!r) throw new HavenError('request.invalid', 'This account is not restricted from sending media.');
    await appendAudit(tx, s.now(), {
      actorId: caller.accountId,
      actorHandle: caller.handle,
      action: 'account.lift_media_restriction',
      target: `account:${account.handle}`,
      reason,
      details: { detectionId: r.detection_id, restrictedAt: r.created_at.toISOString() },
    });
  });
  return adminAccountView(s, account);
}

export async function adminAccount(s: Services, handle: string): Promise<AdminAccountView> {
  return adminAccountView(s, await target(s, handle));
}
