import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@haven/server';
import { freePort } from '../../../testing/private-services';
import { HavenClient, Messenger, nodeFetch } from '../src/index.node';
import { PASSWORD, code, handle } from './helpers';

// The CLI's transport (nodeFetch, over node:http): the SDK must behave with it exactly as with Node's
// fetch, against a real server and against hostile or broken ones.

let server: TestServer;
const fakes: Server[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  fakes.forEach((f) => f.close());
  await server?.close();
});

/** A server that answers every request with `handler`. */
const fake = (handler: Parameters<typeof createServer>[1]) =>
  new Promise<string>((resolve) => {
    const srv = createServer(handler);
    fakes.push(srv);
    srv.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`));
  });

describe('nodeFetch against a real server', () => {
  it('signs up, signs in, sends and lists as the global fetch does, and errors carry the same codes', async () => {
    const alice = new HavenClient({ serverUrl: server.url, fetch: nodeFetch });
    const a = await alice.register({ handle: handle('nfa') as never, password: PASSWORD, birthDate: '1990-01-01', region: 'Surrey' });
    const kid = new HavenClient({ serverUrl: server.url, fetch: nodeFetch });
    const k = await kid.register({ handle: handle('nfk') as never, password: PASSWORD, birthDate: '2011-05-05' });
    await kid.requestContact(a.account.handle);
    await alice.acceptContact(k.account.handle);
    // A visible conversation (a child is in it): the body travels as JSON both ways.
    const convo = await new Messenger(alice).directWith(k.account.handle);
    const sent = await new Messenger(alice).sendText(convo, 'héllo ✓ over node:http');
    const viaNode = await kid.messages(convo.id);
    const viaFetch = await new HavenClient({ serverUrl: server.url, token: k.token }).messages(convo.id);
    expect(viaNode).toEqual(viaFetch);
    expect(viaNode.map((m) => m.id)).toContain(sent.id);
    const body = viaNode.find((m) => m.id === sent.id)!.body as string;
    expect(JSON.parse(Buffer.from(body, 'base64').toString('utf8'))).toMatchObject({ text: 'héllo ✓ over node:http' });
    expect(await kid.conversations()).toEqual(await new HavenClient({ serverUrl: server.url, token: k.token }).conversations());

    // Refusals: the server's envelope becomes the same HavenError either way.
    const wrong = (f?: typeof fetch) => code(new HavenClient({ serverUrl: server.url, ...(f ? { fetch: f } : {}) }).login({ handle: a.account.handle, password: 'not it' }));
    expect(await wrong(nodeFetch)).toBe('auth.bad_credentials');
    expect(await wrong()).toBe('auth.bad_credentials');
    expect(await code(new HavenClient({ serverUrl: server.url, token: 'forged', fetch: nodeFetch }).conversations())).toBe(await code(new HavenClient({ serverUrl: server.url, token: 'forged' }).conversations()));

    // Uploads (bytes) go through the global fetch; downloads come back as a web stream from node:http.
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 9, g: 99, b: 199 } } }).png().toBuffer();
    const up = await alice.uploadMedia(convo.id, new Uint8Array(png));
    const down = new Uint8Array(await new Response(await kid.downloadMedia(up.id)).arrayBuffer());
    expect(down.length).toBeGreaterThan(0);
    expect(down).toEqual(new Uint8Array(await new Response(await new HavenClient({ serverUrl: server.url, token: k.token }).downloadMedia(up.id)).arrayBuffer()));
    expect(await code(kid.downloadMedia('00000000-0000-4000-8000-000000000000'))).toBe('media.not_found');
  });
});

describe('nodeFetch against broken and hostile servers', () => {
  it('a refused connection, a 502 and a 503 server.unavailable move on to the next node; busy and 404 do not', async () => {
    const refused = `http://127.0.0.1:${await freePort()}`;
    const badGateway = await fake((_q, s) => s.writeHead(502).end('Bad Gateway'));
    const unavailable = await fake((_q, s) =>
      s.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'server.unavailable', message: 'shutting down' } })),
    );
    const client = new HavenClient({ serverUrls: [refused, badGateway, unavailable, server.url], fetch: nodeFetch });
    expect(await client.health()).toEqual({ status: 'ok' });
    expect(client.serverUrl).toBe(server.url);
    const busy = await fake((_q, s) => s.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'server.busy', message: 'busy' } })));
    expect(await code(new HavenClient({ serverUrls: [busy, server.url], fetch: nodeFetch }).health())).toBe('server.busy');
    expect(await code(new HavenClient({ serverUrl: refused, fetch: nodeFetch }).health())).toBe('server.unavailable');
    await expect(new HavenClient({ serverUrl: refused, fetch: nodeFetch }).health()).rejects.toThrow(/Cannot reach the Haven server at .*ECONNREFUSED/);
  });

  it('a server that never answers times out; one that hangs up mid-answer or answers garbage is an error, never a hang', async () => {
    const silent = await fake(() => undefined);
    const t0 = Date.now();
    expect(await code(new HavenClient({ serverUrl: silent, fetch: nodeFetch, timeoutMs: 300 }).health())).toBe('server.unavailable');
    expect(Date.now() - t0).toBeLessThan(5_000);
    const cut = await fake((_q, s) => {
      s.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      s.write('{"status":');
      setTimeout(() => s.destroy(), 20);
    });
    expect(await code(new HavenClient({ serverUrl: cut, fetch: nodeFetch }).health())).not.toBe('ok');
    const garbage = await fake((_q, s) => s.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json'));
    expect(await code(new HavenClient({ serverUrl: garbage, fetch: nodeFetch }).health())).toBe('server.internal');
    const wrongShape = await fake((_q, s) => s.writeHead(200, { 'content-type': 'application/json' }).end('{"status":42}'));
    expect(await code(new HavenClient({ serverUrl: wrongShape, fetch: nodeFetch }).health())).toBe('server.internal');
  });

  it('an aborted request rejects with the signal reason, and a body is read once', async () => {
    const slow = await fake((_q, s) => setTimeout(() => s.end('late'), 2_000));
    const reason = new Error('stop');
    const ac = new AbortController();
    const p = nodeFetch(slow, { signal: ac.signal });
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    await expect(nodeFetch(slow, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const res = await nodeFetch(`${server.url}/healthz`);
    expect(res.ok).toBe(true);
    expect(res.headers.get('Content-Type')).toMatch(/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
    await expect(res.text()).rejects.toThrow(/already been read/);
  });
});
