import { preparedAs } from '../prepared';
import { sql, type Kysely } from 'kysely';
import type { ConversationRow, ConversationsTable, Database } from '../database';

export type NewConversation = Omit<ConversationsTable, 'last_seq' | 'created_at' | 'mode_reason' | 'closed_reason'> & { mode_reason?: string | null };

/**
 * Creates a conversation with its members in one transaction. For a direct conversation that already
 * exists (same `direct_key`), returns the existing one instead: one direct conversation per pair.
 */
export async function insertConversation(db: Kysely<Database>, conv: NewConversation, memberIds: readonly string[]): Promise<{ row: ConversationRow; created: boolean }> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('conversations')
      .values(conv)
      .onConflict((oc) => oc.column('direct_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      const existing = await tx.selectFrom('conversations').selectAll().where('direct_key', '=', conv.direct_key).executeTakeFirstOrThrow();
      return { row: existing, created: false };
    }
    await tx
      .insertInto('conversation_members')
      .values(memberIds.map((account_id) => ({ conversation_id: row.id, account_id, joined_seq: 0 })))
      .execute();
    return { row, created: true };
  });
}

export function findDirectConversation(db: Kysely<Database>, directKey: string): Promise<ConversationRow | undefined> {
  return db.selectFrom('conversations').selectAll().where('direct_key', '=', directKey).executeTakeFirst();
}

/** The conversation when `accountId` is a member; `undefined` otherwise (callers answer 404 either way). */
export function findConversationForMember(db: Kysely<Database>, conversationId: string, accountId: string): Promise<ConversationRow | undefined> {
  return db
    .selectFrom('conversations')
    .innerJoin('conversation_members as m', 'm.conversation_id', 'conversations.id')
    .selectAll('conversations')
    .where('conversations.id', '=', conversationId)
    .where('m.account_id', '=', accountId)
    .executeTakeFirst();
}

export function listConversationsForMember(db: Kysely<Database>, accountId: string): Promise<ConversationRow[]> {
  return db
    .selectFrom('conversations')
    .innerJoin('conversation_members as m', 'm.conversation_id', 'conversations.id')
    .selectAll('conversations')
    .where('m.account_id', '=', accountId)
    .orderBy('conversations.created_at')
    .execute();
}

/** Member account ids of each conversation, in join order. */
export async function membersOf(db: Kysely<Database>, conversationIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(conversationIds.map((id) => [id, []]));
  if (conversationIds.length === 0) return out;
  const rows = await db
    .selectFrom('conversation_members')
    .select(['conversation_id', 'account_id'])
    .where('conversation_id', 'in', conversationIds)
    .orderBy('joined_at')
    .orderBy('account_id')
    .execute();
  for (const r of rows) out.get(r.conversation_id)?.push(r.account_id);
  return out;
}

