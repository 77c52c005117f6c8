import fc from 'fast-check';
import WebSocket from 'ws';

// Schema-guided fuzzing of a running Haven server (issue 12): requests are drawn from the server's own
// /openapi.json (so every documented route is covered, including ones added later), mostly shaped like
// what the schema asks for and often hostile in one place (NUL and bidi characters, 2^31 and 2^53, huge
// and negative numbers, wrong types, extra keys, long strings, odd path segments). WebSocket frames are
// drawn the same way. The properties: no 500, every error in the `{error:{code,message}}` envelope, no
// hang, no `server.internal` frame.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: Json[];
  const?: Json;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  pattern?: string;
}

const HOSTILE: Json[] = [
  null,
  true,
  -1,
  0,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 53,
  -(2 ** 53),
  1e308,
  0.5,
  '',
  '\u0000',
  'a\u0000b',
  '\u202eevil',
  '\u200b',
  '\u001b[2J',
  '../../etc/passwd',
  '%00',
  '%',
  '😀'.repeat(300),
  'x'.repeat(70_000),
  '00000000-0000-0000-0000-000000000000',
  [],
  {},
  { __proto__: 1 } as unknown as Json,
];

const hostile = fc.constantFrom(...HOSTILE);

/** A value for `schema`: usually well-shaped, sometimes hostile (at any depth). */
export function valueFor(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<Json> {
  return fc.oneof({ weight: 5, arbitrary: shaped(schema ?? {}, depth) }, { weight: 1, arbitrary: hostile });
}

function shaped(s: JsonSchema, depth: number): fc.Arbitrary<Json> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) return fc.oneof(...alts.map((a) => shaped(a, depth)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      if (depth > 4) return fc.constant({});
      const props = s.properties ?? {};
      const keys = Object.keys(props);
      const record: Record<string, fc.Arbitrary<Json>> = {};
      for (const k of keys) record[k] = valueFor(props[k], depth + 1);
      const required = (s.required ?? []).filter((k) => keys.includes(k));
      return fc
        .tuple(fc.record(record, { requiredKeys: required }), fc.option(fc.dictionary(fc.string({ maxLength: 8 }), hostile, { maxKeys: 2 }), { freq: 8 }))
        .map(([o, extra]) => ({ ...(extra ?? {}), ...o }) as Json);
    }
    case 'array':
      return depth > 4 ? fc.constant([]) : fc.array(valueFor(s.items, depth + 1), { maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -10, -(2 ** 31)), max: Math.min(s.maximum ?? 1000, 2 ** 31 - 1) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string':
      if (s.format === 'uuid') return fc.uuid();
      if (s.format === 'date') return fc.date({ min: new Date('1900-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 200), unit: 'grapheme' });
    default:
      return fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;
  }
}

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: 'path' | 'query'; schema: JsonSchema }[];
  body?: JsonSchema;
}

/** Every operation of the server's /openapi.json. */
export async function operationsOf(url: string): Promise<Operation[]> {
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods))
      ops.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], ...(op.requestBody ? { body: op.requestBody.content['application/json']?.schema ?? {} } : {}) });
  return ops;
}

export interface Failure {
  request: string;
  status: number | 'timeout' | 'network';
  body: string;
}

/** Whether a response obeys the properties; a description of the problem when not. */
export function problemWith(status: number, text: string): string | undefined {
  if (status >= 500 && status !== 503) return `status ${status}`;
  if (status < 400) return undefined;
  try {
    const b = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof b.error?.code !== 'string' || typeof b.error?.message !== 'string') return 'an error outside the {error:{code,message}} envelope';
    if (b.error.code === 'server.internal') return 'server.internal';
  } catch {
    return 'an error body that is not JSON';
  }
  return undefined;
}

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%ZZ', '%00', 'x'.repeat(2000), '..', '%2e%2e', '-1', '99999999999999999999') },
);

