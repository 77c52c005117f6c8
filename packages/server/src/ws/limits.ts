import { HavenError } from '@haven/protocol';
import type WebSocket from 'ws';
import { RateLimiter } from '../http/rate-limit';
import type { Services } from '../services/context';

// WebSocket limits (issue 13, item 13), all from config `websocket`, all per node: frame rates per
// connection and per account, and open connections per session and per account.

export interface ConnectionLimits {
  /** Takes one frame for this connection and its account; `false` when either is over its rate. */
  takeFrame(connectionKey: object, accountId: string | undefined): boolean;
  /** Registers an authenticated connection; throws `connection.too_many` over a cap. Returns its release. */
  admit(accountId: string, tokenHash: string): () => void;
  /** Raises a connection's frame limit once it has said hello. */
  raiseFrameLimit(ws: WebSocket): void;
  /**
   * Waits for one of the node's `websocket.backlogSlots` (first come, first served); resolves to its
   * release, which also happens by itself after `websocket.backlogSlotSeconds`. Bounds how many connections
   * read their backlog at once, so a reconnect storm is served a few devices at a time, each to its end,
   * instead of every device's pages interleaved and all finishing late.
   */
  backlogSlot(): Promise<() => void>;
}

export function connectionLimits(s: Services): ConnectionLimits {
  const cfg = s.config.websocket;
  const perConnection = new WeakMap<object, { tokens: number; at: number }>();
  const perAccount = new RateLimiter(cfg.account.burst, cfg.account.perMinute);
  const bySession = new Map<string, number>();
  const byAccount = new Map<string, number>();
  let freeSlots = cfg.backlogSlots;
  const slotWaiters: (() => void)[] = [];
  // A slot is given up after backlogSlotSeconds even if its holder is not done: a client that stops reading
  // holds it until its socket drains, and a few such clients must not hold every device of the node back.
  const slotRelease = (): (() => void) => {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      const next = slotWaiters.shift();
      if (next) next();
      else freeSlots++;
    };
    const timer = setTimeout(release, cfg.backlogSlotSeconds * 1000);
    timer.unref();
    return release;
  };
  const inc = (m: Map<string, number>, k: string, d: number) => {
    const v = (m.get(k) ?? 0) + d;
    if (v <= 0) m.delete(k);
    else m.set(k, v);
  };
  return {
    takeFrame(key, accountId) {
      const now = s.now().getTime();
      let b = perConnection.get(key);
      if (!b) perConnection.set(key, (b = { tokens: cfg.connection.burst, at: now }));
      b.tokens = Math.min(cfg.connection.burst, b.tokens + ((now - b.at) / 60_000) * cfg.connection.perMinute);
      b.at = now;
      if (b.tokens < 1) return false;
      if (accountId !== undefined && !perAccount.take(accountId, now)) return false;
      b.tokens -= 1;
      return true;
    },
    admit(accountId, tokenHash) {
      if ((bySession.get(tokenHash) ?? 0) >= cfg.maxConnectionsPerSession) {
        throw new HavenError('connection.too_many', `This session already has ${cfg.maxConnectionsPerSession} connections open; close one first.`);
      }
      if ((byAccount.get(accountId) ?? 0) >= cfg.maxConnectionsPerAccount) {
        throw new HavenError('connection.too_many', `This account already has ${cfg.maxConnectionsPerAccount} connections open; close one first.`);
      }
      inc(bySession, tokenHash, 1);
      inc(byAccount, accountId, 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inc(bySession, tokenHash, -1);
        inc(byAccount, accountId, -1);
      };
    },
    backlogSlot() {
      if (freeSlots > 0) {
        freeSlots--;
        return Promise.resolve(slotRelease());
      }
      return new Promise((resolve) => slotWaiters.push(() => resolve(slotRelease())));
    },
    raiseFrameLimit(ws) {
      // `ws` has no public per-connection setting; its receiver reads this field for every frame header.
      const receiver = (ws as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
      if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = s.config.limits.frameBytes;
    },
  };
}
