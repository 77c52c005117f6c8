import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HavenError } from '@haven/protocol';

/** A blob written to a temporary file, measured and hashed, not yet committed. */
export interface StagedBlob {
  tmpPath: string;
  size: number;
  /** SHA-256 (hex) of the stored bytes. */
  sha256: string;
}

/**
 * Blobs on disk under `<dataDir>/media/<id[0..2]>/<id>`. Uploads stream to a temporary file (never held
 * whole in memory), are counted against a limit as they arrive, hashed, then renamed into place. Generic:
 * it neither knows nor cares whether the bytes are ciphertext (e2ee) or plaintext (visible, scanned by
 * inspectors before commit).
 * @example const staged = await store.stage(req.raw, maxBytes); await store.commit(staged, id);
 */
/** How much of an over-limit upload is read and discarded before the connection is dropped. */
const DRAIN_MARGIN = 16 * 1024 * 1024;

export class MediaStore {
  constructor(readonly dir: string) {}

  path(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new HavenError('media.not_found');
    return join(this.dir, id.slice(0, 2), id);
  }

  /** Streams `source` to a temporary file; `media.too_large` (and nothing kept) past `maxBytes`. */
  async stage(source: Readable, maxBytes: number): Promise<StagedBlob> {
    const tmpDir = join(this.dir, 'tmp');
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmpPath = join(tmpDir, `${randomUUID()}.part`);
    const out = createWriteStream(tmpPath, { mode: 0o600 });
    const hash = createHash('sha256');
    let size = 0;
    let tooLarge = false;
    try {
      for await (const chunk of source) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > maxBytes) {
          // Read on (discarding) so the client can be told why; give up on the connection past a margin.
          tooLarge = true;
          if (size > maxBytes + DRAIN_MARGIN) break;
          continue;
        }
        hash.update(buf);
        if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      if (tooLarge) throw new HavenError('media.too_large', `The file is larger than this server accepts (${maxBytes} bytes).`);
    } catch (e) {
      out.destroy();
      await rm(tmpPath, { force: true });
      throw e;
    }
    return { tmpPath, size, sha256: hash.digest('hex') };
  }

  async commit(staged: StagedBlob, id: string): Promise<void> {
    const final = this.path(id);
    await mkdir(join(this.dir, id.slice(0, 2)), { recursive: true, mode: 0o700 });
    await rename(staged.tmpPath, final);
  }

  async discard(staged: StagedBlob): Promise<void> {
    await rm(staged.tmpPath, { force: true });
  }

  async open(id: string): Promise<{ stream: ReadStream; size: number }> {
    const p = this.path(id);
    const st = await stat(p).catch(() => undefined);
    if (!st) throw new HavenError('media.not_found');
    return { stream: createReadStream(p), size: st.size };
  }
}

export const mediaDirOf = (dataDir: string): string => join(dataDir, 'media');
