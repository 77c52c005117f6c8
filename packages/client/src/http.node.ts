import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

// A `fetch` for the SDK's JSON calls over node:http, for short-lived processes such as the CLI. Node 20's
// global fetch (undici) costs a command about 70 ms to load on its first request, and then holds the
// process for about 200 ms after its work is done before it may exit; `haven conversations` spent more
// than half its time on the two (bench/README.md, "cli"). Requests with a body other than a string
// (uploads, streams) go to the global fetch, which handles them in full.
//
// The answer is the part of `Response` the SDK reads: `ok`, `status`, `headers.get`, `text`, `json`,
// `arrayBuffer` and `body` (a web stream, for downloads). Failures look as they do with fetch: a refused
// or reset connection rejects with `TypeError('fetch failed')` whose `cause` carries the system error code,
// and an aborted request (timeout) rejects with the signal's reason.

export const nodeFetch = ((input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
  const body = init.body;
  if ((body !== undefined && body !== null && typeof body !== 'string') || (typeof input === 'object' && !(input instanceof URL))) {
    return globalThis.fetch(input, init);
  }
  const url = new URL(String(input));
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
  if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const req = send(url, { method: init.method ?? 'GET', headers });
    const onAbort = (): void => {
      req.destroy();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: e }));
    });
    req.on('response', (res) => {
      // The abort still applies while the body is read, as with fetch.
      res.on('close', () => signal?.removeEventListener('abort', onAbort));
      resolve(answer(res, signal));
    });
    req.end(body ?? undefined);
  });
}) as typeof fetch;

function answer(res: IncomingMessage, signal: AbortSignal | undefined): Response {
  const status = res.statusCode ?? 0;
  let used = false;
  const take = (): IncomingMessage => {
    if (used) throw new TypeError('Body has already been read');
    used = true;
    return res;
  };
  const bytes = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    const from = take();
    try {
      for await (const c of from) chunks.push(c as Buffer);
    } catch (e) {
      throw signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: e });
    }
    return Buffer.concat(chunks);
  };
  let stream: ReadableStream<Uint8Array> | undefined;
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? '',
    headers: {
      get: (name: string) => {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    get body() {
      stream ??= Readable.toWeb(take()) as ReadableStream<Uint8Array>;
      return stream;
    },
    get bodyUsed() {
      return used;
    },
    text: async () => (await bytes()).toString('utf8'),
    json: async () => JSON.parse((await bytes()).toString('utf8')) as unknown,
    arrayBuffer: async () => {
      const b = await bytes();
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    },
  } as unknown as Response;
}
