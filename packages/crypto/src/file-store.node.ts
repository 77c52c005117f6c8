// A StateStore in a directory, for Node: one file per key, mode 0600 in a 0700 directory. `put` writes a
// temporary file, fsyncs it, renames it over the old one and fsyncs the directory, so a crash at any
// point leaves either the old value or the new one.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, unlink, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { assertStateKey, type StateStore } from './state-store';

const SUFFIX = '.state';
const TMP = '.tmp';

export class FileStateStore implements StateStore {
  private constructor(readonly dir: string) {}

  /** Opens (creating) the directory and removes temporary files a crash left behind. */
  static async open(dir: string): Promise<FileStateStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    for (const f of await readdir(dir)) {
      if (f.endsWith(TMP)) await unlink(join(dir, f)).catch(() => undefined);
    }
    return new FileStateStore(dir);
  }

  #path(key: string): string {
    assertStateKey(key);
    return join(this.dir, key + SUFFIX);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.#path(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const target = this.#path(key);
    const tmp = join(this.dir, `.${key}.${randomBytes(6).toString('hex')}${TMP}`);
    try {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(value);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await this.#syncDir();
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.#path(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return;
    }
    await this.#syncDir();
  }

  async list(prefix: string): Promise<string[]> {
    return (await readdir(this.dir))
      .filter((f) => f.endsWith(SUFFIX) && !f.startsWith('.'))
      .map((f) => f.slice(0, -SUFFIX.length))
      .filter((k) => k.startsWith(prefix))
      .sort();
  }

  // The rename is durable only once the directory entry is on disk.
  async #syncDir(): Promise<void> {
    const d = await open(this.dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
