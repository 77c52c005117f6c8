// How a command ends, kept apart from output.ts so that what every start needs (main.ts, password.ts)
// loads nothing else: output.ts needs @haven/protocol's errors, and with them zod.

/** Exit codes: 0 done, 1 refused or failed, 2 usage or configuration error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake in how the command was called (missing option, malformed value): exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
