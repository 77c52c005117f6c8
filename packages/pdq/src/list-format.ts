// Parsing hash-list files, one line at a time (pure: the caller streams the lines in). Accepted:
// one hex hash per line, or CSV whose first column is the hash and whose second column (or the column
// named `label` when there is a header) is a label. Blank lines and lines starting with `#` are skipped.
// Every line is validated; nothing is returned as a list unless every line is good.
import { DIGEST_BYTES, parseDigestHex, type ExactKind } from './exact-set';
import { parsePdqHex, pdqWordsFromHex, PDQ_WORDS } from './hash256';

export const LIST_KINDS = ['pdq', 'md5', 'sha256'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

/** Bytes per entry in the binary form. */
export const ENTRY_BYTES = { pdq: 32, ...DIGEST_BYTES } as const satisfies Record<ListKind, number>;

export interface LineError {
  line: number;
  message: string;
}

export type ParsedList =
  | { ok: true; kind: ListKind; count: number; bytes: Uint8Array; labelIds: Uint32Array | undefined; labels: string[] }
  | { ok: false; errors: LineError[]; errorCount: number };

/** At most this many bad lines are listed (all are counted). */
const MAX_LISTED_ERRORS = 50;

/**
 * The kind a bare hash implies: 32 hex digits are MD5; 64 are PDQ unless the caller says SHA-256
 * (the two cannot be told apart by their text).
 */
export function kindOfHashText(text: string): ListKind | undefined {
  if (/^[0-9a-fA-F]{32}$/.test(text)) return 'md5';
  if (/^[0-9a-fA-F]{64}$/.test(text)) return 'pdq';
  return undefined;
}

function splitCsv(line: string): string[] {
  return line.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
}

/**
 * Streaming parser for a hash list.
 * @example
 * const p = new ListParser();
 * for (const line of text.split('\n')) p.push(line);
 * const list = p.finish(); // { ok: true, kind: 'pdq', count, bytes, labels, labelIds }
 */
export class ListParser {
  #kind: ListKind | undefined;
  #lineNo = 0;
  #seenContent = false;
  #hashCol = 0;
  #labelCol = 1;
  #count = 0;
  #bytes = new Uint8Array(1024 * 32);
  #labelIds = new Uint32Array(1024);
  #labels = new Map<string, number>();
  #errors: LineError[] = [];
  #errorCount = 0;
  #words = new Uint16Array(PDQ_WORDS);

  constructor(kind?: ListKind) {
    this.#kind = kind;
  }

  #error(message: string): void {
    this.#errorCount++;
    if (this.#errors.length < MAX_LISTED_ERRORS) this.#errors.push({ line: this.#lineNo, message });
  }

  /** Takes the next line (without its newline). */
  push(rawLine: string): void {
    this.#lineNo++;
    const line = rawLine.replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = splitCsv(line);
    const first = fields[0] ?? '';
    if (!this.#seenContent) {
      this.#seenContent = true;
      if (!kindOfHashText(first)) {
        if (this.#header(fields)) return;
      }
    }
    const text = fields[this.#hashCol] ?? '';
    const detected = kindOfHashText(text);
    if (!this.#kind) {
      if (!detected) return this.#error(`not a hash: expected 64 hex digits (PDQ or SHA-256) or 32 (MD5), got ${JSON.stringify(text.slice(0, 80))}`);
      this.#kind = detected;
    }
    const kind = this.#kind;
    const width = ENTRY_BYTES[kind];
    if (this.#bytes.length < (this.#count + 1) * width) this.#growTo(this.#count + 1);
    const at = this.#count * width;
    if (kind === 'pdq') {
      const hex = parsePdqHex(text);
      if (!hex) return this.#error(`not a PDQ hash (64 hex digits): ${JSON.stringify(text.slice(0, 80))}`);
      pdqWordsFromHex(hex, this.#words);
      this.#bytes.set(new Uint8Array(this.#words.buffer), at);
    } else {
      const d = parseDigestHex(kind as ExactKind, text);
      if (!d) return this.#error(`not ${kind === 'md5' ? 'an MD5' : 'a SHA-256'} hash (${width * 2} hex digits): ${JSON.stringify(text.slice(0, 80))}`);
      this.#bytes.set(d, at);
    }
    const label = fields[this.#labelCol];
    let id = 0;
    if (label) {
      id = this.#labels.get(label) ?? 0;
      if (id === 0) {
        id = this.#labels.size + 1;
        this.#labels.set(label, id);
      }
    }
    this.#labelIds[this.#count] = id;
    this.#count++;
  }

  /** A first line that is not a hash must be a CSV header naming the hash column. */
  #header(fields: string[]): boolean {
    const names = fields.map((f) => f.toLowerCase());
    const hashCol = names.findIndex((n) => n === 'hash' || n === 'pdq' || n === 'md5' || n === 'sha256' || n === 'signal_value');
    if (hashCol < 0) return false;
    this.#hashCol = hashCol;
    const named = names[hashCol]!;
    if (!this.#kind && (named === 'pdq' || named === 'md5' || named === 'sha256')) this.#kind = named;
    const labelCol = names.indexOf('label');
    this.#labelCol = labelCol >= 0 ? labelCol : -1;
    return true;
  }

  #growTo(n: number): void {
    const width = ENTRY_BYTES[this.#kind ?? 'pdq'];
    let cap = Math.max(1024, this.#labelIds.length);
    while (cap < n) cap *= 2;
    const b = new Uint8Array(cap * width);
    b.set(this.#bytes.subarray(0, this.#count * width));
    const l = new Uint32Array(cap);
    l.set(this.#labelIds.subarray(0, this.#count));
    this.#bytes = b;
    this.#labelIds = l;
  }

  get linesSeen(): number {
    return this.#lineNo;
  }

  /** The parsed list, or every bad line (the first 50 listed). An empty list is an error. */
  finish(): ParsedList {
    if (this.#errorCount > 0) return { ok: false, errors: this.#errors, errorCount: this.#errorCount };
    if (this.#count === 0 || !this.#kind) return { ok: false, errors: [{ line: this.#lineNo, message: 'no hashes in the file' }], errorCount: 1 };
    const width = ENTRY_BYTES[this.#kind];
    const hasLabels = this.#labels.size > 0;
    return {
      ok: true,
      kind: this.#kind,
      count: this.#count,
      bytes: this.#bytes.slice(0, this.#count * width),
      labelIds: hasLabels ? this.#labelIds.slice(0, this.#count) : undefined,
      labels: [...this.#labels.keys()],
    };
  }
}
