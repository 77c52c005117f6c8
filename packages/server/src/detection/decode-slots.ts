import { HavenError } from '@haven/protocol';

/**
 * A small pool for image decoding (issue 13, item 14): at most `concurrency` decodes run at once, up to
 * `queue` wait in order, and anything beyond is refused at once with `server.busy` rather than queued
 * without bound. Work waiting here holds no image bytes: callers read the file inside `run`.
 * @example await slots.run(async () => hash(await readFile(path)));
 */
export class DecodeSlots {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {}

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.concurrency) {
      if (this.#waiting.length >= this.queue) throw new HavenError('server.busy');
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next in line; otherwise it is freed.
      if (next) next();
      else this.#running--;
    }
  }
}

const pools = new WeakMap<object, DecodeSlots>();

/** The server's one decode pool (config `media.decodeConcurrency` / `media.decodeQueue`). */
export function decodeSlotsOf(s: { config: { media: { decodeConcurrency: number; decodeQueue: number } } }): DecodeSlots {
  let p = pools.get(s);
  if (!p) pools.set(s, (p = new DecodeSlots(s.config.media.decodeConcurrency, s.config.media.decodeQueue)));
  return p;
}
