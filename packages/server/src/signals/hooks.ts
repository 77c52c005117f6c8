import { frictionAllows, frictionFor, isNight, localHour, refuse, type Party } from '@haven/safety';
import { bandOf } from '../policy/participants';
import { refusalError } from '../policy/refusal';
import type { Services } from '../services/context';
import type { AccountRow } from '../storage/database';
import { findAccountById, findAccountsByIds } from '../storage/repos/accounts';
import { findContact } from '../storage/repos/contacts';
import { membersOf } from '../storage/repos/conversations';
import { countAttemptsToChildren, countMessagesBy, findRiskScore } from '../storage/repos/signals';
import { assessAccount } from './assess';
import { inBackground, partyOfAccount, storeEvent } from './record';

// Where the server's actions meet risk signals. Each hook is called by a service after (or instead of)
// its own work and returns at once; recording and assessing run in the background (record.ts).
// Only events with a child on one side are recorded, except blocks and reports (R2 counts everyone's).

type Acct = Pick<AccountRow, 'id' | 'birth_date' | 'region' | 'created_at'>;

const involvesChild = (a: Party, b: Party) => a.band === 'child' || b.band === 'child';

/** A contact request, direct conversation, group add or invite join, allowed or refused (R1, R6, R8, R9). */
export function signalContactAttempt(
  s: Services,
  from: Acct,
  to: Acct,
  o: { via: 'contact_request' | 'direct' | 'group_add' | 'invite'; refused: boolean; connected: boolean },
): void {
  const at = s.now();
  inBackground(s, 'record a contact attempt', async () => {
    const f = partyOfAccount(s.policy, from, at);
    const t = partyOfAccount(s.policy, to, at);
    if (!involvesChild(f, t)) return;
    await storeEvent(s, { type: 'contact_attempt', at: at.getTime(), from: f, to: t, connected: o.connected, via: o.via, ...(o.refused ? { refused: true } : {}) });
    await assessAccount(s, from.id);
  });
}

/**
 * An adult's attempt on a child they are not connected to, refused as if the handle did not exist
 * (C9, policy/refused-contacts.ts): recorded as a refused attempt; the adult's answer is unchanged.
 */
export function signalRefusedContact(s: Services, r: { action: string; fromAccountId: string; toAccountId: string; at: Date }): void {
  const via = r.action === 'direct.start' ? 'direct' : r.action === 'group.add' || r.action === 'group.create' ? 'group_add' : 'contact_request';
  inBackground(s, 'record a refused contact', async () => {
    const accounts = await findAccountsByIds(s.db, [r.fromAccountId, r.toAccountId]);
    const from = accounts.find((a) => a.id === r.fromAccountId);
    const to = accounts.find((a) => a.id === r.toAccountId);
    if (!from || !to) return;
    const f = partyOfAccount(s.policy, from, r.at);
    const t = partyOfAccount(s.policy, to, r.at);
    if (!involvesChild(f, t)) return;
    await storeEvent(s, { type: 'contact_attempt', at: r.at.getTime(), from: f, to: t, connected: false, via, refused: true });
    await assessAccount(s, from.id);
  });
}

/** A pending request answered (R3's first contact; R6's declines). */
export function signalContactAnswer(s: Services, requester: Acct, answerer: Acct, answer: 'accepted' | 'declined'): void {
  const at = s.now();
  inBackground(s, 'record a contact answer', async () => {
    const r = partyOfAccount(s.policy, requester, at);
    const a = partyOfAccount(s.policy, answerer, at);
    if (!involvesChild(r, a)) return;
    await storeEvent(
      s,
      answer === 'accepted'
        ? { type: 'contact_accepted', at: at.getTime(), requester: r, accepter: a }
        : { type: 'contact_declined', at: at.getTime(), requester: r, decliner: a },
    );
    await assessAccount(s, requester.id);
  });
}

/** A block or a report of `targetId` by `by` (R2, R7). */
export function signalBlockOrReport(s: Services, type: 'block' | 'report', by: Acct, targetId: string, ref?: { conversationId?: string; messageId?: string }): void {
  const at = s.now();
  inBackground(s, `record a ${type}`, async () => {
    if (by.id === targetId) return;
    const byBand = bandOf(s.policy, by.birth_date, at);
    await storeEvent(s, { type, at: at.getTime(), by: by.id, target: targetId, byBand }, ref?.conversationId);
    await assessAccount(s, targetId);
  });
}

