import { ERRORS, HavenError, errorBody, type ErrorCode } from '@haven/protocol';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../storage/unavailable';

// Every error leaves in one shape, `{ error: { code, message } }`, including Fastify's own.

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request.too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'request.unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request.malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request.malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request.invalid',
};

/** What a client is told when the database cannot be reached. */
export const DATABASE_UNAVAILABLE = 'The database cannot be reached right now; nothing was changed. Try again shortly.';

/**
 * An error as the client sees it: a HavenError as it is, the database away as `server.unavailable`,
 * anything else as `server.internal` (`expected: false`: a bug, which the caller logs).
 */
export function publicError(e: unknown): { error: HavenError; expected: boolean } {
  if (e instanceof HavenError) return { error: e, expected: true };
  if (isDatabaseUnavailable(e)) return { error: new HavenError('server.unavailable', DATABASE_UNAVAILABLE), expected: true };
  return { error: new HavenError('server.internal'), expected: false };
}

/** Zod issues as a list a client can show: `path: message`. */
export function issueDetails(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
}

/** Parses untrusted input or throws `request.invalid` with the details. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const details = issueDetails(r.error);
  throw new HavenError('request.invalid', `The ${where} is not valid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}.`, details);
}

/** Options for `Fastify()` that put the framework's own early answers in the envelope too. */
export const envelopeOptions = {
  // A path that is not valid URL encoding, or a parameter longer than the router allows.
  frameworkErrors(error: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return reply.status(414).send(errorBody('request.uri_too_long'));
    if (error.code === 'FST_ERR_BAD_URL') return reply.status(400).send(errorBody('request.invalid', 'The address is not valid URL encoding.'));
    return reply.status(400).send(errorBody('request.invalid'));
  },
  // Malformed HTTP that never became a request (bad headers, a timeout): answered on the socket itself.
  clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex) {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, body] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, errorBody('request.timeout')]
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, errorBody('request.headers_too_large')]
          : [400, errorBody('request.invalid', 'The request is not valid HTTP.')];
    const json = JSON.stringify(body);
    if (socket.writable) {
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`);
    }
    socket.destroy();
  },
  // Requests that arrive while the server closes get Haven's 503 (below), not Fastify's own body.
  return503OnClosing: false,
} as const;

export function installErrorHandlers(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_req, reply, done) => {
    if (!closing) return done();
    void reply.status(503).header('connection', 'close').send(errorBody('server.unavailable', 'The server is shutting down; try again shortly.'));
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send(errorBody('request.not_found', `There is nothing at ${req.method} ${req.url.split('?')[0]}.`));
  });
  app.setErrorHandler((err: FastifyError | HavenError | Error, req, reply) => {
    if (err instanceof HavenError) return reply.status(err.status).send(err.toBody());
    const code = 'code' in err && typeof err.code === 'string' ? FASTIFY_CODES[err.code] : undefined;
    if (code) return reply.status(ERRORS[code].status).send(errorBody(code));
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) return reply.status(status === 413 ? 413 : 400).send(errorBody(status === 413 ? 'request.too_large' : 'request.invalid'));
    // A request whose body ended early, or was aborted: the client's fault, not the server's.
    const early = errorBody('request.invalid', 'The request body ended early.');
    if ('code' in err && (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || (err.code === 'ECONNRESET' && req.raw.destroyed))) return reply.status(400).send(early);
    // The database restarting or out of reach: nothing was stored; the client may try again (here or on another node).
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err: err.message }, 'database unavailable');
      return reply.status(503).send(errorBody('server.unavailable', DATABASE_UNAVAILABLE));
    }
    if ('code' in err && err.code === 'ECONNRESET') return reply.status(400).send(early);
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody('server.internal'));
  });
}
