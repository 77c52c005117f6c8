// Hash lists on disk: <dataDir>/hashlists/<name>/{manifest.json, hashes.bin}. An import is parsed and
// validated in full, written to a temporary directory and renamed into place, so a bad file never
// leaves half a list behind. The Haven server loads the enabled lists from this same store.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ExactHashSet } from './exact-set';
import { ENTRY_BYTES, LIST_KINDS, ListParser, type LineError, type ListKind } from './list-format';
import { PdqIndex } from './pdq-index';
import type { MatchableList } from './rule';

export interface HashListManifest {
  name: string;
  kind: ListKind;
  /** Where the list came from (free text: an organisation, a URL, a file name). */
  source: string;
  /** ISO 8601. */
  createdAt: string;
  count: number;
  enabled: boolean;
  /** Distinct labels; entry i's label is labels[labelIds[i] - 1] (0: none). */
  labels: string[];
}

export type LoadedHashList =
  | { manifest: HashListManifest; kind: 'pdq'; index: PdqIndex; labelOf(i: number): string | undefined }
  | { manifest: HashListManifest; kind: 'md5' | 'sha256'; set: ExactHashSet; labelOf(i: number): string | undefined };

/** A loaded list as `matchKnownImage` takes it (the one matching rule, `rule.ts`). */
export function matchableOf(l: LoadedHashList): MatchableList {
  return l.kind === 'pdq' ? { name: l.manifest.name, kind: 'pdq', index: l.index } : { name: l.manifest.name, kind: l.kind, set: l.set };
}

export type ImportResult =
  | { ok: true; manifest: HashListManifest }
  | { ok: false; errors: LineError[]; errorCount: number; message: string };

export interface ImportOptions {
  name: string;
  kind?: ListKind;
  source?: string;
  /** Replace an existing list of the same name (atomically). */
  replace?: boolean;
  /** The clock, injected (defaults to now). */
  now?: Date;
  /** Called as lines are read: bytes read so far and the file size. */
  onProgress?: (done: number, total: number) => void;
}

/** Every store error code and what it means. */
export const HASHLIST_ERRORS = {
  'hashlist.not_found': 'There is no hash list of that name.',
  'hashlist.bad_name': 'List names are 1-64 letters, digits, ".", "_" or "-".',
  'hashlist.exists': 'A hash list of that name already exists.',
  'hashlist.corrupt': 'The stored list is damaged.',
} as const;
export type HashListErrorCode = keyof typeof HASHLIST_ERRORS;

/** Raised for store misuse (unknown list, bad name, existing list); bad file content is an ImportResult. */
export class HashListError extends Error {
  constructor(
    readonly code: HashListErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HashListError';
  }
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAGIC = 0x4c484856; // 'VHHL'
const KIND_CODE: Record<ListKind, number> = { pdq: 1, md5: 2, sha256: 3 };

/** Parses manifest.json (data from disk is untrusted like any other input); `undefined` when malformed. */
export function parseManifest(text: string): HashListManifest | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  const ok =
    typeof m.name === 'string' &&
    isValidListName(m.name) &&
    typeof m.kind === 'string' &&
    (LIST_KINDS as readonly string[]).includes(m.kind) &&
    typeof m.source === 'string' &&
    typeof m.createdAt === 'string' &&
    typeof m.count === 'number' &&
    Number.isInteger(m.count) &&
    m.count >= 0 &&
    typeof m.enabled === 'boolean' &&
    Array.isArray(m.labels) &&
    m.labels.every((l) => typeof l === 'string');
  if (!ok) return undefined;
  return {
    name: m.name as string,
    kind: m.kind as ListKind,
    source: m.source as string,
    createdAt: m.createdAt as string,
    count: m.count as number,
    enabled: m.enabled as boolean,
    labels: m.labels as string[],
  };
}

/** Checks a list name: 1-64 characters of letters, digits, `.`, `_`, `-`, not starting with a symbol. */
export function isValidListName(name: string): boolean {
  return NAME_RE.test(name);
}

