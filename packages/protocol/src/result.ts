/** A value or a typed failure: pure libraries return this instead of throwing. */
export type Result<T, E = { code: string; message: string }> =
  | { ok: true; value: T }
  | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

/** Exhaustiveness guard for discriminated unions: adding a case breaks every switch that forgot it. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(x)}`);
}
