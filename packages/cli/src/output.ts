import { HavenError } from '@haven/protocol';

/** Exit codes: 0 done, 1 refused or failed, 2 usage or configuration error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake in how the command was called (missing option, malformed value): exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Prints an error as a person should read it and exits non-zero: a refusal with its sentence and code
 * (exit 1; `request.*` means the input was wrong, exit 2, except rate limits), a usage mistake (exit 2),
 * anything else by its message only. Stack traces only with HAVEN_DEBUG=1: they help developers, not users.
 */
export function exitWithError(e: unknown): never {
  if (process.env.HAVEN_DEBUG === '1' && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  if (e instanceof HavenError) {
    process.stderr.write(`haven: ${e.message} (${e.code})\n`);
    for (const line of helpLines(e.help)) process.stderr.write(`  ${line}\n`);
    process.exit(e.code.startsWith('request.') && e.code !== 'request.rate_limited' ? EXIT.usage : EXIT.failed);
  }
  if (e instanceof UsageError) {
    process.stderr.write(`haven: ${e.message}\n`);
    process.exit(EXIT.usage);
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`haven: ${msg}\n`);
  process.exit(EXIT.failed);
}

/** One JSON value on one line (JSON lines for streams, one document otherwise). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Columns padded to the widest cell, for readable listings. */
export function printTable(rows: string[][]): void {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  for (const r of rows) printLine(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/**
 * Help resources a refusal or safety event carries (Childline, the NSPCC helpline…), as lines for
 * people. The shape is the server's; anything unexpected is shown as JSON rather than dropped.
 */
export function helpLines(help: unknown): string[] {
  if (help === undefined || help === null) return [];
  if (Array.isArray(help)) return help.flatMap((h) => helpLines(h));
  if (typeof help === 'string') return [help];
  if (typeof help === 'object') {
    const o = help as Record<string, unknown>;
    if (Array.isArray(o.resources)) {
      const lead = [o.message, o.headline].filter((v): v is string => typeof v === 'string' && v !== '');
      return [...lead, ...helpLines(o.resources)];
    }
    const parts = ['name', 'title', 'contact', 'description', 'phone', 'text', 'url', 'chat']
      .map((k) => o[k])
      .filter((v): v is string => typeof v === 'string' && v !== '');
    if (parts.length) return [`Help: ${parts.join(' · ')}`];
  }
  return [`Help: ${JSON.stringify(help)}`];
}
