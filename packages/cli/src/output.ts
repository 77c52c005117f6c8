import { HavenError } from '@haven/protocol';

/** Exit codes: 0 done, 1 refused or failed, 2 usage or configuration error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Prints an error as a person should read it (code and sentence) and exits non-zero. */
export function exitWithError(e: unknown): never {
  if (e instanceof HavenError) {
    process.stderr.write(`haven: ${e.message} (${e.code})\n`);
    process.exit(e.code.startsWith('request.') ? EXIT.usage : EXIT.failed);
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`haven: ${msg}\n`);
  process.exit(EXIT.failed);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
