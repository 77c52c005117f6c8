import { createHash, randomBytes } from 'node:crypto';
import { HavenError, type Conversation, type Invite } from '@haven/protocol';
import { canJoinViaInvite } from '@haven/safety';
import { findAccountsByIds } from '../storage/repos/accounts';
import { findConversationForMember } from '../storage/repos/conversations';
import { findInviteByTokenHash, insertInvite } from '../storage/repos/invites';
import { announce, fullConversation, joinChecked, viewFor } from '../services/conversations';
import type { Caller, Services } from '../services/context';
import { modeForCheck, participantOf } from './participants';
import { refusalError } from './refusal';
import { relationsOf } from './relations';
import { signalGroupJoin } from '../signals/hooks';

// Group invite links (G2, G6): whoever joins by link is checked against every member as if the link's
// maker added them, so an adult's link cannot bring in a child they do not know, nor a child's link an
// adult. Only the SHA-256 of a token is stored.

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

export async function createInvite(s: Services, caller: Caller, conversationId: string): Promise<Invite> {
  const row = await findConversationForMember(s.db, conversationId, caller.accountId);
  if (!row) throw new HavenError('conversation.not_found');
  if (row.kind !== 'group') throw new HavenError('conversation.not_group', 'Only groups have invite links.');
  // Hex, not base64url: a token that starts with '-' would read as an option on a command line
  // (`haven join -abc…` failed 1 time in 64).
  const token = randomBytes(24).toString('hex');
  const expiresAt = new Date(s.now().getTime() + INVITE_TTL_MS);
  await insertInvite(s.db, { token_hash: tokenHash(token), conversation_id: row.id, created_by: caller.accountId, expires_at: expiresAt });
  return { token, conversationId: row.id as Invite['conversationId'], expiresAt: expiresAt.toISOString() };
}

export async function joinByInvite(s: Services, caller: Caller, token: string): Promise<Conversation> {
  const invalid = new HavenError('conversation.not_found', 'This invite link is no longer valid.');
  const invite = await findInviteByTokenHash(s.db, tokenHash(token));
  const now = s.now();
  if (!invite || invite.expires_at.getTime() <= now.getTime()) throw invalid;
  const [joiner] = await findAccountsByIds(s.db, [caller.accountId]);
  if (!joiner) throw new HavenError('auth.invalid_token');
  const policy = s.policy;
  await joinChecked(s, invite.conversation_id, joiner, async (members, row, tx) => {
    const inviter = (await findAccountsByIds(tx, [invite.created_by]))[0];
    if (!inviter) throw invalid;
    const d = canJoinViaInvite(
      policy,
      participantOf(policy, joiner, now),
      participantOf(policy, inviter, now),
      await relationsOf(tx, joiner.id, [...new Set([...members.map((m) => m.id), inviter.id])]),
      { members: members.map((m) => participantOf(policy, m, now)), mode: modeForCheck(policy, s.config.mls.enabled, row.mode, [...members, joiner].map((m) => participantOf(policy, m, now))) },
    );
    if (!d.ok) throw refusalError(policy, d.error, joiner, now);
  });
  signalGroupJoin(s, joiner.id, invite.conversation_id);
  const conversation = await fullConversation(s, caller, invite.conversation_id);
  await announce(s, conversation);
  return viewFor(s, caller, conversation);
}
