import { randomUUID } from 'node:crypto';
import { HavenError, type Conversation, type CreateConversationRequest } from '@haven/protocol';
import { canAddToGroup, canCreateGroup, canStartDirect } from '@haven/safety';
import type { Kysely } from 'kysely';
import type { AccountRow, ConversationRow, Database } from '../storage/database';
import { findAccountByHandle, findAccountsByIds } from '../storage/repos/accounts';
import {
  addMember as addMemberRow,
  findConversationForMember,
  insertConversation,
  listConversationsForMember,
  lockConversation,
  membersOf,
  removeMember as removeMemberRow,
} from '../storage/repos/conversations';
import { inTransaction } from '../storage/transaction';
import { modeForCheck, participantOf } from '../policy/participants';
import { refusalError } from '../policy/refusal';
import { resolveHandle, resolveHandles } from '../policy/lookup';
import { relationsAmong, relationsOf, relationship } from '../policy/relations';
import type { Caller, Services } from './context';
import { decideMode } from './mode';
import { conversationView, shieldView } from './views';
import { shieldedChildrenFor, shieldedViewers } from '../storage/repos/shields';
import { assertFriction, signalContactAttempt, signalGroupJoin } from '../signals/hooks';

/** Wire views of conversations with all their members (what members who are not shielded from anyone see). */
async function fullViews(s: Services, rows: ConversationRow[]): Promise<Conversation[]> {
  const members = await membersOf(s.db, rows.map((r) => r.id));
  const accounts = new Map((await findAccountsByIds(s.db, [...new Set([...members.values()].flat())])).map((a) => [a.id, a]));
  return rows.map((r) => conversationView(r, (members.get(r.id) ?? []).flatMap((id) => accounts.get(id) ?? [])));
}

/** Wire views of conversations as `viewerId` may see them (K6: a sextortion suspect does not see a child's contacts). */
export async function viewConversations(s: Services, rows: ConversationRow[], viewerId: string): Promise<Conversation[]> {
  const views = await fullViews(s, rows);
  const shielded = await shieldedChildrenFor(s.db, viewerId);
  return shielded.size === 0 ? views : views.map((c) => shieldView(c, viewerId, shielded));
}

async function viewOne(s: Services, row: ConversationRow): Promise<Conversation> {
  return (await fullViews(s, [row]))[0]!;
}

/**
 * Sends the conversation frame to its members (and `extra`). `conversation` is the full view; a member
 * with a sextortion shield in force gets their own view, without the shielded child's contacts (K6).
 */
export async function announce(s: Services, conversation: Conversation, extra: string[] = []): Promise<void> {
  const to = [...new Set([...conversation.members.map((m) => m.id), ...extra])];
  const shielded = await shieldedViewers(s.db, to);
  const plain = to.filter((id) => !shielded.has(id));
  if (plain.length > 0) await s.fanout.publish(plain, { type: 'conversation', conversation });
  for (const [viewer, children] of shielded) await s.fanout.publish([viewer], { type: 'conversation', conversation: shieldView(conversation, viewer, children) });
}

async function self(s: Services, caller: Caller): Promise<AccountRow> {
  const me = (await findAccountsByIds(s.db, [caller.accountId]))[0];
  if (!me) throw new HavenError('auth.invalid_token');
  return me;
}

/**
 * Starts a direct conversation or a group. The policy decides whether it may exist (C5–C7, G1–G7) and
 * its mode (P2), from the stored birth dates and the server clock; nothing in the request can choose
 * the mode. A direct conversation is one per pair and mode: after a child turns 18 the old `visible`
 * one stays as it is (P7) and a new one follows their new band.
 */
export async function createConversation(s: Services, caller: Caller, req: CreateConversationRequest): Promise<{ conversation: Conversation; created: boolean }> {
  const me = await self(s, caller);
  const now = s.now();
  const policy = s.policy;
  const pMe = participantOf(policy, me, now);
  let others: AccountRow[];
  if (req.kind === 'direct') {
    // C9: a child an adult is not connected to answers as a missing handle does.
    const { account: other, rel } = await resolveHandle(s, me, req.with, 'direct.start');
    const d = canStartDirect(policy, pMe, participantOf(policy, other, now), rel);
    if (!d.ok) {
      signalContactAttempt(s, me, other, { via: 'direct', refused: true, connected: false });
      throw refusalError(policy, d.error, me, now);
    }
    others = [other];
  } else {
    const handles = [...new Set(req.members)].filter((h) => h !== me.handle);
    if (handles.length + 1 > s.config.limits.groupMembers) throw new HavenError('conversation.too_many_members');
    const { found, unknown } = await resolveHandles(s, me, handles, 'group.create');
    if (unknown.length > 0) throw new HavenError('account.not_found', `No account with the handle ${unknown.join(', ')}.`);
    others = handles.map((h) => found.get(h)!.account);
    const d = canCreateGroup(
      policy,
      pMe,
      others.map((o) => participantOf(policy, o, now)),
      await relationsAmong(s.db, [me.id, ...others.map((o) => o.id)]),
    );
    if (!d.ok) throw refusalError(policy, d.error, me, now);
  }
  const all = [me, ...others];
  const decision = decideMode(policy, all.map((a) => participantOf(policy, a, now)), { e2eeEnabled: s.config.mls.enabled });
  const { row, created } = await insertConversation(
    s.db,
    {
      id: randomUUID(),
      kind: req.kind,
      title: req.kind === 'group' ? req.title : null,
      mode: decision.mode,
      mode_reason_code: decision.reasonCode,
      mode_reason: decision.reason,
      created_by: me.id,
      direct_key: req.kind === 'direct' ? `${[me.id, others[0]!.id].sort().join(':')}:${decision.mode}` : null,
    },
    all.map((a) => a.id),
  );
  const conversation = await viewOne(s, row);
  if (created) await announce(s, conversation);
  if (created && req.kind === 'group') for (const a of all) signalGroupJoin(s, a.id, row.id);
  return { conversation: await viewFor(s, caller, conversation), created };
}

