import { connect } from 'node:net';
import { ERRORS, ErrorBody, ROUTES, isErrorCode } from '@haven/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.node.ts';

// Issue 13, item 12: every error response is `{ error: { code, message } }`, framework errors included,
// and no malformed request reaches a 500. A battery of hostile requests goes over raw TCP to a real
// server (no client library to tidy them up), and every answer is checked.

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends raw bytes on a fresh connection and parses every HTTP response until the server closes. */
function rawRequest(url: URL, bytes: string | Buffer, ms = 5000): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponses(Buffer.concat(chunks)));
      } catch (e) {
        reject(e as Error);
      }
    });
    socket.write(bytes);
  });
}

function parseResponses(buf: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  while (at < buf.length) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) throw new Error(`truncated response head: ${JSON.stringify(buf.subarray(at).toString('latin1').slice(0, 200))}`);
    const [statusLine, ...lines] = buf.subarray(at, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    let bodyStart = end + 4;
    let body: string;
    if (headers['transfer-encoding'] === 'chunked') {
      body = '';
      for (;;) {
        const lineEnd = buf.indexOf('\r\n', bodyStart);
        const size = parseInt(buf.subarray(bodyStart, lineEnd).toString('latin1'), 16);
        bodyStart = lineEnd + 2;
        if (!size) {
          bodyStart += 2;
          break;
        }
        body += buf.subarray(bodyStart, bodyStart + size).toString('utf8');
        bodyStart += size + 2;
      }
      at = bodyStart;
    } else {
      const len = Number(headers['content-length'] ?? 0);
      body = buf.subarray(bodyStart, bodyStart + len).toString('utf8');
      at = bodyStart + len;
    }
    out.push({ status, headers, body });
  }
  return out;
}

function request(method: string, path: string, opts: { token?: string; body?: string; type?: string; extra?: string } = {}): string {
  const head = [
    `${method} ${path} HTTP/1.1`,
    'Host: localhost',
    'Connection: close',
    ...(opts.token ? [`Authorization: Bearer ${opts.token}`] : []),
    ...(opts.body !== undefined ? [`Content-Type: ${opts.type ?? 'application/json'}`, `Content-Length: ${Buffer.byteLength(opts.body)}`] : []),
    ...(opts.extra ? [opts.extra] : []),
  ];
  return `${head.join('\r\n')}\r\n\r\n${opts.body ?? ''}`;
}

/** The problem with a response, or undefined when it is fine: an error must be the envelope with a registered code and its status. */
function problemOf(r: RawResponse): string | undefined {
  if (r.status >= 500) return `status ${r.status}`;
  if (r.status < 400) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(r.body);
  } catch {
    return `not JSON: ${r.body.slice(0, 120)}`;
  }
  const p = ErrorBody.safeParse(json);
  if (!p.success) return `not the envelope: ${r.body.slice(0, 120)}`;
  if (!isErrorCode(p.data.error.code)) return `unregistered code ${p.data.error.code}`;
  if (ERRORS[p.data.error.code].status !== r.status) return `${p.data.error.code} with status ${r.status}`;
  return undefined;
}