/**
 * The hash lists in a data directory.
 * @example
 * const store = await HashListStore.open('./data');
 * await store.import('ncmec.csv', { name: 'ncmec', source: 'NCMEC' });
 * const list = await store.load('ncmec'); // list.kind === 'pdq' → list.index.query(hash, 31)
 */
export class HashListStore {
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  static async open(dataDir: string): Promise<HashListStore> {
    const root = join(dataDir, 'hashlists');
    await mkdir(root, { recursive: true });
    return new HashListStore(root);
  }

  #dir(name: string): string {
    if (!isValidListName(name)) throw new HashListError('hashlist.bad_name', `bad list name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-'`);
    return join(this.root, name);
  }

  /** Every list's manifest, by name. */
  async list(): Promise<HashListManifest[]> {
    const out: HashListManifest[] = [];
    for (const entry of await readdir(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory() || !isValidListName(entry.name)) continue;
      try {
        out.push(await this.manifest(entry.name));
      } catch {
        // A directory without a readable manifest is not a list (e.g. an interrupted manual copy).
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async manifest(name: string): Promise<HashListManifest> {
    const dir = this.#dir(name);
    let text: string;
    try {
      text = await readFile(join(dir, 'manifest.json'), 'utf8');
    } catch {
      throw new HashListError('hashlist.not_found', `no hash list named ${JSON.stringify(name)}`);
    }
    const m = parseManifest(text);
    if (!m || m.name !== name) throw new HashListError('hashlist.corrupt', `hash list ${name}: manifest.json is malformed`);
    return m;
  }

  /**
   * Validates every line of a file (a path, or lines from any stream) and stores it as a list; on any
   * bad line nothing is stored.
   */
  async import(input: string | AsyncIterable<string>, options: ImportOptions): Promise<ImportResult> {
    const dir = this.#dir(options.name);
    const exists = await stat(dir).then(() => true, () => false);
    if (exists && !options.replace) throw new HashListError('hashlist.exists', `a hash list named ${options.name} already exists`);
    const path = typeof input === 'string' ? input : undefined;
    const total = path ? (await stat(path)).size : 0;
    const parser = new ListParser(options.kind);
    let done = 0;
    const lines = path ? createInterface({ input: createReadStream(path), crlfDelay: Infinity }) : (input as AsyncIterable<string>);
    for await (const line of lines) {
      parser.push(line);
      done += line.length + 1;
      if ((parser.linesSeen & 0xffff) === 0) options.onProgress?.(Math.min(done, total), total);
    }
    options.onProgress?.(total || done, total || done);
    const parsed = parser.finish();
    if (!parsed.ok) {
      const first = parsed.errors.map((e) => `line ${e.line}: ${e.message}`).slice(0, 5).join('; ');
      return { ...parsed, message: `${parsed.errorCount} bad line(s), nothing imported: ${first}` };
    }
    const manifest: HashListManifest = {
      name: options.name,
      kind: parsed.kind,
      source: options.source ?? path ?? 'stream',
      createdAt: (options.now ?? new Date()).toISOString(),
      count: parsed.count,
      enabled: true,
      labels: parsed.labels,
    };
    const tmp = join(this.root, `.tmp-${options.name}-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp);
    try {
      await writeFile(join(tmp, 'hashes.bin'), encodeEntries(parsed.kind, parsed.bytes, parsed.count, parsed.labelIds));
      await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      if (exists) {
        const old = join(this.root, `.old-${options.name}-${randomBytes(6).toString('hex')}`);
        await rename(dir, old);
        await rename(tmp, dir);
        await rm(old, { recursive: true, force: true });
      } else {
        await rename(tmp, dir);
      }
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return { ok: true, manifest };
  }

  /** Loads a list into memory: a PdqIndex for PDQ, an ExactHashSet for MD5/SHA-256. */
  async load(name: string): Promise<LoadedHashList> {
    const manifest = await this.manifest(name);
    const bytes = await readFile(join(this.#dir(name), 'hashes.bin'));
    const decoded = decodeEntries(bytes);
    if (!decoded || decoded.kind !== manifest.kind || decoded.count !== manifest.count) {
      throw new HashListError('hashlist.corrupt', `hash list ${name}: hashes.bin does not match its manifest`);
    }
    const { labelIds } = decoded;
    const labelOf = (i: number): string | undefined => {
      const id = labelIds?.[i] ?? 0;
      return id > 0 ? manifest.labels[id - 1] : undefined;
    };
    if (manifest.kind === 'pdq') {
      const words = new Uint16Array(decoded.entries.buffer, decoded.entries.byteOffset, decoded.count * 16);
      return { manifest, kind: 'pdq', index: PdqIndex.fromWords(words, decoded.count), labelOf };
    }
    return { manifest, kind: manifest.kind, set: new ExactHashSet(manifest.kind, decoded.entries, decoded.count), labelOf };
  }

  /** Every enabled list, loaded (what a server matches uploads against). */
  async loadEnabled(): Promise<LoadedHashList[]> {
    const lists = (await this.list()).filter((m) => m.enabled);
    return Promise.all(lists.map((m) => this.load(m.name)));
  }

  async setEnabled(name: string, enabled: boolean): Promise<HashListManifest> {
    const manifest = { ...(await this.manifest(name)), enabled };
    const dir = this.#dir(name);
    const tmp = join(dir, `.manifest-${randomBytes(6).toString('hex')}.json`);
    await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(tmp, join(dir, 'manifest.json'));
    return manifest;
  }

  async remove(name: string): Promise<void> {
    await this.manifest(name);
    await rm(this.#dir(name), { recursive: true, force: true });
  }
}

/** hashes.bin: magic, kind, count, flags (1: labels), then count entries, then count u32 label ids. */
export function encodeEntries(kind: ListKind, entries: Uint8Array, count: number, labelIds: Uint32Array | undefined): Uint8Array {
  const width = ENTRY_BYTES[kind];
  const out = new Uint8Array(16 + count * width + (labelIds ? count * 4 : 0));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, KIND_CODE[kind], true);
  dv.setUint32(8, count, true);
  dv.setUint32(12, labelIds ? 1 : 0, true);
  out.set(entries.subarray(0, count * width), 16);
  if (labelIds) out.set(new Uint8Array(labelIds.buffer, labelIds.byteOffset, count * 4), 16 + count * width);
  return out;
}

export function decodeEntries(bytes: Uint8Array): { kind: ListKind; count: number; entries: Uint8Array; labelIds: Uint32Array | undefined } | undefined {
  if (bytes.length < 16) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (dv.getUint32(0, true) !== MAGIC) return undefined;
  const kind = LIST_KINDS.find((k) => KIND_CODE[k] === dv.getUint32(4, true));
  if (!kind) return undefined;
  const count = dv.getUint32(8, true);
  const hasLabels = dv.getUint32(12, true) === 1;
  const width = ENTRY_BYTES[kind];
  if (bytes.length !== 16 + count * width + (hasLabels ? count * 4 : 0)) return undefined;
  // Views when 4-byte aligned (a whole file read into its own buffer is), else aligned copies:
  // typed-array views need alignment. (new Uint8Array(view) copies; Buffer#slice would not.)
  const aligned = bytes.byteOffset % 4 === 0;
  const body = bytes.subarray(16, 16 + count * width);
  const entries = aligned ? new Uint8Array(body.buffer, body.byteOffset, body.length) : new Uint8Array(body);
  const tail = bytes.subarray(16 + count * width);
  const labelIds = !hasLabels ? undefined : aligned ? new Uint32Array(tail.buffer, tail.byteOffset, count) : new Uint32Array(new Uint8Array(tail).buffer);
  return { kind, count, entries, labelIds };
}
