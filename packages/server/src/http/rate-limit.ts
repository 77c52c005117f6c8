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
