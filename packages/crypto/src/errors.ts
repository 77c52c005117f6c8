import type { ErrorCode, Result } from '@haven/protocol';

/**
 * Every failure this package returns: a registered code from `@haven/protocol`'s `ERRORS` and a sentence
 * that never carries plaintext, keys or tokens.
 */
export interface CryptoError {
  code: ErrorCode;
  message: string;
}

export type CryptoResult<T> = Result<T, CryptoError>;

export const fail = (code: ErrorCode, message: string): { ok: false; error: CryptoError } => ({
  ok: false,
  error: { code, message },
});

export const succeed = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
