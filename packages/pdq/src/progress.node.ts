// A one-line progress bar on stderr, drawn only when stderr is a terminal (never in logs or pipes).
import type { WriteStream } from 'node:tty';

export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

/**
 * @example const bar = progressBar('importing'); bar.update(50, 100); bar.finish();
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress {
  const tty = (stream as WriteStream).isTTY === true;
  let last = 0;
  let drawn = false;
  return {
    update(done, total) {
      if (!tty) return;
      const t = now();
      if (t - last < 100 && done < total) return;
      last = t;
      const width = 30;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const fill = Math.round(frac * width);
      stream.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}%`);
      drawn = true;
    },
    finish() {
      if (tty && drawn) stream.write('\n');
    },
  };
}
