import { ErrorBody, HavenError, isErrorCode } from '@haven/protocol';

/**
 * Turns a non-2xx HTTP answer into a HavenError carrying the server's code and sentence. A code this
 * client does not know (a newer server) keeps its sentence and is named in the message.
 */
export function errorFromResponse(status: number, body: unknown): HavenError {
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) {
    if (status === 404) return new HavenError('request.not_found');
    if (status >= 500) return new HavenError('server.internal', `The server answered ${status} without an error body.`);
    return new HavenError('request.invalid', `The server answered ${status} without an error body.`);
  }
  const { code, message, details, help } = parsed.data.error;
  if (isErrorCode(code)) return new HavenError(code, message, details, help);
  return new HavenError(status >= 500 ? 'server.internal' : 'request.invalid', `${message} (${code})`, details, help);
}

/** The server could not be reached at all: refused, DNS, reset, timeout. */
export function unreachable(serverUrl: string, cause: unknown): HavenError {
  const code = causeCode(cause);
  const why = code ? ` (${code})` : '';
  return new HavenError('server.unavailable', `Cannot reach the Haven server at ${serverUrl}${why}; is it running?`);
}

/** The system error code (`ECONNREFUSED`, …) under a fetch or socket error, when there is one. */
export function causeCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') return c;
    const agg = (cur as { errors?: unknown }).errors;
    cur = (cur as { cause?: unknown }).cause ?? (Array.isArray(agg) ? agg[0] : undefined);
  }
  return undefined;
}
