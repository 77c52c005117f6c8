import { HavenError, type RouteSpec } from '@haven/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { authenticate } from '../services/accounts';
import type { Caller, Services } from '../services/context';
import { parseInput } from './errors';

type In<T> = T extends z.ZodType ? z.infer<T> : undefined;

export interface RouteInput<R extends RouteSpec> {
  caller: R['auth'] extends 'none' ? undefined : Caller;
  params: In<R['params']>;
  query: In<R['query']>;
  body: In<R['body']>;
  req: FastifyRequest;
  reply: FastifyReply;
}

/** A handler's answer: the body, or a different success status with it (a resend answers 200, not 201). */
export class WithStatus {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}
export type RouteOutput = unknown;
export const withStatus = (status: number, body: unknown): WithStatus => new WithStatus(status, body);

/** No body, or an empty JSON object (what many HTTP clients send by default). */
const isEmptyBody = (body: unknown): boolean =>
  body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0);

/** Reads `Authorization: Bearer <token>`. */
export function bearerToken(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (!h) throw new HavenError('auth.required');
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m) throw new HavenError('auth.invalid_token');
  return m[1]!;
}

/** Mounts one route of the protocol's table: authentication, zod parsing of params/query/body, status. */
export function mount<R extends RouteSpec>(app: FastifyInstance, s: Services, spec: R, handler: (input: RouteInput<R>) => Promise<RouteOutput>): void {
  app.route({
    method: spec.method,
    url: spec.path,
    handler: async (req, reply) => {
      let caller: Caller | undefined;
      if (spec.auth !== 'none') {
        caller = await authenticate(s, bearerToken(req));
        if (spec.auth === 'admin' && caller.role !== 'admin') throw new HavenError('auth.forbidden');
        if (spec.auth === 'moderator' && caller.role !== 'moderator' && caller.role !== 'admin') throw new HavenError('auth.forbidden');
      }
      const input = {
        caller,
        params: spec.params ? parseInput(spec.params, req.params, 'path') : undefined,
        query: spec.query ? parseInput(spec.query, req.query, 'query string') : undefined,
        body: spec.body ? parseInput(spec.body, req.body, 'request body') : undefined,
        req,
        reply,
      } as RouteInput<R>;
      if (!spec.body && !isEmptyBody(req.body)) throw new HavenError('request.invalid', 'This request takes no body.');
      const out = await handler(input);
      if (out instanceof WithStatus) return reply.status(out.status).send(out.body);
      if (spec.response === null) return reply.status(204).send();
      return reply.status(spec.status).send(out);
    },
  });
}
