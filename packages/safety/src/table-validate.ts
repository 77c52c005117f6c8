import type { Result } from '@haven/protocol';
// The browser build: self-contained (no Node `Buffer`), so this file runs anywhere, as the package must.
import { parse } from 'csv-parse/browser/esm/sync';
import { decodeText } from './text-decode';
import { forceBucketName, forceFromName, forceNameKey, type ForceBucket } from './police-forces';

// Checks a table of figures by police force published by someone else (V1–V9 in SPEC.md): the shape
// child-protection charities publish from freedom-of-information answers. It reports only what it can
// prove; "Not provided" is a missing value, never 0.

/** A value: an exact count, a range (`<5` is 0–4), or not provided. */
export type TableValue = { readonly lo: number; readonly hi: number } | 'not provided';

export interface TableRow {
  /** Line in the file (1 is the header). */
  readonly line: number;
  readonly name: string;
  /** The force or region the name means; null when it names none. */
  readonly code: ForceBucket | null;
  readonly values: Readonly<Record<string, TableValue>>;
}

interface FindingBase {
  /** `inconsistency`: proved wrong (exit 1); `note`: worth knowing, not wrong. */
  readonly severity: 'inconsistency' | 'note';
  readonly line: number;
  readonly message: string;
}

export type Finding =
  | (FindingBase & { readonly kind: 'unknown_force'; readonly name: string })
  | (FindingBase & { readonly kind: 'duplicate_force'; readonly name: string; readonly code: string; readonly firstLine: number })
  | (FindingBase & { readonly kind: 'not_provided'; readonly name: string; readonly columns: readonly string[] })
  | (FindingBase & { readonly kind: 'row_exceeds_total'; readonly name: string; readonly total: string; readonly parts: string; readonly difference: number })
  | (FindingBase & {
      readonly kind: 'total_mismatch';
      readonly column: string;
      readonly stated: string;
      readonly sum: string;
      /** stated − sum (for ranges, the smallest gap). */
      readonly difference: number;
      readonly rowsSummed: number;
      readonly notProvided: readonly string[];
    });

export interface ColumnShare {
  readonly column: string;
  readonly count: number;
  /** Percent of the recorded, one decimal. */
  readonly percent: number;
}

export interface TableShares {
  /** Sum of the platform columns over the rows that gave every platform column exactly. */
  readonly recorded: number;
  /** Sum of the total column over the same rows, when it has one. */
  readonly ofTotal: number | null;
  readonly rows: number;
  readonly shares: readonly ColumnShare[];
  readonly sentence: string;
}

export interface TableValidation {
  readonly forceColumn: string;
  readonly totalColumn: string | null;
  /** Columns that split the total (surfaces, platforms): their sum may not exceed the row's total. */
  readonly platformColumns: readonly string[];
  /** Other counts (referrals, appeals…): checked against the total row only. */
  readonly otherColumns: readonly string[];
  readonly rows: readonly TableRow[];
  readonly totalRows: readonly TableRow[];
  readonly findings: readonly Finding[];
  readonly inconsistent: boolean;
  readonly shares: TableShares | null;
}

export interface TableError {
  readonly message: string;
  readonly line?: number;
  readonly column?: string;
}

const NOT_PROVIDED = /^(not provided|n\/?a|not available|no data|not known|unknown|[-–—]|\.\.)$/i;
const TOTAL_ROW = /\btotal\b|^all forces$/i;
const IGNORED_COLUMN = /^(code|ons code|pfa code|force code|area code)$/i;
const PERCENT_COLUMN = /%|percent|rate|share/i;
const OTHER_COLUMN = /referr|appeal|restor|proactive|content actioned/i;

const show = (v: { lo: number; hi: number }): string => (v.lo === v.hi ? String(v.lo) : `${v.lo}–${v.hi}`);
const gap = (a: { lo: number; hi: number }, b: { lo: number; hi: number }): number => (a.hi < b.lo ? a.hi - b.lo : a.lo > b.hi ? a.lo - b.hi : 0);
const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));
const percent = (part: number, whole: number): number => Math.round((part / whole) * 1000) / 10;

function value(raw: string | undefined, line: number, name: string, column: string): Result<TableValue, TableError> {
  const s = (raw ?? '').trim();
  if (s === '' || NOT_PROVIDED.test(s)) return { ok: true, value: 'not provided' };
  const where = `row ${line} ("${name}"), column "${column}"`;
  let m: RegExpExecArray | null;
  if ((m = /^<\s*(\d+)$/.exec(s))) return { ok: true, value: { lo: 0, hi: Math.max(0, Number(m[1]) - 1) } };
  if (/^\d{1,3}(,\d{3})+$|^\d+$/.test(s)) {
    const n = Number(s.replace(/,/g, ''));
    if (Number.isSafeInteger(n)) return { ok: true, value: { lo: n, hi: n } };
  }
  if (/^-\s*\d/.test(s)) return { ok: false, error: { message: `${where}: "${s}" is negative; a count cannot be`, line, column } };
  return { ok: false, error: { message: `${where}: "${s}" is not a count (a whole number, "Not provided" or "<5")`, line, column } };
}

