// Which storage errors mean "the database cannot be reached now" rather than "this request is wrong" or
// "the server has a bug": a restart, a lost connection, a refused connect. The server answers these with
// 503 `server.unavailable` (try again), and the pool opens new connections once the database is back.

/** SQLSTATE classes and codes of a database going away or refusing connections. */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]|53300$)/;
const UNAVAILABLE_SYSCALL = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** node-postgres reports a dropped or unusable connection with these messages and no code. */
const UNAVAILABLE_MESSAGE = /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly)/;

/** Whether `e` (or its cause) says the database is unreachable now: worth a 503 and a retry, not a 500. */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    if (typeof cur !== 'object') return false;
    const { code, message, cause, errors } = cur as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SYSCALL.has(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    cur = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return false;
}
