import { preparedAs } from '../prepared';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, MessageRow, MlsGroupRow, NewMessage } from '../database';

export function findByClientId(db: Kysely<Database>, conversationId: string, senderDeviceId: string, clientMessageId: string): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('sender_device_id', '=', senderDeviceId)
    .where('client_message_id', '=', clientMessageId)
    .executeTakeFirst();
}

/** Who sent message `id` and in which conversation; `undefined` when there is no such message. */
export function findMessageSender(db: Kysely<Database>, id: string): Promise<Pick<MessageRow, 'sender_account_id' | 'conversation_id'> | undefined> {
  return db.selectFrom('messages').select(['sender_account_id', 'conversation_id']).where('id', '=', id).executeTakeFirst();
}

/**
 * Stores a message with the next sequence number of its conversation, in one statement: the
 * `UPDATE … SET last_seq = last_seq + 1 RETURNING` takes the conversation's row lock, so concurrent
 * senders are serialised until commit and seqs become visible in order. A resend (same conversation,
 * device and client message id) returns the stored message with `created: false` and allocates nothing;
 * only two copies racing in the same instant can leave a gap in the seqs, never a duplicate.
 */
export async function insertMessage(
  db: Kysely<Database>,
  msg: Omit<NewMessage, 'seq' | 'recipient_device_id' | 'franking_key_id' | 'franking_tag' | 'mls_digest'> & {
    recipient_device_id?: string | null;
    franking_key_id?: string | null;
    franking_tag?: Uint8Array | null;
    mls_digest?: Uint8Array | null;
  },
): Promise<{ row: MessageRow; created: boolean }> {
  const inserted = await db
    .with('seq', (q) =>
      q
        .updateTable('conversations')
        .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
        .where('id', '=', msg.conversation_id)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('messages')
                .select('id')
                .where('conversation_id', '=', msg.conversation_id)
                .where('sender_device_id', '=', msg.sender_device_id)
                .where('client_message_id', '=', msg.client_message_id),
            ),
          ),
        )
        .returning('last_seq'),
    )
    .insertInto('messages')
    .columns(['id', 'conversation_id', 'seq', 'sender_account_id', 'sender_device_id', 'client_message_id', 'content_type', 'body', 'sent_at', 'recipient_device_id', 'franking_key_id', 'franking_tag', 'mls_digest'])
    .expression((eb) =>
      eb
        .selectFrom('seq')
        .select((s) => [
          s.val(msg.id).as('id'),
          s.val(msg.conversation_id).as('conversation_id'),
          'seq.last_seq',
          s.val(msg.sender_account_id).as('sender_account_id'),
          s.val(msg.sender_device_id).as('sender_device_id'),
          s.val(msg.client_message_id).as('client_message_id'),
          s.val(msg.content_type).as('content_type'),
          s.val(msg.body).as('body'),
          s.val(msg.sent_at).as('sent_at'),
          sql<string | null>`${msg.recipient_device_id ?? null}::uuid`.as('recipient_device_id'),
          sql<string | null>`${msg.franking_key_id ?? null}::text`.as('franking_key_id'),
          sql<Uint8Array | null>`${msg.franking_tag ?? null}::bytea`.as('franking_tag'),
          sql<Uint8Array | null>`${msg.mls_digest ?? null}::bytea`.as('mls_digest'),
        ]),
    )
    .onConflict((oc) => oc.columns(['conversation_id', 'sender_device_id', 'client_message_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { row: inserted, created: true };
  const existing = await findByClientId(db, msg.conversation_id, msg.sender_device_id, msg.client_message_id);
  if (!existing) throw new Error(`conversation ${msg.conversation_id} does not exist`);
  return { row: existing, created: false };
}

/** Messages after `after`; device-targeted ones only for `deviceId`. */
export function listMessagesAfter(db: Kysely<Database>, conversationId: string, after: number, limit: number, deviceId?: string): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('seq', '>', after)
    .where((eb) => (deviceId ? eb.or([eb('recipient_device_id', 'is', null), eb('recipient_device_id', '=', deviceId)]) : eb('recipient_device_id', 'is', null)))
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/**
 * What a device has not acknowledged, in (conversation, seq) order, after the position `from`: messages
 * of conversations its account is a member of, after both the device's cursor and the member's join,
 * excluding the device's own messages (it got `sent` for those).
 */
export function backlogForDevice(
  db: Kysely<Database>,
  accountId: string,
  deviceId: string,
  from: { conversationId: string; seq: number } | undefined,
  limit: number,
): Promise<MessageRow[]> {
  let q = db
    .selectFrom('messages')
    .innerJoin('conversation_members as mb', (j) => j.onRef('mb.conversation_id', '=', 'messages.conversation_id').on('mb.account_id', '=', accountId))
    .leftJoin('cursors as c', (j) => j.onRef('c.conversation_id', '=', 'messages.conversation_id').on('c.device_id', '=', deviceId))
    .selectAll('messages')
    .where('messages.sender_device_id', '<>', deviceId)
    .where((eb) => eb.or([eb('messages.recipient_device_id', 'is', null), eb('messages.recipient_device_id', '=', deviceId)]))
    .where('messages.seq', '>', sql<number>`greatest(coalesce(c.acked_seq, 0), mb.joined_seq)`);
  if (from) {
    q = q.where((eb) =>
      eb.or([
        eb('messages.conversation_id', '>', from.conversationId),
        eb.and([eb('messages.conversation_id', '=', from.conversationId), eb('messages.seq', '>', from.seq)]),
      ]),
    );
  }
  return q.orderBy('messages.conversation_id').orderBy('messages.seq').limit(limit).execute();
}

/** One message for `insertMessages`: its columns, less the sequence number the batch allocates. */
export type PlainMessage = Pick<NewMessage, 'id' | 'conversation_id' | 'sender_account_id' | 'sender_device_id' | 'client_message_id' | 'content_type' | 'body' | 'sent_at'> & {
  franking_key_id?: string | null;
  franking_tag?: Uint8Array | null;
  mls_digest?: Uint8Array | null;
};

/** What a checked message's check sees, under the locks of its batch. */
export interface StoreCheck {
  /** The conversation's MLS group row (locked), if it has one. */
  group: MlsGroupRow | undefined;
  /** The same MLS ciphertext (`mls_digest`) is already stored in the conversation, or earlier in this batch. */
  replayed: boolean;
}

export interface CheckedMessage {
  message: PlainMessage;
  /** Run under the batch's locks; an error refuses this message only. MLS messages lock their group. */
  check?: (c: StoreCheck) => Error | undefined;
}

const idempotencyKey = (m: Pick<PlainMessage, 'conversation_id' | 'sender_device_id' | 'client_message_id'>): string =>
  `${m.conversation_id} ${m.sender_device_id} ${m.client_message_id}`;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * Group commit of many messages, possibly into many conversations. A resend (stored earlier, or earlier in
 * the same batch) returns the stored row with `created: false` and is not checked again. For the rest: each
 * check runs, the conversations' rows are locked in id order (after the groups of checked messages, as
 * commits lock them, so batches and commits on any node cannot deadlock), each conversation's next sequence
 * numbers are allocated in the order given, and one statement inserts every message that passed and moves
 * the conversations' `last_seq`. Results are in input order.
 *
 * A batch without checks (the visible path) is one statement (`insertNumberedAlone`). A batch with checks
 * is checked on what one read sees and stored by one statement that stores nothing unless its groups are
 * still at the epochs checked (`checkAndInsertAlone`); when one moved, or a replay was stored meanwhile,
 * it is checked again under the groups' locks in a transaction (begin, lock, read, insert, commit). No
 * message is looked up first: when a statement meets a stored copy (a resend: the insert's unique
 * violation, or a checked message's own digest in the read), the statement or transaction stores nothing,
 * the stored copies are read, and the batch runs again without them, so no sequence number is ever skipped.
 */
export async function insertCheckedMessages(db: Kysely<Database>, items: CheckedMessage[]): Promise<({ row: MessageRow; created: boolean } | Error)[]> {
  const msgs = items.map((i) => i.message);
  const firstOf = new Map<string, number>();
  msgs.forEach((m, ord) => {
    const k = idempotencyKey(m);
    if (!firstOf.has(k)) firstOf.set(k, ord);
  });
  const firsts = [...firstOf.values()];
  // Stored copies (resends) are found when a statement meets them: the insert (a unique violation) or, for
  // checked messages, the read of their digests, since the check would take a resend for a replay.
  const stored = new Map<string, MessageRow>();
  const refused = new Map<number, Error>();
  let inserted = new Map<string, MessageRow>();
  for (let attempt = 1; ; attempt++) {
    const candidates = firsts.filter((ord) => !stored.has(idempotencyKey(msgs[ord]!)));
    if (candidates.length === 0) break;
    refused.clear();
    try {
      // Without checks there is nothing to run between reading and writing: one statement, no transaction.
      // With checks: checked on what was read, stored by one statement that holds if nothing changed
      // meanwhile; else checked again under the groups' locks.
      inserted = candidates.some((ord) => items[ord]!.check)
        ? ((await checkAndInsertAlone(db, items, candidates, refused)) ??
          (await db.transaction().execute((tx) => checkAndInsert(tx, items, candidates, refused))))
        : await insertNumberedAlone(db, candidates.map((ord) => msgs[ord]!));
      break;
    } catch (e) {
      // Copies stored by another node between the lookup and the lock can repeat this; a few times at most.
      if (!(e instanceof StoredCopyFound) || attempt === 3) throw e;
      for (const [k, row] of await findByIdempotencyKeys(db, candidates.map((ord) => msgs[ord]!))) stored.set(k, row);
    }
  }
  return msgs.map((m, ord) => {
    const k = idempotencyKey(m);
    const first = firstOf.get(k)!;
    const own = refused.get(first);
    if (own) return own;
    const fresh = inserted.get(k);
    if (fresh) return { row: fresh, created: first === ord };
    const row = stored.get(k);
    if (!row) return new Error(`conversation ${m.conversation_id} does not exist`);
    return { row, created: false };
  });
}

/** The insert of a batch met a message that is already stored: the transaction is rolled back. */
class StoredCopyFound extends Error {}

/** What a checked batch was checked on changed before its statement (a commit, a replay stored elsewhere): nothing was stored. */
class StaleCheck extends Error {}

/**
 * The checked batch's fast path: the groups and the stored digests are read without locks, the checks run
 * on them, and one statement stores what passed, provided every checked conversation's group is still at
 * the epoch the checks saw (its row is locked for share in the statement, so no commit moves it until the
 * statement ends). Epoch and roster only change together, by a commit. A replay stored meanwhile (on
 * another node) fails the statement on the unique digest index. Either way nothing is stored and the
 * result is `undefined`: the batch is then checked again under the groups' locks (`checkAndInsert`).
 */
async function checkAndInsertAlone(db: Kysely<Database>, items: CheckedMessage[], candidates: number[], refused: Map<number, Error>): Promise<Map<string, MessageRow> | undefined> {
  const read = await readChecked(db, items, candidates);
  const passing = checkBatch(items, candidates, refused, read);
  if (passing.length === 0) return new Map();
  const msgs = passing.map((ord) => items[ord]!.message);
  // A check passes only with a group, so every checked message has the epoch it was checked at.
  const epochs = passing.map((ord) => (items[ord]!.check ? read.groups.get(items[ord]!.message.conversation_id)!.epoch : null));
  try {
    return await insertNumberedAlone(db, msgs, epochs);
  } catch (e) {
    if (e instanceof StaleCheck) return undefined;
    throw e;
  }
}

/** What the checks of a batch read: the MLS groups of its checked conversations, and which of its digests are stored. */
interface CheckedRead {
  groups: Map<string, MlsGroupRow>;
  seen: Set<string>;
}

/**
 * Reads, in one statement, the groups of a batch's checked conversations and which of its digests are
 * stored (inside a transaction, after locking the groups, when `lock`: the read is then a new snapshot
 * that sees every message stored before the lock was held). A digest stored by the same message (same
 * conversation, device and client message id) is a resend, not a replay: `StoredCopyFound`, and the
 * batch runs again without it.
 */
async function readChecked(db: Kysely<Database> | Transaction<Database>, items: CheckedMessage[], candidates: number[], lock = false): Promise<CheckedRead> {
  const checked = candidates.filter((ord) => items[ord]!.check).map((ord) => items[ord]!.message);
  const groups = new Map<string, MlsGroupRow>();
  const seen = new Set<string>();
  if (checked.length === 0) return { groups, seen };
  const convs = JSON.stringify([...new Set(checked.map((m) => m.conversation_id))].sort());
  if (lock) {
    await sql`${preparedAs('lock-mls-groups')}
      select 1 from mls_groups where conversation_id in (select value::uuid from json_array_elements_text(${convs}::json)) order by conversation_id for update`.execute(db);
  }
  const wanted = JSON.stringify(checked.filter((m) => m.mls_digest).map((m) => ({ conversation_id: m.conversation_id, mls_digest: base64(m.mls_digest) })));
  const rows = await sql<{ is_group: boolean; conversation_id: string; epoch: number | null; roster: string | null; updated_at: Date | null; sender_device_id: string | null; client_message_id: string | null; mls_digest: Uint8Array | null }>`${preparedAs('read-checks')}
    select true as is_group, g.conversation_id, g.epoch, g.roster, g.updated_at, null::uuid as sender_device_id, null::text as client_message_id, null::bytea as mls_digest
    from mls_groups g where g.conversation_id in (select value::uuid from json_array_elements_text(${convs}::json))
    union all
    select false, m.conversation_id, null, null, null, m.sender_device_id, m.client_message_id, m.mls_digest
    from json_to_recordset(${wanted}::json) as d(conversation_id uuid, mls_digest text)
    join messages m on m.conversation_id = d.conversation_id and m.mls_digest = decode(d.mls_digest, 'base64')`.execute(db);
  const own = new Set(checked.map(idempotencyKey));
  for (const r of rows.rows) {
    if (r.is_group) groups.set(r.conversation_id, { conversation_id: r.conversation_id, epoch: r.epoch!, roster: r.roster!, updated_at: r.updated_at! });
    else if (own.has(idempotencyKey({ conversation_id: r.conversation_id, sender_device_id: r.sender_device_id!, client_message_id: r.client_message_id! })))
      throw new StoredCopyFound('a checked message of the batch is already stored (a resend)');
    else seen.add(`${r.conversation_id} ${hex(r.mls_digest!)}`);
  }
  return { groups, seen };
}

/** Runs the checks of a batch on what was read (`refused` gets each refusal by ord); returns the ords that passed, in order. */
function checkBatch(items: CheckedMessage[], candidates: number[], refused: Map<number, Error>, read: CheckedRead): number[] {
  const { groups, seen } = read;
  const passing: number[] = [];
  for (const ord of candidates) {
    const { message: m, check } = items[ord]!;
    if (check) {
      const d = m.mls_digest ? `${m.conversation_id} ${hex(m.mls_digest)}` : undefined;
      const err = check({ group: groups.get(m.conversation_id), replayed: d !== undefined && seen.has(d) });
      if (err) {
        refused.set(ord, err);
        continue;
      }
      if (d) seen.add(d);
    }
    passing.push(ord);
  }
  return passing;
}

/** Within a batch's transaction: checks (`refused` gets each refusal by ord), then numbers and inserts the rest. */
async function checkAndInsert(tx: Transaction<Database>, items: CheckedMessage[], candidates: number[], refused: Map<number, Error>): Promise<Map<string, MessageRow>> {
  const passing = checkBatch(items, candidates, refused, await readChecked(tx, items, candidates, true));
  return passing.length === 0 ? new Map<string, MessageRow>() : insertNumbered(tx, passing.map((ord) => items[ord]!.message));
}

/** `insertCheckedMessages` without checks: throws if a message's conversation does not exist. */
export async function insertMessages(db: Kysely<Database>, msgs: PlainMessage[]): Promise<{ row: MessageRow; created: boolean }[]> {
  return (await insertCheckedMessages(db, msgs.map((message) => ({ message })))).map((r) => {
    if (r instanceof Error) throw r;
    return r;
  });
}

async function findByIdempotencyKeys(db: Kysely<Database>, msgs: PlainMessage[]): Promise<Map<string, MessageRow>> {
  const out = new Map<string, MessageRow>();
  if (msgs.length === 0) return out;
  const keys = JSON.stringify(msgs.map((m) => ({ conversation_id: m.conversation_id, sender_device_id: m.sender_device_id, client_message_id: m.client_message_id })));
  const rows = await sql<MessageRow>`${preparedAs('find-by-idempotency-keys')}
    select m.* from json_to_recordset(${keys}::json) as k(conversation_id uuid, sender_device_id uuid, client_message_id text)
    join messages m on m.conversation_id = k.conversation_id and m.sender_device_id = k.sender_device_id and m.client_message_id = k.client_message_id`.execute(db);
  for (const r of rows.rows) out.set(idempotencyKey(r), r);
  return out;
}

const base64 = (b: Uint8Array | null | undefined): string | null => (b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64') : null);

/**
 * A message as one element of a batch's JSON parameter (bytes in base64), with its number `n` (its seq, or
 * its place among the batch's messages of its conversation) and the epoch it was checked at. Both builders
 * name every field (no spread), so the objects keep one shape: spreading messages of varying shapes was 1.5 %
 * of the server's time at 5,000 msgs/s.
 */
const messageJson = (m: PlainMessage, n: number, epoch: number | null) => ({
  id: m.id,
  conversation_id: m.conversation_id,
  n,
  epoch,
  sender_account_id: m.sender_account_id,
  sender_device_id: m.sender_device_id,
  client_message_id: m.client_message_id,
  content_type: m.content_type,
  body: base64(m.body),
  sent_at: m.sent_at,
  franking_key_id: m.franking_key_id ?? null,
  franking_tag: base64(m.franking_tag),
  mls_digest: base64(m.mls_digest),
});

/** The row a batch stored, built from what was sent (the database is not read back). */
const storedRow = (m: PlainMessage, seq: number): MessageRow => ({
  id: m.id,
  conversation_id: m.conversation_id,
  seq,
  sender_account_id: m.sender_account_id,
  sender_device_id: m.sender_device_id,
  client_message_id: m.client_message_id,
  content_type: m.content_type,
  body: m.body,
  sent_at: m.sent_at,
  recipient_device_id: null,
  franking_key_id: m.franking_key_id ?? null,
  franking_tag: m.franking_tag ?? null,
  mls_digest: m.mls_digest ?? null,
});

/** PostgreSQL's unique_violation: a message with the same (conversation, device, client message id) exists. */
const isUniqueViolation = (e: unknown): boolean => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';

/**
 * `insertNumbered` as one statement: it locks the messages' conversations in id order, moves each
 * `last_seq` by its count of messages (`update … returning` gives the number before, from the newest row
 * even when another batch moved it meanwhile), and inserts the messages numbered from there in the order
 * given. One round trip instead of four. A stored copy makes the whole statement fail (nothing is inserted,
 * no number is used): `StoredCopyFound`.
 *
 * With `epochs` (checked messages: the epoch of the MLS group each was checked at, `null` for the others),
 * the statement first locks those groups for share, in conversation order as commits lock them, and stores
 * nothing unless every one is still at that epoch: `StaleCheck`, as when a replay of one of them was stored
 * meanwhile (the unique digest index).
 */
async function insertNumberedAlone(db: Kysely<Database>, fresh: PlainMessage[], epochs?: (number | null)[]): Promise<Map<string, MessageRow>> {
  const counts = new Map<string, number>();
  const input = JSON.stringify(
    fresh.map((m, i) => {
      const k = (counts.get(m.conversation_id) ?? 0) + 1;
      counts.set(m.conversation_id, k);
      return messageJson(m, k, epochs?.[i] ?? null);
    }),
  );
  const checked = epochs?.some((e) => e !== null) ?? false;
  let res;
  try {
    // Checked: the groups are held (for share) before the conversations are locked, and the guard decides.
    const held = checked
      ? sql`held as (
          select g.conversation_id from mls_groups g join counts on counts.conversation_id = g.conversation_id
          where g.epoch = counts.epoch order by g.conversation_id for share of g
        ),`
      : sql``;
    const guard = checked ? sql`where (select count(*) from held) = (select count(*) from counts where epoch is not null)` : sql``;
    res = await sql<{ id: string; seq: number }>`${preparedAs(checked ? 'insert-checked-messages-alone' : 'insert-messages-alone')}
      with q as (
        select * from json_to_recordset(${input}::json) as i(id uuid, conversation_id uuid, n integer, epoch integer, sender_account_id uuid, sender_device_id uuid,
          client_message_id text, content_type text, body text, sent_at timestamptz, franking_key_id text, franking_tag text, mls_digest text)
      ),
      counts as (select conversation_id, max(n) as n, max(epoch) as epoch from q group by conversation_id),
      ${held}
      locked as (select c.id, counts.n from conversations c join counts on counts.conversation_id = c.id ${guard} order by c.id for update of c),
      bump as (
        update conversations c set last_seq = c.last_seq + locked.n from locked where c.id = locked.id returning c.id, c.last_seq - locked.n as base
      )
      insert into messages (id, conversation_id, seq, sender_account_id, sender_device_id, client_message_id, content_type, body, sent_at, franking_key_id, franking_tag, mls_digest)
      select q.id, q.conversation_id, bump.base + q.n, q.sender_account_id, q.sender_device_id, q.client_message_id, q.content_type, decode(q.body, 'base64'), q.sent_at,
        q.franking_key_id, decode(q.franking_tag, 'base64'), decode(q.mls_digest, 'base64')
      from q join bump on bump.id = q.conversation_id
      returning id, seq`.execute(db);
  } catch (e) {
    if (isUniqueViolation(e)) {
      if ((e as { constraint?: unknown }).constraint === 'messages_mls_digest') throw new StaleCheck('a replay of a message of the batch was stored meanwhile');
      throw new StoredCopyFound('a message of the batch is already stored');
    }
    throw e;
  }
  // The guard held or there was none: every checked message's conversation exists (its group does).
  if (checked && res.rows.length === 0) throw new StaleCheck('a group of the batch moved to another epoch');
  const seqs = new Map(res.rows.map((r) => [r.id, r.seq]));
  const out = new Map<string, MessageRow>();
  for (const m of fresh) {
    const seq = seqs.get(m.id);
    if (seq === undefined) continue; // its conversation does not exist
    out.set(idempotencyKey(m), storedRow(m, seq));
  }
  return out;
}

/**
 * Locks the conversations of `fresh` in id order and reads their last seq, numbers the messages in the
 * order given, then inserts them and moves each conversation's `last_seq` in one statement. Messages of a
 * conversation that does not exist are left out. Throws `StoredCopyFound` if one is already stored. The
 * batch travels as JSON (bytes in base64): one statement text for any batch size, one value to bind, and
 * the rows come back from what was sent, not from the database.
 */
async function insertNumbered(tx: Transaction<Database>, fresh: PlainMessage[]): Promise<Map<string, MessageRow>> {
  const conversationIds = JSON.stringify([...new Set(fresh.map((m) => m.conversation_id))].sort());
  const locked = await sql<{ id: string; last_seq: number }>`${preparedAs('lock-conversations')}
    select id, last_seq from conversations where id in (select value::uuid from json_array_elements_text(${conversationIds}::json)) order by id for update`.execute(tx);
  const last = new Map(locked.rows.map((r) => [r.id, r.last_seq]));
  const rows: MessageRow[] = [];
  for (const m of fresh) {
    const seq = last.get(m.conversation_id);
    if (seq === undefined) continue;
    last.set(m.conversation_id, seq + 1);
    rows.push(storedRow(m, seq + 1));
  }
  if (rows.length === 0) return new Map();
  const input = JSON.stringify(
    rows.map((m) => messageJson(m, m.seq, null)),
  );
  const bumps = JSON.stringify([...last].map(([id, seq]) => ({ id, last_seq: seq })));
  const res = await sql<{ id: string }>`${preparedAs('insert-messages')}
    with bump as (
      update conversations c set last_seq = b.last_seq from json_to_recordset(${bumps}::json) as b(id uuid, last_seq integer) where c.id = b.id
    )
    insert into messages (id, conversation_id, seq, sender_account_id, sender_device_id, client_message_id, content_type, body, sent_at, franking_key_id, franking_tag, mls_digest)
    select i.id, i.conversation_id, i.n, i.sender_account_id, i.sender_device_id, i.client_message_id, i.content_type, decode(i.body, 'base64'), i.sent_at,
      i.franking_key_id, decode(i.franking_tag, 'base64'), decode(i.mls_digest, 'base64')
    from json_to_recordset(${input}::json) as i(id uuid, conversation_id uuid, n integer, sender_account_id uuid, sender_device_id uuid, client_message_id text,
      content_type text, body text, sent_at timestamptz, franking_key_id text, franking_tag text, mls_digest text)
    on conflict (conversation_id, sender_device_id, client_message_id) do nothing
    returning id`.execute(tx);
  if (res.rows.length !== rows.length) throw new StoredCopyFound('a message of the batch is already stored');
  return new Map(rows.map((r) => [idempotencyKey(r), r]));
}
