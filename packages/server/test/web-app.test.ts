import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load';
import { installErrorHandlers } from '../src/http/errors';
import { webAppRoutes } from '../src/http/web-app.node';
import { startTestServer, type TestServer } from '../src/testing.node';

/** Only the web routes, on a bare app with Haven's error handlers. */
function webOnly(web: { enabled?: boolean; dir?: string }) {
  const app = Fastify();
  installErrorHandlers(app);
  webAppRoutes(app, loadConfig({ env: {}, overrides: { web } }));
  return app;
}

// `haven serve` serves the built web app at `/` with a strict CSP; the API keeps its paths and envelope.
// A made-up build folder stands in for packages/web/dist, so this runs without building the app.

describe('the web app at /', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haven-webdir-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/app-abc123.js"></script>');
    writeFileSync(join(dir, 'assets', 'app-abc123.js'), `console.log("app");\n`.repeat(200));
    writeFileSync(join(dir, 'secret.key'), 'not a web file'); // no type for it: never served
    server = await startTestServer({ web: { dir } });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html with a CSP that forbids inline scripts and limits connections to this origin', async () => {
    const r = await server.app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('/assets/app-abc123.js');
    const csp = String(r.headers['content-security-policy']);
    const directive = (name: string) => csp.split(/;\s*/).find((d) => d.startsWith(`${name} `));
    // WebAssembly may be compiled (the on-device nudity check); eval and inline scripts may not.
    expect(directive('script-src')).toBe("script-src 'self' 'wasm-unsafe-eval'");
    expect(directive('connect-src')).toBe("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain("'unsafe-eval'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-cache');
    const again = await server.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': String(r.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('serves hashed assets as immutable; nothing outside the build, no traversal, no unknown file types', async () => {
    const a = await server.app.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    expect(a.statusCode).toBe(200);
    expect(a.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(a.headers['cache-control']).toContain('immutable');
    expect(a.body).toBe(`console.log("app");\n`.repeat(200));
    const z = await server.app.inject({ method: 'GET', url: '/assets/app-abc123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(z.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(z.rawPayload).toString()).toBe(a.body);
    expect(z.rawPayload.length).toBeLessThan(a.rawPayload.length);
    for (const url of ['/secret.key', '/assets/../secret.key', '/assets/%2e%2e/secret.key', '/..%2fpackage.json', '/index.html/../secret.key']) {
      const r = await server.app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.json().error.code, url).toBe('request.not_found');
    }
  });

  it('leaves the API as it was: JSON errors in the envelope, no CSP', async () => {
    const r = await server.app.inject({ method: 'GET', url: '/v1/me' });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('auth.required');
    expect(r.headers['content-security-policy']).toBeUndefined();
  });

  it('web.enabled=false: / is not served; an unbuilt app: / says how to build it', async () => {
    expect((await webOnly({ enabled: false, dir }).inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    const r = await webOnly({ dir: join(dir, 'nothing-here') }).inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm install');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
  });
});
