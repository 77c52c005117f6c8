import type { SendContext } from './repos/conversations';

/** A conversation id, or `*` for every conversation (the payload of the database's `haven_send_context` channel). */
export type ContextChange = string;

/**
 * A node's send contexts (conversation, members, birth dates, blocks, shields: `findForSendMany`) kept in
 * memory, so a send needs no context statement (issue 12). The database reports every change that may
 * alter one, at commit, to every node that listens (migration 0016: triggers on the tables a context is
 * read from), so a change made anywhere is seen by the next send on every node, once its notification has
 * arrived (milliseconds; a send whose context was read just before a change commits was always possible).
 *
 * Nothing is kept while the node is not listening (`live` false: before LISTEN, or while the listening
 * connection is down after a database restart), and everything is dropped when listening starts again,
 * since changes may have been missed meanwhile. A lookup keeps what it read only if no change at all was
 * reported while it ran (`begin` / `put`), so a read that raced a change is used once and not kept. Only
 * members' contexts are kept (a refusal is read again each time). At most `maxEntries` contexts are kept;
 * beyond that the conversations seen longest ago are dropped first.
 */
export class SendContextCache {
  readonly #max: number;
  // Conversation id → (sender account id → context). Map order is insertion order: the oldest first.
  readonly #byConversation = new Map<string, Map<string, SendContext>>();
  #size = 0;
  #generation = 0;
  #live = false;
  hits = 0;
  misses = 0;

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  /** Whether contexts are kept now (listening for changes, and a size above 0). */
  get live(): boolean {
    return this.#live && this.#max > 0;
  }

  get size(): number {
    return this.#size;
  }

  /** Listening for changes began (`true`: drop everything, changes may have been missed) or stopped. */
  setLive(live: boolean): void {
    this.#live = live;
    this.#clear();
  }

  /** A change the database reported. */
  changed(change: ContextChange): void {
    this.#generation++;
    if (change === '*') return this.#clear();
    const entries = this.#byConversation.get(change);
    if (!entries) return;
    this.#size -= entries.size;
    this.#byConversation.delete(change);
  }

  get(conversationId: string, accountId: string): SendContext | undefined {
    if (!this.live) return undefined;
    const hit = this.#byConversation.get(conversationId)?.get(accountId);
    if (hit) this.hits++;
    else this.misses++;
    return hit;
  }

  /** Before a lookup: the token `put` needs. */
  begin(): number {
    return this.#generation;
  }

  /** After a lookup begun at `token`: keeps `context` unless a change was reported since (or it is a refusal). */
  put(token: number, conversationId: string, accountId: string, context: SendContext | undefined): void {
    if (!context || !this.live || token !== this.#generation) return;
    let entries = this.#byConversation.get(conversationId);
    if (!entries) this.#byConversation.set(conversationId, (entries = new Map()));
    if (entries.has(accountId)) return;
    entries.set(accountId, context);
    this.#size++;
    while (this.#size > this.#max) {
      const [oldest, dropped] = this.#byConversation.entries().next().value as [string, Map<string, SendContext>];
      this.#byConversation.delete(oldest);
      this.#size -= dropped.size;
    }
  }

  #clear(): void {
    this.#generation++;
    this.#byConversation.clear();
    this.#size = 0;
  }
}
