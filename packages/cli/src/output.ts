import { HavenError } from '@haven/protocol';
import { EXIT, UsageError } from './exit';

export { EXIT, UsageError };

/**
 * Prints an error as a person should read it and exits non-zero: a refusal with its sentence and code
 * (exit 1; `request.*` means the input was wrong, exit 2, except rate limits), a usage mistake (exit 2),
 * anything else by its message only. Stack traces only with HAVEN_DEBUG=1: they help developers, not users.
 */
export function exitWithError(e: unknown): never {
  if (process.env.HAVEN_DEBUG === '1' && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  if (e instanceof HavenError) {
    printError(`haven: ${e.message} (${e.code})`);
    for (const line of helpLines(e.help)) printError(`  ${line}`);
    process.exit(e.code.startsWith('request.') && e.code !== 'request.rate_limited' ? EXIT.usage : EXIT.failed);
  }
  if (e instanceof UsageError) {
    printError(`haven: ${e.message}`);
    process.exit(EXIT.usage);
  }
  const msg = e instanceof Error ? e.message : String(e);
  printError(`haven: ${msg}`);
  process.exit(EXIT.failed);
}

// Characters that can drive or deceive a terminal: C0/C1 controls (ESC starts CSI and OSC sequences that
// clear the screen, set the title or write files; 0x9b is a one-byte CSI), and format characters (bidi
// overrides, zero-width spaces, soft hyphens) and line separators that reorder or hide text. A zero-width
// joiner right after an emoji is part of the emoji and stays.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|(?<!\p{Extended_Pictographic}\u{fe0f}?)\u200d|(?!\u200d)\p{Cf}/gu;

const escapeChar = (c: string): string => {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  const cp = c.codePointAt(0)!;
  return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
};

/**
 * Untrusted text (message text, names, titles, server messages) made safe to print: every control,
 * bidi and invisible character is shown as a visible escape (`\x1b`, `\n`, `\u{202e}`), so text can
 * neither run terminal escape sequences nor pass itself off as other output. The one sanitizer every
 * human-readable line of this CLI goes through (printLine, printTable, printError).
 * @example terminalSafe('hi\x1b]0;pwned\x07') === 'hi\\x1b]0;pwned\\x07'
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** One JSON value on one line (JSON lines for streams, one document otherwise); C1 and format characters escaped too. */
export function printJson(value: unknown): void {
  // JSON.stringify escapes C0 controls only; the rest are written as \uXXXX, still the same JSON value.
  const json = JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\p{Cf}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  process.stdout.write(`${json}\n`);
}

/** One line for people on stdout; untrusted parts are made safe by {@link terminalSafe}. */
export function printLine(line = ''): void {
  process.stdout.write(`${terminalSafe(line)}\n`);
}

/** One line for people on stderr, made safe like {@link printLine}. */
export function printError(line: string): void {
  process.stderr.write(`${terminalSafe(line)}\n`);
}

/** Columns padded to the widest cell, for readable listings. */
export function printTable(rows: string[][]): void {
  const safe = rows.map((r) => r.map((c) => terminalSafe(c)));
  const widths: number[] = [];
  for (const r of safe) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  for (const r of safe) process.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()}\n`);
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