/** Someone is now a member of group `conversationId` (R11); the counts are taken after the join. */
export function signalGroupJoin(s: Services, memberId: string, conversationId: string): void {
  const at = s.now();
  inBackground(s, 'record a group join', async () => {
    const ids = (await membersOf(s.db, [conversationId])).get(conversationId) ?? [];
    const accounts = await findAccountsByIds(s.db, ids);
    const member = accounts.find((a) => a.id === memberId);
    if (!member) return;
    const party = partyOfAccount(s.policy, member, at);
    const children = accounts.filter((a) => bandOf(s.policy, a.birth_date, at) === 'child').length;
    if (party.band !== 'adult' || children === 0) return;
    await storeEvent(s, { type: 'group_join', at: at.getTime(), member: party, conversationId, children, members: accounts.length });
    await assessAccount(s, memberId);
  });
}

/**
 * Whether a stored message can concern risk signals at all: a member other than the sender is a child
 * (`signalMessage` and `signalText` record nothing otherwise). Decided from the birth dates the send's
 * context query read, so a message between adults costs no query for signals.
 */
export function othersIncludeChild(s: Services, senderId: string, memberIds: readonly string[], birthDates: readonly string[], at: Date): boolean {
  return memberIds.some((id, i) => {
    const born = birthDates[i];
    return id !== senderId && (born === undefined || bandOf(s.policy, born, at) === 'child');
  });
}

/**
 * A message was stored (every mode; content is never looked at here): an adult's message to each child
 * member (R10), and an adult's first message in a conversation with a child (R1).
 */
export function signalMessage(s: Services, senderId: string, conversationId: string, messageId: string, memberIds: readonly string[]): void {
  const at = s.now();
  inBackground(s, 'record a message', async () => {
    const accounts = await findAccountsByIds(s.db, [...new Set([senderId, ...memberIds])]);
    const sender = accounts.find((a) => a.id === senderId);
    if (!sender) return;
    const from = partyOfAccount(s.policy, sender, at);
    if (from.band !== 'adult') return;
    const children = accounts.filter((a) => a.id !== senderId && bandOf(s.policy, a.birth_date, at) === 'child');
    if (children.length === 0) return;
    const first = (await countMessagesBy(s.db, conversationId, senderId)) === 1;
    let assess = first;
    for (const child of children) {
      const to = partyOfAccount(s.policy, child, at);
      await storeEvent(s, { type: 'message_sent', at: at.getTime(), from, to, messageId }, conversationId);
      const hour = localHour(at.getTime(), to.timeZone ?? s.policy.timeZone);
      if (hour !== undefined && isNight(hour, s.policy.signals.nightStartHour, s.policy.signals.nightEndHour)) assess = true;
      if (first) {
        const connected = (await findContact(s.db, senderId, child.id))?.state === 'accepted';
        await storeEvent(s, { type: 'contact_attempt', at: at.getTime(), from, to, connected, via: 'first_message', messageId }, conversationId);
      }
    }
    if (assess) await assessAccount(s, senderId);
  });
}

/** Media uploaded to a conversation (every mode: the server sees an upload even when it is ciphertext) (R3). */
export function signalMediaUpload(s: Services, senderId: string, conversationId: string, mediaId: string): void {
  const at = s.now();
  inBackground(s, 'record a media upload', async () => {
    const ids = ((await membersOf(s.db, [conversationId])).get(conversationId) ?? []).filter((id) => id !== senderId);
    const accounts = await findAccountsByIds(s.db, [senderId, ...ids]);
    const sender = accounts.find((a) => a.id === senderId);
    if (!sender || bandOf(s.policy, sender.birth_date, at) !== 'adult') return;
    const from = partyOfAccount(s.policy, sender, at);
    let any = false;
    for (const child of accounts.filter((a) => a.id !== senderId && bandOf(s.policy, a.birth_date, at) === 'child')) {
      await storeEvent(s, { type: 'media_sent', at: at.getTime(), from, to: partyOfAccount(s.policy, child, at), messageId: mediaId }, conversationId);
      any = true;
    }
    if (any) await assessAccount(s, senderId);
  });
}

/**
 * K2/K3: friction on an adult's new contact attempt to a child. Refused with the same code and sentence
 * as the contact rules' `policy.adult_to_child`, so the adult learns nothing about their score. The
 * attempt is still recorded (by the caller) as refused.
 */
export async function assertFriction(s: Services, from: Acct, to: Acct): Promise<void> {
  const now = s.now();
  if (bandOf(s.policy, from.birth_date, now) !== 'adult' || bandOf(s.policy, to.birth_date, now) !== 'child') return;
  const score = (await findRiskScore(s.db, from.id))?.score ?? 0;
  const friction = frictionFor(score, s.policy.risk);
  if (friction.kind === 'none') return;
  const recent = await countAttemptsToChildren(s.db, from.id, new Date(now.getTime() - 24 * 3_600_000));
  if (frictionAllows(friction, recent)) return;
  s.log.info({ account: from.id, score, friction: friction.kind }, 'risk friction: contact attempt to a child refused');
  const me = await findAccountById(s.db, from.id);
  throw refusalError(s.policy, refuse('policy.adult_to_child').error, me ?? from, now);
}