/** Runs `cases` random HTTP requests against `url`; returns the failures (at most `maxFailures`). */
export async function fuzzHttp(url: string, opts: { cases: number; seed?: number; tokens: string[]; maxFailures?: number; timeoutMs?: number }): Promise<Failure[]> {
  // Signing out takes no input but the token, and would end the sessions the other cases use.
  const ops = (await operationsOf(url)).filter((op) => !(op.method === 'DELETE' && op.path === '/v1/sessions/current'));
  const failures: Failure[] = [];
  const arb = fc
    .constantFrom(...ops)
    .chain((op) =>
      fc.record({
        op: fc.constant(op),
        segments: fc.array(segment, { minLength: 4, maxLength: 4 }),
        query: fc.record(Object.fromEntries(op.parameters.filter((p) => p.in === 'query').map((p) => [p.name, valueFor(p.schema)])), { requiredKeys: [] }),
        body: op.body ? fc.oneof({ weight: 8, arbitrary: valueFor(op.body).map((v) => JSON.stringify(v)) }, { weight: 1, arbitrary: fc.string({ maxLength: 50 }) }) : fc.constant(undefined),
        token: fc.oneof(fc.constantFrom(...opts.tokens), fc.constant(undefined), fc.constant('not-a-token')),
      }),
    );
  const samples = fc.sample(arb, { numRuns: opts.cases, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
  for (const s of samples) {
    let i = 0;
    const path = s.op.path.replace(/\{[^}]+\}/g, () => s.segments[i++ % s.segments.length]!);
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(s.query)) if (v !== undefined) qs.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    const target = `${url}${path}${qs.size ? `?${qs}` : ''}`;
    const desc = `${s.op.method} ${target.slice(url.length, url.length + 300)}${s.body ? ` body ${s.body.slice(0, 300)}` : ''}`;
    try {
      const r = await fetch(target, {
        method: s.op.method,
        headers: { ...(s.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(s.token ? { authorization: `Bearer ${s.token}` } : {}) },
        ...(s.body !== undefined ? { body: s.body } : {}),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      });
      const text = await r.text();
      const problem = problemWith(r.status, text);
      if (problem) failures.push({ request: `${desc} (${problem})`, status: r.status, body: text.slice(0, 300) });
    } catch (e) {
      const timeout = (e as Error).name === 'TimeoutError';
      failures.push({ request: desc, status: timeout ? 'timeout' : 'network', body: String((e as Error).message) });
    }
    if (failures.length >= (opts.maxFailures ?? 20)) break;
  }
  return failures;
}

/**
 * Sends `cases` random frames (shaped like the client frames, often hostile) on an authenticated
 * WebSocket. Properties: the socket stays open (frames within the size limit), no frame is answered with
 * `server.internal`, and a final ping is answered (no hang).
 */
export async function fuzzWebSocket(url: string, opts: { cases: number; seed?: number; token: string; conversationIds: string[] }): Promise<Failure[]> {
  const failures: Failure[] = [];
  const frame = fc.oneof(
    fc.record({ type: fc.constant('send'), conversationId: fc.oneof(fc.constantFrom(...opts.conversationIds), fc.uuid(), hostile), clientMessageId: valueFor({ type: 'string', minLength: 8, maxLength: 64 }), body: fc.oneof(fc.base64String({ maxLength: 200 }), hostile), contentType: fc.option(valueFor({ type: 'string' }), { nil: undefined }) }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constant('ack'), conversationId: fc.oneof(fc.constantFrom(...opts.conversationIds), fc.uuid(), hostile), seq: fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }), hostile) }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.oneof(fc.constantFrom('hello', 'ping', 'nope'), hostile), ref: fc.option(valueFor({ type: 'string' }), { nil: undefined }) }, { requiredKeys: ['type'] }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  // Frames over the size limit are closed with 1009 by design: the fuzz stays under it.
  const frames = fc
    .sample(frame.map((f) => JSON.stringify(f) ?? 'null'), { numRuns: opts.cases, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) })
    .filter((f) => f.length < 16_000);
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`);
  const errors: string[] = [];
  let closed: number | undefined;
  const pong = new Promise<boolean>((resolve) => {
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { type: string; ref?: string; error?: { code: string } };
      if (f.type === 'error' && f.error?.code === 'server.internal') errors.push(f.ref ?? '?');
      if (f.type === 'pong' && f.ref === 'fuzz-end') resolve(true);
    });
    ws.on('close', (code) => {
      closed = code;
      resolve(false);
    });
  });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  ws.send(JSON.stringify({ type: 'hello', token: opts.token }));
  for (const f of frames) ws.send(f);
  ws.send(JSON.stringify({ type: 'ping', ref: 'fuzz-end' }));
  const answered = await Promise.race([pong, new Promise<boolean>((r) => setTimeout(() => r(false), 60_000))]);
  if (!answered) failures.push({ request: `${frames.length} frames`, status: closed === undefined ? 'timeout' : 'network', body: `the socket ${closed === undefined ? 'stopped answering' : `closed with ${closed}`}` });
  for (const ref of errors) failures.push({ request: `frame ${ref}`, status: 500, body: 'server.internal' });
  ws.close();
  return failures;
}
