import { readFileSync, rmSync, writeFileSync } from 'node:fs';

// PGlite is one process's database: a second process opening the same directory would corrupt it.
// A pid file next to it keeps `haven admin` and a second `haven serve` out while a server runs.

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock at `path` (or throws naming the holder); returns the function that releases it. */
export function lockDirectory(path: string, what: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new Error(`${what} is in use by process ${holder} (a running Haven server?); stop it first, or use PostgreSQL for several processes`);
      }
      // The holder died (kill -9, power loss): the lock is stale.
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock ${what}`);
}
