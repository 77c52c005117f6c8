import { randomUUID } from 'node:crypto';
import { HavenError, type Conversation, type CreateConversationRequest } from '@haven/protocol';
import type { AccountRow, ConversationRow } from '../storage/database';
import { findAccountByHandle, findAccountsByHandles, findAccountsByIds } from '../storage/repos/accounts';
import { isBlockedEitherWay } from '../storage/repos/contacts';
import {
  addMember as addMemberRow,
  findConversationForMember,
  insertConversation,
  listConversationsForMember,
  membersOf,
  removeMember as removeMemberRow,
} from '../storage/repos/conversations';
import { bandOf } from './age';
import type { Caller, Services } from './context';
import { decideMode, type Participant } from './mode';
import { conversationView } from './views';

function participants(s: Services, accounts: AccountRow[]): Participant[] {
  const now = s.now();
  return accounts.map((a) => ({ accountId: a.id, ageBand: bandOf(a.birth_date, now) }));
}

/** Wire views of conversations with their members. */
export async function viewConversations(s: Services, rows: ConversationRow[]): Promise<Conversation[]> {
  const members = await membersOf(s.db, rows.map((r) => r.id));
  const accounts = new Map((await findAccountsByIds(s.db, [...new Set([...members.values()].flat())])).map((a) => [a.id, a]));
  return rows.map((r) => conversationView(r, (members.get(r.id) ?? []).flatMap((id) => accounts.get(id) ?? [])));
}

async function viewOne(s: Services, row: ConversationRow): Promise<Conversation> {
  return (await viewConversations(s, [row]))[0]!;
}

async function announce(s: Services, conversation: Conversation, extra: string[] = []): Promise<void> {
  await s.fanout.publish([...conversation.members.map((m) => m.id), ...extra], { type: 'conversation', conversation });
}

async function refuseIfBlocked(s: Services, caller: Caller, others: AccountRow[]): Promise<void> {
  for (const o of others) if (await isBlockedEitherWay(s.db, caller.accountId, o.id)) throw new HavenError('policy.blocked');
}

export async function createConversation(s: Services, caller: Caller, req: CreateConversationRequest): Promise<{ conversation: Conversation; created: boolean }> {
  const me = (await findAccountsByIds(s.db, [caller.accountId]))[0];
  if (!me) throw new HavenError('auth.invalid_token');
  let others: AccountRow[];
  if (req.kind === 'direct') {
    const other = await findAccountByHandle(s.db, req.with);
    if (!other) throw new HavenError('account.not_found');
    if (other.id === me.id) throw new HavenError('request.invalid', 'You cannot start a direct conversation with yourself.');
    others = [other];
  } else {
    const handles = [...new Set(req.members)].filter((h) => h !== me.handle);
    if (handles.length + 1 > s.config.limits.groupMembers) throw new HavenError('conversation.too_many_members');
    others = await findAccountsByHandles(s.db, handles);
    const missing = handles.filter((h) => !others.some((o) => o.handle === h));
    if (missing.length > 0) throw new HavenError('account.not_found', `No account with the handle ${missing.join(', ')}.`);
  }
  await refuseIfBlocked(s, caller, others);
  const all = [me, ...others];
  const decision = decideMode(participants(s, all), { e2eeEnabled: s.config.mls.enabled });
  const { row, created } = await insertConversation(
    s.db,
    {
      id: randomUUID(),
      kind: req.kind,
      title: req.kind === 'group' ? req.title : null,
      mode: decision.mode,
      mode_reason_code: decision.reasonCode,
      created_by: me.id,
      direct_key: req.kind === 'direct' ? [me.id, others[0]!.id].sort().join(':') : null,
    },
    all.map((a) => a.id),
  );
  const conversation = await viewOne(s, row);
  if (created) await announce(s, conversation);
  return { conversation, created };
}

export async function getConversation(s: Services, caller: Caller, id: string): Promise<Conversation> {
  const row = await findConversationForMember(s.db, id, caller.accountId);
  if (!row) throw new HavenError('conversation.not_found');
  return viewOne(s, row);
}

export async function listConversations(s: Services, caller: Caller): Promise<Conversation[]> {
  return viewConversations(s, await listConversationsForMember(s.db, caller.accountId));
}

async function groupForMember(s: Services, caller: Caller, id: string): Promise<ConversationRow> {
  const row = await findConversationForMember(s.db, id, caller.accountId);
  if (!row) throw new HavenError('conversation.not_found');
  if (row.kind !== 'group') throw new HavenError('conversation.not_group');
  return row;
}

/** Adds a member to a group; refused when it would change the conversation's mode (never silently). */
export async function addMember(s: Services, caller: Caller, id: string, handle: string): Promise<Conversation> {
  const row = await groupForMember(s, caller, id);
  const target = await findAccountByHandle(s.db, handle);
  if (!target) throw new HavenError('account.not_found');
  await refuseIfBlocked(s, caller, [target]);
  const current = (await membersOf(s.db, [id])).get(id) ?? [];
  if (current.includes(target.id)) throw new HavenError('conversation.already_member');
  if (current.length + 1 > s.config.limits.groupMembers) throw new HavenError('conversation.too_many_members');
  const decision = decideMode(participants(s, [...(await findAccountsByIds(s.db, current)), target]), { e2eeEnabled: s.config.mls.enabled });
  if (decision.mode !== row.mode) throw new HavenError('policy.mode_change');
  if (!(await addMemberRow(s.db, id, target.id))) throw new HavenError('conversation.already_member');
  const conversation = await getConversation(s, caller, id);
  await announce(s, conversation);
  return conversation;
}

/** Removes a member: the creator may remove anyone, every member may leave. */
export async function removeMember(s: Services, caller: Caller, id: string, handle: string): Promise<Conversation> {
  const row = await groupForMember(s, caller, id);
  const target = await findAccountByHandle(s.db, handle);
  if (!target || !(await findConversationForMember(s.db, id, target.id))) throw new HavenError('account.not_found', 'That account is not a member of this conversation.');
  if (target.id !== caller.accountId && row.created_by !== caller.accountId) throw new HavenError('auth.forbidden');
  await removeMemberRow(s.db, id, target.id);
  const conversation = (await viewConversations(s, [row]))[0]!;
  await announce(s, conversation, [target.id]);
  return conversation;
}