/** Adds a member; members see messages sent from now on. `false` when already a member. */
export async function addMember(db: Kysely<Database>, conversationId: string, accountId: string): Promise<boolean> {
  const r = await db
    .insertInto('conversation_members')
    .columns(['conversation_id', 'account_id', 'joined_seq'])
    .expression((eb) =>
      eb.selectFrom('conversations').select((s) => [s.val(conversationId).as('conversation_id'), s.val(accountId).as('account_id'), 'last_seq']).where('id', '=', conversationId),
    )
    .onConflict((oc) => oc.columns(['conversation_id', 'account_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function removeMember(db: Kysely<Database>, conversationId: string, accountId: string): Promise<boolean> {
  const r = await db.deleteFrom('conversation_members').where('conversation_id', '=', conversationId).where('account_id', '=', accountId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The member's row (with the seq they joined at) and the conversation, or `undefined` when not a member. */
export async function findMembership(
  db: Kysely<Database>,
  conversationId: string,
  accountId: string,
): Promise<{ conversation: ConversationRow; joinedSeq: number } | undefined> {
  const row = await db
    .selectFrom('conversations')
    .innerJoin('conversation_members as m', 'm.conversation_id', 'conversations.id')
    .selectAll('conversations')
    .select('m.joined_seq')
    .where('conversations.id', '=', conversationId)
    .where('m.account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { joined_seq, ...conversation } = row;
  return { conversation, joinedSeq: joined_seq };
}

/**
 * Everything a send needs in one round trip: the conversation (when `accountId` is a member), its member
 * ids, and whether a block stands between the sender and the other member of a direct conversation.
 */
export async function findForSend(
  db: Kysely<Database>,
  conversationId: string,
  accountId: string,
): Promise<{ conversation: ConversationRow; memberIds: string[]; blocked: boolean } | undefined> {
  const row = await db
    .selectFrom('conversations as c')
    .selectAll('c')
    .select((eb) => [
      eb
        .selectFrom('conversation_members as all_m')
        .select(sql<string[]>`array_agg(all_m.account_id::text order by all_m.account_id)`.as('ids'))
        .whereRef('all_m.conversation_id', '=', 'c.id')
        .as('member_ids'),
      eb
        .exists(
          eb
            .selectFrom('contacts as k')
            .innerJoin('conversation_members as om', 'om.conversation_id', 'c.id')
            .select('k.owner_id')
            .where('k.state', '=', 'blocked')
            .where('om.account_id', '<>', accountId)
            .where((w) =>
              w.or([
                w.and([w('k.owner_id', '=', accountId), w('k.other_id', '=', w.ref('om.account_id'))]),
                w.and([w('k.other_id', '=', accountId), w('k.owner_id', '=', w.ref('om.account_id'))]),
              ]),
            ),
        )
        .as('blocked'),
    ])
    .where('c.id', '=', conversationId)
    .where((eb) =>
      eb.exists(eb.selectFrom('conversation_members as me').select('me.account_id').whereRef('me.conversation_id', '=', 'c.id').where('me.account_id', '=', accountId)),
    )
    .executeTakeFirst();
  if (!row) return undefined;
  const { member_ids, blocked, ...conversation } = row;
  return { conversation, memberIds: member_ids ?? [], blocked: conversation.kind === 'direct' && Boolean(blocked) };
}

/** K6: a sextortion shield in force in a conversation: `suspectId` may not see `childId`'s contacts. */
export interface ShieldPair {
  suspectId: string;
  childId: string;
}

/** What a send needs to know of its conversation and its members. */
export interface SendContext {
  conversation: ConversationRow;
  memberIds: string[];
  /** The birth date of each member, in the order of `memberIds` (risk signals look only at conversations with a child). */
  memberBirthDates: string[];
  blocked: boolean;
  shields: ShieldPair[];
}

/**
 * The send context of each (conversation, sender) pair, in one statement: the conversation if the sender
 * is a member, every member and their birth dates, whether a block stands between them (direct
 * conversations), and the sextortion shields in force between its members (K6: who gets a message with
 * its writer hidden). Results in input order (`undefined` where the sender is not a member).
 */
export async function findForSendMany(db: Kysely<Database>, pairs: { conversationId: string; accountId: string }[]): Promise<(SendContext | undefined)[]> {
  // One JSON parameter for the whole batch: the statement's text is the same for any batch size.
  const input = JSON.stringify(pairs.map((p, ord) => ({ ord, conversation_id: p.conversationId, account_id: p.accountId })));
  const res = await sql<ConversationRow & { ord: number; member_ids: string[] | null; member_birth_dates: string[] | null; blocked: boolean; shields: string[] | null }>`${preparedAs('send-context')}
    select q.ord, c.*, m.member_ids, m.member_birth_dates,
      -- Blocks matter in direct conversations only; each direction is a primary-key probe (owner_id, other_id).
      c.kind = 'direct' and (
        exists (select 1 from conversation_members om join contacts k on k.owner_id = q.account_id and k.other_id = om.account_id
                where om.conversation_id = c.id and om.account_id <> q.account_id and k.state = 'blocked')
        or exists (select 1 from conversation_members om join contacts k on k.owner_id = om.account_id and k.other_id = q.account_id
                where om.conversation_id = c.id and om.account_id <> q.account_id and k.state = 'blocked')
      ) as blocked,
      (select array_agg(sh.suspect_id::text || ' ' || sh.child_id::text)
        from sextortion_shields sh
        join conversation_members sc on sc.conversation_id = c.id and sc.account_id = sh.child_id
        join conversation_members ss on ss.conversation_id = c.id and ss.account_id = sh.suspect_id
        where sh.lifted_at is null) as shields
    from json_to_recordset(${input}::json) as q(ord integer, conversation_id uuid, account_id uuid)
    join conversations c on c.id = q.conversation_id
    -- The members are read once: their ids, their birth dates, and whether the sender is one of them.
    cross join lateral (
      select array_agg(a.id::text order by a.id) as member_ids, array_agg(a.birth_date order by a.id) as member_birth_dates, bool_or(a.id = q.account_id) as is_member
      from conversation_members cm join accounts a on a.id = cm.account_id where cm.conversation_id = c.id
    ) m
    where m.is_member`.execute(db);
  const byOrd = new Map(res.rows.map((r) => [r.ord, r]));
  return pairs.map((_, ord) => {
    const row = byOrd.get(ord);
    if (!row) return undefined;
    const { ord: _o, member_ids, member_birth_dates, blocked, shields, ...conversation } = row;
    return {
      conversation,
      memberIds: member_ids ?? [],
      memberBirthDates: member_birth_dates ?? [],
      blocked: conversation.kind === 'direct' && Boolean(blocked),
      shields: (shields ?? []).map((p) => {
        const [suspectId, childId] = p.split(' ') as [string, string];
        return { suspectId, childId };
      }),
    };
  });
}

/** Locks the conversation row for the rest of the transaction: membership changes and sends queue behind it. */
export function lockConversation(tx: Kysely<Database>, id: string): Promise<ConversationRow | undefined> {
  return tx.selectFrom('conversations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** The `e2ee` conversations `accountId` is a member of that are not closed. */
export function openE2eeConversationsOf(db: Kysely<Database>, accountId: string): Promise<ConversationRow[]> {
  return db
    .selectFrom('conversations')
    .innerJoin('conversation_members as m', 'm.conversation_id', 'conversations.id')
    .selectAll('conversations')
    .where('m.account_id', '=', accountId)
    .where('conversations.mode', '=', 'e2ee')
    .where('conversations.closed_reason', 'is', null)
    .execute();
}

/** Closes a conversation to new messages, with the reason its members are shown (P9). */
export async function closeConversation(db: Kysely<Database>, id: string, reason: string): Promise<void> {
  await db.updateTable('conversations').set({ closed_reason: reason }).where('id', '=', id).execute();
}
