/**
 * Group commit: calls that arrive while the previous batch is running are collected and run as one batch
 * as soon as it returns (the first call of an idle batcher waits only for the current I/O phase to end).
 * A lone call therefore pays no added wait, and under load one statement serves many callers.
 *
 * If a batch of several items fails as a whole, each item is retried alone, so one bad item (a
 * conversation deleted a moment ago, say) fails only its own caller.
 */
export interface BatchStats {
  /** Called after each batch with its size and how long it took, in milliseconds. */
  (size: number, ms: number): void;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

export class Batcher<I, O> {
  readonly #run: (items: I[]) => Promise<O[]>;
  readonly #maxSize: number;
  readonly #onBatch: BatchStats | undefined;
  readonly #weigh: ((item: I) => number) | undefined;
  readonly #maxWeight: number;
  #queue: Pending<I, O>[] = [];
  #draining = false;

  /**
   * `run` gets the items in arrival order and returns one result per item, in the same order. A batch
   * holds at most `maxSize` items and, with `weigh`, items weighing at most `maxWeight` together (bytes,
   * say), but always at least one.
   */
  constructor(run: (items: I[]) => Promise<O[]>, opts: { maxSize?: number; onBatch?: BatchStats; weigh?: (item: I) => number; maxWeight?: number } = {}) {
    this.#run = run;
    this.#maxSize = opts.maxSize ?? 256;
    this.#onBatch = opts.onBatch;
    this.#weigh = opts.weigh;
    this.#maxWeight = opts.maxWeight ?? Infinity;
  }

  /** How many queued items the next batch takes. */
  #nextSize(): number {
    const limit = Math.min(this.#maxSize, this.#queue.length);
    if (!this.#weigh) return limit;
    let weight = 0;
    for (let n = 0; n < limit; n++) {
      weight += this.#weigh(this.#queue[n]!.item);
      if (weight > this.#maxWeight) return Math.max(1, n);
    }
    return limit;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#nextSize());
        const started = performance.now();
        await this.#settle(batch);
        this.#onBatch?.(batch.length, performance.now() - started);
      }
    } finally {
      this.#draining = false;
    }
  }

  async #settle(batch: Pending<I, O>[]): Promise<void> {
    try {
      const out = await this.#run(batch.map((p) => p.item));
      if (out.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${out.length} results`);
      batch.forEach((p, i) => p.resolve(out[i]!));
    } catch (e) {
      if (batch.length === 1) return batch[0]!.reject(e);
      for (const p of batch) await this.#settle([p]);
    }
  }
}
