import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema';

// The web app (packages/web, built by Vite at install) served at `/`. Every file of the build is read
// once at start and served from memory under its own path: no path from a request ever reaches the file
// system. The API keeps its paths; app pages use hash routes, so `/` is the only HTML document.

/**
 * packages/web/dist of this checkout: found through the workspace link (`@haven/web`), which also works
 * when the server runs from the CLI's bundle; else beside this source file.
 */
export function defaultWebDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@haven/web/package.json')), 'dist');
  } catch {
    return fileURLToPath(new URL('../../../web/dist/', import.meta.url));
  }
}

/**
 * The Content-Security-Policy of the app: scripts and styles from this origin only (no inline scripts),
 * network only to this origin (`'self'` covers ws:/wss: of the same host in CSP 3), images also from
 * `blob:` (decrypted attachments) and `data:`; no plugins, frames, or base-URI tricks.
 * `'wasm-unsafe-eval'` lets the page compile WebAssembly (the on-device nudity check runs TensorFlow.js's
 * WASM backend, from `.wasm` files served here): it allows WebAssembly.compile/instantiate only, not
 * eval() or new Function() (that would be `'unsafe-eval'`, which stays forbidden).
 */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': WEB_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

interface WebFile {
  body: Buffer;
  /** Whether it is worth compressing (scripts, styles, HTML, SVG over 1 KiB). */
  compressible: boolean;
  /** Compressed on the first request that accepts gzip, then kept. */
  gzip?: Buffer | null;
  type: string;
  etag: string;
  immutable: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

/** Every file of a built app by URL path (`/index.html`, `/assets/app-1a2b.js`); empty when not built. */
export function loadWebFiles(dir: string): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  if (!existsSync(join(dir, 'index.html'))) return files;
  for (const path of walk(dir)) {
    const url = `/${relative(dir, path).split(sep).join('/')}`;
    const type = TYPES[extname(path)];
    if (!type || statSync(path).size > 16 * 1024 * 1024) continue;
    const body = readFileSync(path);
    const compressible = /^(text\/|image\/svg|application\/json)/.test(type) && body.length > 1024;
    files.set(url, { body, compressible, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, immutable: url.startsWith('/assets/') });
  }
  return files;
}

function gzipped(f: WebFile): Buffer | undefined {
  if (f.gzip === undefined) {
    const z = gzipSync(f.body, { level: 9 });
    f.gzip = z.length < f.body.length ? z : null;
  }
  return f.gzip ?? undefined;
}

function send(reply: FastifyReply, f: WebFile, req: FastifyRequest): FastifyReply {
  const head = req.method === 'HEAD';
  const ifNoneMatch = req.headers['if-none-match'];
  void reply.headers(SECURITY_HEADERS).header('content-type', f.type).header('etag', f.etag).header('vary', 'accept-encoding');
  // Vite puts a content hash in every asset name: those never change; index.html is checked each time.
  void reply.header('cache-control', f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (ifNoneMatch === f.etag) return reply.status(304).send();
  const gzip = f.compressible && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) ? gzipped(f) : undefined;
  if (gzip) void reply.header('content-encoding', 'gzip');
  return reply.status(200).send(head ? undefined : (gzip ?? f.body));
}

/**
 * Mounts the built web app: `/` and each file of the build, with the CSP and security headers. When the
 * app is not built, `/` says how to build it (the API works either way).
 */
export function webAppRoutes(app: FastifyInstance, config: Config): void {
  if (!config.web.enabled) return;
  const dir = config.web.dir ?? defaultWebDir();
  const files = loadWebFiles(dir);
  const index = files.get('/index.html');
  if (!index) {
    app.get('/', async (_req, reply) =>
      reply
        .status(503)
        .headers(SECURITY_HEADERS)
        .header('content-type', 'text/plain; charset=utf-8')
        .send(`The Haven web app is not built in ${dir}. Run \`npm install\` (or \`npm run build -w @haven/web\`) and start Haven again. The API is available under /v1.\n`),
    );
    return;
  }
  for (const [url, f] of files) {
    if (url === '/index.html') continue;
    app.route({ method: ['GET', 'HEAD'], url, handler: async (req, reply) => send(reply, f, req) });
  }
  app.route({ method: ['GET', 'HEAD'], url: '/', handler: async (req, reply) => send(reply, index, req) });
}
