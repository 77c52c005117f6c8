import type { Conversation, Message } from '@haven/protocol';

/** What one node tells the nodes that hold an account's connections. */
export type FanoutEvent =
  | { type: 'message'; message: Message }
  | { type: 'conversation'; conversation: Conversation }
  /** A safety event for this account (`media.blocked`, `contact.blocked`, …), with help resources. */
  | { type: 'event'; event: string; data: unknown }
  /** A session was signed out: connections opened with it close. */
  | { type: 'session_ended'; tokenHash: string };

export type FanoutHandler = (event: FanoutEvent) => void;

/**
 * Live delivery between nodes. Best effort by design: the database is the source of truth, and a device
 * that misses a live event gets the message from its backlog on the next connect.
 */
export interface Fanout {
  readonly kind: 'local' | 'nats';
  publish(accountIds: readonly string[], event: FanoutEvent): Promise<void>;
  /** Resolves once events published after it will reach `handler`; returns the unsubscribe function. */
  subscribe(accountId: string, handler: FanoutHandler): Promise<() => void>;
  /** Whether live delivery works now (NATS: connected; local: always). For /readyz. */
  connected(): boolean;
  /**
   * Calls `listener` each time live delivery comes back after an outage (NATS reconnected): events
   * published meanwhile may have been lost, so connections must catch up from the database.
   */
  onResumed(listener: () => void): void;
  close(): Promise<void>;
}

/** Handlers per account on this node, shared by every implementation. */
export class LocalSubscribers {
  readonly #handlers = new Map<string, Set<FanoutHandler>>();

  /** Adds a handler; `true` when it is the account's first on this node. */
  add(accountId: string, handler: FanoutHandler): boolean {
    let set = this.#handlers.get(accountId);
    const first = !set;
    if (!set) this.#handlers.set(accountId, (set = new Set()));
    set.add(handler);
    return first;
  }

  /** Removes a handler; `true` when the account has none left on this node. */
  remove(accountId: string, handler: FanoutHandler): boolean {
    const set = this.#handlers.get(accountId);
    if (!set) return false;
    set.delete(handler);
    if (set.size > 0) return false;
    this.#handlers.delete(accountId);
    return true;
  }

  deliver(accountId: string, event: FanoutEvent): void {
    for (const h of this.#handlers.get(accountId) ?? []) h(event);
  }
}
