import { ERRORS, ErrorBody, ROUTES, type RouteSpec } from '@haven/protocol';
import { z } from 'zod';

// /openapi.json, generated from the same zod schemas the server parses with, so it cannot drift.

const schema = (t: z.ZodType, io: 'input' | 'output'): unknown => {
  const { $schema: _, ...rest } = z.toJSONSchema(t, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

function parameters(spec: RouteSpec): unknown[] {
  const out: unknown[] = [];
  for (const [where, t] of [['path', spec.params], ['query', spec.query]] as const) {
    if (!t) continue;
    const js = schema(t, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, s] of Object.entries(js.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s });
    }
  }
  return out;
}

export function openApiDocument(): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorSchema = schema(ErrorBody, 'output');
  for (const [name, spec] of Object.entries(ROUTES) as [string, RouteSpec][]) {
    const path = spec.path.replace(/:([a-zA-Z]+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][spec.method.toLowerCase()] = {
      operationId: name,
      summary: spec.summary,
      ...(spec.auth === 'none' ? {} : { security: [{ bearer: [] }] }),
      parameters: parameters(spec),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(spec.body, 'input') } } } } : {}),
      responses: {
        [String(spec.status)]: spec.response
          ? { description: 'Success', content: { 'application/json': { schema: schema(spec.response, 'output') } } }
          : { description: 'Success, no content' },
        default: { description: 'An error; `code` is one of the registered error codes', content: { 'application/json': { schema: errorSchema } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Haven', version: '0.1.0', description: 'Haven messaging server. WebSocket frames: see /v1/ws and packages/protocol/src/ws.ts.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    'x-error-codes': Object.fromEntries(Object.entries(ERRORS).map(([code, e]) => [code, e.status])),
    paths,
  };
}