let server: TestServer;
let url: URL;
let token: string;
beforeAll(async () => {
  server = await startTestServer({ limits: { bodyBytes: 4096 } });
  url = new URL(server.url);
  const r = await fetch(`${server.url}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle: 'envelope.user', password: 'a long password', birthDate: '1990-01-01' }),
  });
  token = ((await r.json()) as { token: string }).token;
}, 180_000);
afterAll(() => server.close());

describe('every error is in the envelope, and none is a 500 (issue 13, item 12)', () => {
  it('a battery of malformed requests against every route', async () => {
    const PARAM_VALUES = ['x'.repeat(101), '%zz', '%', '%00', '%C0%80', '..%2F..', '00000000-0000-0000-0000-000000000000'];
    const BODIES = [undefined, '{', '[]', '"text"', 'null', '{"__proto__":{"polluted":1}}', '['.repeat(5000), `"${'\\u0000'.repeat(10)}"`, 'x'.repeat(5000)];
    const QUERIES = ['?after=%zz', '?q=%', '?after=99999999999999999999', '?q=a&q=b', `?${'a='.repeat(2000)}`];
    const cases: { what: string; bytes: string | Buffer }[] = [];
    for (const spec of Object.values(ROUTES)) {
      const params = spec.path.includes(':') ? PARAM_VALUES : [''];
      for (const v of params) {
        const path = spec.path.replace(/:([a-zA-Z]+)/g, v);
        cases.push({ what: `${spec.method} ${path.slice(0, 80)} without a token`, bytes: request(spec.method, path) });
        for (const body of BODIES) {
          cases.push({ what: `${spec.method} ${path.slice(0, 80)} body=${body?.slice(0, 20)}`, bytes: request(spec.method, path, { token, ...(body !== undefined ? { body } : {}) }) });
        }
        for (const q of QUERIES) cases.push({ what: `${spec.method} ${path.slice(0, 80)}${q.slice(0, 40)}`, bytes: request(spec.method, path + q, { token }) });
      }
    }
    // The media routes and paths no route knows.
    for (const path of ['/v1/media', '/v1/media?conversationId=%zz', `/v1/media/${'x'.repeat(200)}`, '/v1/media/%zz', '/%', '/v1/%E0%A4%A', `/${'a'.repeat(10_000)}`]) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
        cases.push({ what: `${method} ${path.slice(0, 80)}`, bytes: request(method, path, { token, body: 'AAAA', type: 'application/octet-stream' }) });
      }
    }
    // Framing that lies: a body longer or shorter than its Content-Length, bad lengths, bad chunks, odd headers.
    const login = JSON.stringify({ handle: 'envelope.user', password: 'wrong password!' });
    cases.push(
      { what: 'body longer than Content-Length', bytes: `POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n${login}` },
      { what: 'Content-Length not a number', bytes: `POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n${login}` },
      { what: 'two Content-Lengths', bytes: `POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3\r\nContent-Length: 9\r\n\r\n${login}` },
      { what: 'a bad chunk size', bytes: `POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${login}\r\n0\r\n\r\n` },
      { what: 'chunked and Content-Length', bytes: `POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n4\r\nabcd\r\n0\r\n\r\n` },
      { what: 'headers over the limit', bytes: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n` },
      { what: 'a header with a control character', bytes: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n` },
      { what: 'a garbage request line', bytes: 'HELLO THERE\r\n\r\n' },
      { what: 'an unknown HTTP version', bytes: 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n' },
      { what: 'a huge content type', bytes: request('POST', '/v1/sessions', { body: login, type: `application/json; ${'x=y; '.repeat(500)}` }) },
      { what: 'a content type with a control character', bytes: request('POST', '/v1/sessions', { body: login, type: 'application/json\u0001' }) },
      { what: 'a non-JSON content type', bytes: request('POST', '/v1/sessions', { body: login, type: 'text/plain' }) },
      { what: 'a JSON body of the wrong charset', bytes: request('POST', '/v1/sessions', { body: login, type: 'application/json; charset=latin1' }) },
      { what: 'body over the limit', bytes: request('POST', '/v1/sessions', { body: JSON.stringify({ handle: 'x', password: 'p'.repeat(10_000) }) }) },
      { what: 'body over the limit, declared small', bytes: `POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n${'x'.repeat(10_000)}` },
      { what: 'a WebSocket upgrade to another path', bytes: 'GET /v1/nope HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n' },
      { what: 'a bad authorization header', bytes: request('GET', '/v1/me', { extra: 'Authorization: Bearer \u00ff\u00fe' }) },
    );

    const problems: string[] = [];
    let answered = 0;
    const queue = [...cases];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const responses = await rawRequest(url, c.bytes);
          if (responses.length === 0) problems.push(`${c.what}: no answer`);
          for (const r of responses) {
            answered++;
            const p = problemOf(r);
            if (p) problems.push(`${c.what}: ${p}`);
          }
        }
      }),
    );
    expect(problems).toEqual([]);
    expect(answered).toBeGreaterThanOrEqual(cases.length);
    // The server is still healthy afterwards.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 180_000);
});
