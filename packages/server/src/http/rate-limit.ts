import { HavenError } from '@haven/protocol';

/** Token buckets by key (an IP address), in memory: enough for one node's sign-up and login routes. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly burst: number,
    readonly perMinute: number,
    readonly maxKeys = 100_000,
  ) {}

  /** Takes one token for `key` at time `nowMs`; `false` when the bucket is empty. */
  take(key: string, nowMs: number): boolean {
    let b = this.#buckets.get(key);
    if (b) {
      b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.at) / 60_000) * this.perMinute);
      b.at = nowMs;
    } else {
      if (this.#buckets.size >= this.maxKeys) this.#evictFull(nowMs);
      b = { tokens: this.burst, at: nowMs };
      this.#buckets.set(key, b);
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Buckets that have refilled are the same as absent ones; drop them to bound memory. */
  #evictFull(nowMs: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + ((nowMs - b.at) / 60_000) * this.perMinute >= this.burst) this.#buckets.delete(k);
    }
    if (this.#buckets.size >= this.maxKeys) this.#buckets.clear();
  }
}

/** The per-account write limits of `rateLimits` (issue 13): one set per server, shared by every route that writes that kind. */
export type WriteKind = 'groups' | 'contactRequests' | 'reports';
const writeLimiters = new WeakMap<object, Record<WriteKind, RateLimiter>>();

/**
 * Takes one `kind` write for `accountId`, or throws `request.rate_limited` (429).
 * @example takeWrite(s, 'contactRequests', caller.accountId);
 */
export function takeWrite(s: { config: { rateLimits: Record<WriteKind, { burst: number; perMinute: number }> }; now(): Date }, kind: WriteKind, accountId: string): void {
  let limiters = writeLimiters.get(s);
  if (!limiters) {
    const of = (k: WriteKind) => new RateLimiter(s.config.rateLimits[k].burst, s.config.rateLimits[k].perMinute);
    limiters = { groups: of('groups'), contactRequests: of('contactRequests'), reports: of('reports') };
    writeLimiters.set(s, limiters);
  }
  if (!limiters[kind].take(accountId, s.now().getTime())) throw new HavenError('request.rate_limited', `Too many ${WRITE_WORDS[kind]} in a short time: wait a little and try again.`);
}

const WRITE_WORDS: Record<WriteKind, string> = { groups: 'group changes', contactRequests: 'contact requests', reports: 'reports' };
