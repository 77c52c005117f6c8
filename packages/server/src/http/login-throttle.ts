/**
 * Per-account back-off for password guessing (issue 13, item 15), on top of the per-address limit:
 * after `freeFailures` wrong passwords, each attempt must wait `baseDelay · 2^(extra failures)` (at most
 * `maxDelay`) after the last failure and is refused unchecked before then, from any address. An address
 * the account signed in from recently is exempt, so an attacker spraying guesses cannot lock the owner
 * out; open sessions are never touched. In memory, per node, bounded.
 * @example const wait = throttle.begin(handle, ip, now); if (wait) refuse(wait); … throttle.settle(handle, ip, now, 'right' | 'wrong' | 'other')
 */
export class LoginThrottle {
  readonly #failures = new Map<string, { count: number; pending: number; last: number }>();
  readonly #known = new Map<string, number>();

  constructor(
    readonly opts: { freeFailures: number; baseDelaySeconds: number; maxDelaySeconds: number; knownSourceDays: number },
    readonly maxKeys = 100_000,
  ) {}

  /**
   * Starts an attempt: 0 when `handle` may try now from `source` (the attempt then counts as pending
   * until {@link settle}, so parallel guesses cannot slip through together), else the milliseconds to wait.
   */
  begin(handle: string, source: string, nowMs: number): number {
    let f = this.#failures.get(handle);
    // A long quiet spell forgets old failures: the back-off never outlives its own maximum for long.
    if (f && f.pending === 0 && nowMs - f.last > 2 * this.opts.maxDelaySeconds * 1000 + 60_000) f.count = 0;
    if (!this.#isKnown(handle, source, nowMs) && f && f.count + f.pending >= this.opts.freeFailures) {
      const extra = Math.max(0, f.count + f.pending - this.opts.freeFailures);
      const delay = Math.min(this.opts.maxDelaySeconds, this.opts.baseDelaySeconds * 2 ** Math.min(extra, 30)) * 1000;
      const wait = f.last + delay - nowMs;
      if (wait > 0) return wait;
    }
    if (!f) {
      if (this.#failures.size >= this.maxKeys) this.#evict(nowMs);
      f = { count: 0, pending: 0, last: nowMs };
      this.#failures.set(handle, f);
    }
    f.pending++;
    return 0;
  }

  /**
   * Ends an attempt begun with {@link begin}: a wrong password counts; a right one clears the record and
   * remembers `source`; anything else (a suspended account, a bad device id) only ends it.
   */
  settle(handle: string, source: string, nowMs: number, outcome: 'right' | 'wrong' | 'other'): void {
    const f = this.#failures.get(handle);
    if (f) f.pending = Math.max(0, f.pending - 1);
    if (outcome === 'other') return;
    if (outcome === 'wrong') {
      if (f) {
        f.count++;
        f.last = nowMs;
      }
      return;
    }
    if (f && f.pending === 0) this.#failures.delete(handle);
    else if (f) f.count = 0;
    if (this.opts.knownSourceDays <= 0) return;
    if (this.#known.size >= this.maxKeys) this.#known.clear();
    this.#known.set(`${handle}\u0000${source}`, nowMs);
  }

  #isKnown(handle: string, source: string, nowMs: number): boolean {
    const at = this.#known.get(`${handle}\u0000${source}`);
    return at !== undefined && nowMs - at <= this.opts.knownSourceDays * 86_400_000;
  }

  #evict(nowMs: number): void {
    for (const [k, f] of this.#failures) if (f.pending === 0 && nowMs - f.last > this.opts.maxDelaySeconds * 1000) this.#failures.delete(k);
    if (this.#failures.size >= this.maxKeys) this.#failures.clear();
  }
}
