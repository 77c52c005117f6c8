import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HavenError } from '@haven/protocol';

/** A blob written to a temporary file, measured and hashed, not yet committed. */
export interface StagedBlob {
  tmpPath: string;
  /** Bytes uploaded (before sealing). */
  size: number;
  /** SHA-256 (hex) of the bytes uploaded (before sealing). */
  sha256: string;
}

/**
 * Blobs on disk under `<dataDir>/media/<id[0..2]>/<id>`. Uploads stream to a temporary file (never held
 * whole in memory), are counted against a limit as they arrive, hashed, passed through `seal` (the
 * server key, issue 13, 7: nothing lands on disk in the clear, not even while inspectors look at it),
 * then renamed into place. Generic: it neither knows nor cares whether the bytes are ciphertext (e2ee)
 * or plaintext (visible, scanned by inspectors before commit).
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

  /** Streams `source` through `seal` to a temporary file; `media.too_large` (and nothing kept) past `maxBytes`. */
  async stage(source: Readable, maxBytes: number, seal: Transform): Promise<StagedBlob> {
    const tmpDir = join(this.dir, 'tmp');
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmpPath = join(tmpDir, `${randomUUID()}.part`);
    const out = createWriteStream(tmpPath, { mode: 0o600 });
    const written = pipeline(seal, out);
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
        if (!seal.write(buf)) await once(seal, 'drain');
      }
      seal.end();
      await written;
      if (tooLarge) throw new HavenError('media.too_large', `The file is larger than this server accepts (${maxBytes} bytes).`);
    } catch (e) {
      seal.destroy();
      out.destroy();
      await written.catch(() => undefined);
      await rm(tmpPath, { force: true });
      throw e;
    }
    return { tmpPath, size, sha256: hash.digest('hex') };
  }

  /** A staged file's bytes, whole, through `open` (for inspectors, which are given a size limit). */
  async readStaged(staged: StagedBlob, open: Transform): Promise<Buffer> {
    const parts: Buffer[] = [];
    await pipeline(createReadStream(staged.tmpPath), open, async function* (src: AsyncIterable<Buffer>) {
      for await (const b of src) parts.push(b);
    });
    return Buffer.concat(parts);
  }

  async commit(staged: StagedBlob, id: string): Promise<void> {
    const final = this.path(id);
    await mkdir(join(this.dir, id.slice(0, 2)), { recursive: true, mode: 0o700 });
    await rename(staged.tmpPath, final);
  }

  async discard(staged: StagedBlob): Promise<void> {
    await rm(staged.tmpPath, { force: true });
  }

  /**
   * The stored bytes as they were uploaded: through `open` (sealed files), or as they lie (files stored
   * before sealing, `media.sealed = false`). A damaged or altered sealed file fails the stream.
   */
  async open(id: string, open?: Transform): Promise<Readable> {
    const p = this.path(id);
    const st = await stat(p).catch(() => undefined);
    if (!st) throw new HavenError('media.not_found');
    const file = createReadStream(p);
    if (!open) return file;
    file.on('error', (e) => open.destroy(e));
    return file.pipe(open);
  }
}

export const mediaDirOf = (dataDir: string): string => join(dataDir, 'media');
