import { HavenError, errorBody, type ErrorCode } from '@haven/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { z } from 'zod';

// Every error leaves in one shape, `{ error: { code, message } }`, including Fastify's own.

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request.too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'request.unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request.malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request.malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request.invalid',
};

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

export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send(errorBody('request.not_found', `There is nothing at ${req.method} ${req.url.split('?')[0]}.`));
  });
  app.setErrorHandler((err: FastifyError | HavenError | Error, req, reply) => {
    if (err instanceof HavenError) return reply.status(err.status).send(err.toBody());
    const code = 'code' in err && typeof err.code === 'string' ? FASTIFY_CODES[err.code] : undefined;
    if (code) return reply.status(code === 'request.too_large' ? 413 : code === 'request.unsupported_media_type' ? 415 : 400).send(errorBody(code));
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) return reply.status(status === 413 ? 413 : 400).send(errorBody(status === 413 ? 'request.too_large' : 'request.invalid'));
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody('server.internal'));
  });
}