/** Reads the CSV into records with their line numbers, or says why it cannot (V8). */
function records(text: string): Result<{ line: number; cells: string[] }[], TableError> {
  try {
    const out = parse(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      comment: '#',
      comment_no_infix: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    return { ok: true, value: out.map((r) => ({ line: r.info.lines, cells: r.record })) };
  } catch (e) {
    const err = e as { message?: string; lines?: number };
    return { ok: false, error: { message: `the file is not valid CSV: ${err.message ?? String(e)}`, ...(err.lines ? { line: err.lines } : {}) } };
  }
}

/**
 * Checks a published table (V1–V9): text, or the file's bytes (UTF-8; UTF-16 and Latin-1 are refused
 * with a message that says so). `ok: false` only when the table cannot be read at all.
 * @example validatePublishedTable('Police Force,Total,Groups\nKent,5,6\n') // finding row_exceeds_total
 */
export function validatePublishedTable(input: string | Uint8Array): Result<TableValidation, TableError> {
  const text = typeof input === 'string' ? { ok: true as const, value: input.replace(/^\uFEFF/, '') } : decodeText(input);
  if (!text.ok) return text;
  if (text.value.trim() === '') return { ok: false, error: { message: 'the file is empty' } };
  const recs = records(text.value);
  if (!recs.ok) return recs;
  const [header, ...body] = recs.value;
  if (!header || header.cells.length < 2) return { ok: false, error: { message: 'the header needs a force column and at least one column of counts', line: header?.line ?? 1 } };
  if (body.length === 0) return { ok: false, error: { message: 'the table has a header but no rows', line: header.line } };

  const names = header.cells.map((c) => c.trim());
  const forceColumn = names[0]!;
  const seen = new Map<string, number>();
  for (const n of names) {
    if (seen.has(n.toLowerCase())) return { ok: false, error: { message: `the header names column "${n}" twice`, line: header.line, column: n } };
    seen.set(n.toLowerCase(), 1);
  }
  const counted = names.slice(1).filter((n) => !IGNORED_COLUMN.test(n) && !PERCENT_COLUMN.test(n));
  const totalColumn = counted.find((n) => /total/i.test(n)) ?? null;
  const platformColumns = counted.filter((n) => n !== totalColumn && !OTHER_COLUMN.test(n));
  const otherColumns = counted.filter((n) => n !== totalColumn && OTHER_COLUMN.test(n));
  const index = new Map(names.map((n, i) => [n, i]));

  const findings: Finding[] = [];
  const rows: TableRow[] = [];
  const totalRows: TableRow[] = [];
  let covered: TableRow[] = [];
  const firstByKey = new Map<string, TableRow>();

  for (const rec of body) {
    const name = (rec.cells[0] ?? '').trim();
    if (name === '') return { ok: false, error: { message: `row ${rec.line} has no force name in column "${forceColumn}"`, line: rec.line, column: forceColumn } };
    if (rec.cells.length > names.length) {
      return { ok: false, error: { message: `row ${rec.line} ("${name}") has ${rec.cells.length} cells but the header has ${names.length} columns`, line: rec.line } };
    }
    const values: Record<string, TableValue> = {};
    for (const c of counted) {
      const v = value(rec.cells[index.get(c)!], rec.line, name, c);
      if (!v.ok) return v;
      values[c] = v.value;
    }
    const isTotal = TOTAL_ROW.test(name);
    const row: TableRow = { line: rec.line, name, code: isTotal ? null : (forceFromName(name) ?? null), values };
    const missing = counted.filter((c) => values[c] === 'not provided');

    if (isTotal) {
      totalRows.push(row);
      checkTotalRow(row, covered, counted, findings);
      covered = [];
      continue;
    }
    rows.push(row);
    covered.push(row);
    // V3: a name that means no force; V4: the same force twice, in any spelling.
    if (row.code === null) {
      findings.push({ kind: 'unknown_force', severity: 'inconsistency', line: row.line, name, message: `row ${row.line}: "${name}" is not a police force of England and Wales, British Transport Police or a known region` });
    }
    const key = row.code ?? `name:${forceNameKey(name)}`;
    const first = firstByKey.get(key);
    if (first) {
      findings.push({
        kind: 'duplicate_force', severity: 'inconsistency', line: row.line, name, code: row.code ?? '', firstLine: first.line,
        message: `row ${row.line}: "${name}" is the same force as row ${first.line} ("${first.name}")${row.code ? `, ${forceBucketName(row.code)} (${row.code})` : ''}`,
      });
    } else {
      firstByKey.set(key, row);
    }
    // V6: not provided is never 0.
    if (missing.length) {
      findings.push({
        kind: 'not_provided', severity: 'note', line: row.line, name, columns: missing,
        message: `row ${row.line} ("${name}"): not provided for ${missing.map((c) => `"${c}"`).join(', ')}; left out of sums and shares, never counted as 0`,
      });
    }
    // V2: the platform columns of a row cannot add up to more than its own total.
    const total = totalColumn ? values[totalColumn] : undefined;
    const parts = platformColumns.map((c) => values[c]!).filter((v): v is { lo: number; hi: number } => v !== 'not provided');
    if (total && total !== 'not provided' && parts.length) {
      const sum = { lo: parts.reduce((a, p) => a + p.lo, 0), hi: parts.reduce((a, p) => a + p.hi, 0) };
      if (sum.lo > total.hi) {
        findings.push({
          kind: 'row_exceeds_total', severity: 'inconsistency', line: row.line, name, total: show(total), parts: show(sum), difference: sum.lo - total.hi,
          message: `row ${row.line} ("${name}"): ${platformColumns.map((c) => `"${c}"`).join(' + ')} = ${show(sum)}, more than its "${totalColumn}" of ${show(total)} (by ${sum.lo - total.hi})`,
        });
      }
    }
  }

  return {
    ok: true,
    value: {
      forceColumn, totalColumn, platformColumns, otherColumns, rows, totalRows, findings,
      inconsistent: findings.some((f) => f.severity === 'inconsistency'),
      shares: shares(rows, totalColumn, platformColumns),
    },
  };
}

/** V1: each column of a total row against the sum of the rows it covers (those since the previous total row). */
function checkTotalRow(row: TableRow, covered: readonly TableRow[], counted: readonly string[], findings: Finding[]): void {
  for (const c of counted) {
    const stated = row.values[c]!;
    if (stated === 'not provided') continue;
    const given = covered.filter((r) => r.values[c] !== 'not provided');
    const notProvided = covered.filter((r) => r.values[c] === 'not provided').map((r) => r.name);
    const sum = given.reduce((a, r) => {
      const v = r.values[c] as { lo: number; hi: number };
      return { lo: a.lo + v.lo, hi: a.hi + v.hi };
    }, { lo: 0, hi: 0 });
    const d = gap(stated, sum);
    if (d === 0) continue;
    const left = notProvided.length ? `; ${notProvided.length} not provided (${notProvided.join(', ')}), not counted as 0` : '';
    findings.push({
      kind: 'total_mismatch', severity: 'inconsistency', line: row.line, column: c, stated: show(stated), sum: show(sum), difference: d, rowsSummed: given.length, notProvided,
      message: `row ${row.line} ("${row.name}"), column "${c}": the total says ${show(stated)} but the ${given.length} rows it covers add up to ${show(sum)} (difference ${signed(d)})${left}`,
    });
  }
}

/** V7: shares of each platform column among the incidents where the platform was recorded. */
function shares(rows: readonly TableRow[], totalColumn: string | null, platformColumns: readonly string[]): TableShares | null {
  if (platformColumns.length === 0) return null;
  const exact = (v: TableValue | undefined): v is { lo: number; hi: number } => v !== undefined && v !== 'not provided' && v.lo === v.hi;
  const used = rows.filter((r) => platformColumns.every((c) => exact(r.values[c])));
  const counts = platformColumns.map((c) => used.reduce((a, r) => a + (r.values[c] as { lo: number }).lo, 0));
  const recorded = counts.reduce((a, n) => a + n, 0);
  const ofTotal = totalColumn && used.every((r) => exact(r.values[totalColumn])) ? used.reduce((a, r) => a + (r.values[totalColumn] as { lo: number }).lo, 0) : null;
  const list = platformColumns.map((c, i) => ({ column: c, count: counts[i]!, percent: recorded ? percent(counts[i]!, recorded) : 0 }));
  const coverage = ofTotal !== null && ofTotal > 0 ? ` (${percent(recorded, ofTotal).toFixed(1)}% of the ${ofTotal} in "${totalColumn}" of those rows)` : '';
  const sentence = recorded
    ? `Of the ${recorded} where the platform was recorded${coverage}, ${list.map((s) => `${s.percent.toFixed(1)}% were ${s.column}`).join(', ')}; from ${used.length} of ${rows.length} rows.`
    : `No row records the platform.`;
  return { recorded, ofTotal, rows: used.length, shares: list, sentence };
}

/** The findings and shares as lines of text, for a terminal (the CLI's `haven stats validate`). */
export function tableValidationText(v: TableValidation): string {
  const known = v.rows.filter((r) => r.code !== null).length;
  const lines = [
    `${v.rows.length} rows (${known} name a known force or region), ${v.totalRows.length} total row${v.totalRows.length === 1 ? '' : 's'}; total column: ${v.totalColumn ? `"${v.totalColumn}"` : 'none'}; platform columns: ${v.platformColumns.map((c) => `"${c}"`).join(', ') || 'none'}`,
    ...v.findings.map((f) => `${f.severity === 'inconsistency' ? 'INCONSISTENT' : 'note'}: ${f.message}`),
  ];
  if (v.shares) lines.push(`shares: ${v.shares.sentence}`);
  const n = v.findings.filter((f) => f.severity === 'inconsistency').length;
  lines.push(n ? `${n} inconsistenc${n === 1 ? 'y' : 'ies'} found.` : 'No inconsistency found.');
  return lines.join('\n') + '\n';
}