export async function getConversation(s: Services, caller: Caller, id: string): Promise<Conversation> {
  const row = await findConversationForMember(s.db, id, caller.accountId);
  if (!row) throw new HavenError('conversation.not_found');
  return (await viewConversations(s, [row], caller.accountId))[0]!;
}

/** The full view of a conversation `caller` is in, for `announce` (which shields per recipient). */
export async function fullConversation(s: Services, caller: Caller, id: string): Promise<Conversation> {
  const row = await findConversationForMember(s.db, id, caller.accountId);
  if (!row) throw new HavenError('conversation.not_found');
  return viewOne(s, row);
}

/** The caller's view of a full conversation view (K6). */
export async function viewFor(s: Services, caller: Caller, conversation: Conversation): Promise<Conversation> {
  const shielded = await shieldedChildrenFor(s.db, caller.accountId);
  return shielded.size === 0 ? conversation : shieldView(conversation, caller.accountId, shielded);
}

export async function listConversations(s: Services, caller: Caller): Promise<Conversation[]> {
  return viewConversations(s, await listConversationsForMember(s.db, caller.accountId), caller.accountId);
}

async function groupForMember(s: Services, caller: Caller, id: string): Promise<ConversationRow> {
  const row = await findConversationForMember(s.db, id, caller.accountId);
  if (!row) throw new HavenError('conversation.not_found');
  if (row.kind !== 'group') throw new HavenError('conversation.not_group');
  return row;
}

/**
 * Brings `joiner` into group `id`, checked by `check` against the members as they are inside one
 * transaction that holds the conversation's row lock, so two concurrent joins cannot each pass against
 * a membership without the other (G2, G5, P4).
 */
export async function joinChecked(
  s: Services,
  id: string,
  joiner: AccountRow,
  check: (members: AccountRow[], row: ConversationRow, tx: Kysely<Database>) => Promise<void>,
): Promise<void> {
  await inTransaction(s.db, async (tx) => {
    const row = await lockConversation(tx, id);
    if (!row) throw new HavenError('conversation.not_found');
    const current = (await membersOf(tx, [id])).get(id) ?? [];
    if (current.includes(joiner.id)) throw new HavenError('conversation.already_member');
    if (current.length + 1 > s.config.limits.groupMembers) throw new HavenError('conversation.too_many_members');
    await check(await findAccountsByIds(tx, current), row, tx);
    if (!(await addMemberRow(tx, id, joiner.id))) throw new HavenError('conversation.already_member');
  });
}

/** Adds a member to a group: the contact and group rules (G1–G6), and never a change of mode (P4). */
export async function addMember(s: Services, caller: Caller, id: string, handle: string): Promise<Conversation> {
  await groupForMember(s, caller, id);
  // C9: a child an adult is not connected to answers as a missing handle does.
  const { account: target } = await resolveHandle(s, await self(s, caller), handle, 'group.add');
  const now = s.now();
  const policy = s.policy;
  await joinChecked(s, id, target, async (members, row, tx) => {
    const adder = members.find((m) => m.id === caller.accountId);
    if (!adder) throw new HavenError('conversation.not_found');
    const connected = (await relationship(tx, adder.id, target.id)).contact === 'accepted';
    const d = canAddToGroup(
      policy,
      participantOf(policy, adder, now),
      participantOf(policy, target, now),
      await relationsOf(tx, target.id, members.map((m) => m.id)),
      { members: members.map((m) => participantOf(policy, m, now)), mode: modeForCheck(policy, s.config.mls.enabled, row.mode, [...members, target].map((m) => participantOf(policy, m, now))) },
    );
    if (!d.ok) {
      signalContactAttempt(s, adder, target, { via: 'group_add', refused: true, connected });
      throw refusalError(policy, d.error, adder, now);
    }
    // K2: friction applies to adding a child as it does to contact requests.
    if (!connected) await assertFriction(s, adder, target);
    signalContactAttempt(s, adder, target, { via: 'group_add', refused: false, connected });
  });
  signalGroupJoin(s, target.id, id);
  const conversation = await fullConversation(s, caller, id);
  await announce(s, conversation);
  return viewFor(s, caller, conversation);
}

const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

/** Removes a member: the creator may remove anyone, every member may leave; never refused by the policy (P8). */
export async function removeMember(s: Services, caller: Caller, id: string, handle: string): Promise<Conversation> {
  const row = await groupForMember(s, caller, id);
  const target = await findAccountByHandle(s.db, handle);
  // The same two lookups whether or not the handle exists: the answer says nothing about who exists (C9).
  const member = await findConversationForMember(s.db, id, target?.id ?? NO_ACCOUNT);
  if (!target || !member) throw new HavenError('account.not_found', 'That account is not a member of this conversation.');
  if (target.id !== caller.accountId && row.created_by !== caller.accountId) throw new HavenError('auth.forbidden');
  await removeMemberRow(s.db, id, target.id);
  const conversation = await viewOne(s, row);
  await announce(s, conversation, [target.id]);
  return viewFor(s, caller, conversation);
}
