// Shared by the fan-out, storm and connections benchmarks (not a benchmark of its own: the name starts
// with _): a Haven server as its own process with the benchmark's config, accounts made in bulk before
// timing, WebSocket clients, and the figures every result records.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hash } from '@node-rs/argon2';
import WebSocket from 'ws';
import { PAYLOAD_CONTENT_TYPE, encodePayload } from '@haven/protocol';
import pg from 'pg';
import { openStorage, pgliteDirOf } from '@haven/server';
import { hashToken, newToken } from '../packages/server/src/services/tokens.node.ts';
import { percentile, round } from './_ejabberd';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export { percentile, round };

/**
 * Open-file limit for the server: as many as the machine lets a process have. This container's hard
 * limit is 20,000 and cannot be raised (no CAP_SYS_RESOURCE), so one server process holds at most
 * ~19,950 sockets; `prlimit` raises the soft limit to this where the hard limit is lower.
 */
export const NOFILE = Number(/Max open files\s+\S+\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 20000);

/** The machine and its load: on a shared machine the load says how far to trust absolute numbers. */
export function machine(loadBefore: number[]) {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadBefore, loadAfter: loadavg().map(round) };
}

/** p50/p99/max of a list of milliseconds, rounded. */
export function stats(xs: number[]) {
  const s = xs.slice().sort((a, b) => a - b);
  return { count: s.length, p50: round(percentile(s, 0.5)), p99: round(percentile(s, 0.99)), max: round(s.at(-1) ?? NaN) };
}

export interface HavenProcess {
  url: string;
  wsUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  proc: ChildProcess;
  /** The server's memory after two full garbage collections (asked over IPC, see bench/_memory-probe.cjs). */
  memory(): Promise<{ heapUsed: number; heapTotal: number; rss: number; external: number; arrayBuffers: number }>;
  /** CPU seconds (user + system) the server process has used so far. */
  cpuSeconds(): Promise<number>;
  /** Log lines the server wrote at level error or above (pino level ≥ 50) since it started. */
  errorLines(): number;
  /** Resident set of the server process from /proc, without collecting garbage. */
  rssNow(): number;
  stop(): Promise<void>;
}

/** The value after `--name` in a benchmark's arguments. */
export function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

let builtEntry: string | undefined;
/**
 * The server a bench runs: `BENCH_SERVER` (another build's `haven.mjs`, to compare two builds in the same
 * minutes), or this tree's compiled `packages/cli/dist/haven.mjs`, built once when the bench starts. Not
 * `bin/haven.js`: a source file saved while a bench runs would make it run the TypeScript sources through
 * tsx from the next server start on, and the rest of the run would measure something else.
 */
export function serverEntry(): string {
  if (process.env.BENCH_SERVER) return process.env.BENCH_SERVER;
  if (!builtEntry) {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
    builtEntry = join(ROOT, 'packages/cli/dist/haven.mjs');
  }
  return builtEntry;
}

/** The address `haven serve` prints once it listens; rejects with its output if it exits first. */
export function listeningUrl(proc: ChildProcess): Promise<string> {
  let out = '';
  return new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

/**
 * Starts `haven serve` with the open-file limit raised, a memory probe loaded (`--expose-gc`, answers
 * `memory` on the IPC channel) and every rate limit lifted: loopback clients all share one address, and
 * one bench sender sends far faster than a person.
 */
export async function startHaven(opts: { dataDir?: string; databaseUrl?: string | undefined; mls?: boolean; config?: Record<string, unknown> } = {}): Promise<HavenProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'haven-bench-'));
  const config = join(dataDir, 'bench.config.json');
  const open = { burst: 1_000_000, perMinute: 1_000_000 };
  writeFileSync(
    config,
    JSON.stringify({
      rateLimits: { register: open, login: open, groups: open, contactRequests: open, reports: open },
      websocket: { connection: open, account: open },
      mls: { enabled: opts.mls ?? false },
      ...opts.config,
    }),
  );
  // BENCH_PROF=DIR: the server writes a CPU profile there when it exits (as in the delivery bench).
  const args = [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : []), '--expose-gc', '--require', join(ROOT, 'bench/_memory-probe.cjs'), serverEntry(), 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', '--config', config];
  if (opts.databaseUrl) args.push('--database-url', opts.databaseUrl);
  const proc = spawn('prlimit', [`--nofile=${NOFILE}:${NOFILE}`, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let errorLines = 0;
  // The server logs (warn and above) to its stdout: shown here, and errors counted for the result.
  proc.stdout!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (!line.startsWith('{')) continue;
      if (/"level":(5|6)\d/.test(line)) errorLines++;
      process.stderr.write(`server: ${line.slice(0, 400)}\n`);
    }
  });
  const url = await listeningUrl(proc);
  return {
    url,
    wsUrl: `${url.replace('http', 'ws')}/v1/ws`,
    dataDir,
    databaseUrl: opts.databaseUrl,
    proc,
    memory: () =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('the server did not answer the memory probe')), 60_000);
        proc.once('message', (m) => {
          clearTimeout(t);
          resolve(m as never);
        });
        proc.send('memory');
      }),
    errorLines: () => errorLines,
    cpuSeconds: () =>
      new Promise((resolve) => {
        proc.once('message', (m) => resolve(((m as { user: number; system: number }).user + (m as { user: number; system: number }).system) / 1e6));
        proc.send('cpu');
      }),
    rssNow() {
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) * 1024;
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Seeded {
  handle: string;
  accountId: string;
  deviceId: string;
  token: string;
}

/**
 * Makes `n` adult accounts, each with one device and one session, straight in the database before the
 * server starts (PGlite allows one process) or beside it (PostgreSQL): signing up 20,000 accounts
 * through the API would spend minutes in argon2. The rows are those `register` writes; the password
 * hash is one real argon2id hash shared by all (nobody signs in with it).
 */
export async function seedAccounts(target: { dataDir: string; databaseUrl?: string | undefined }, prefix: string, n: number): Promise<Seeded[]> {
  const storage = await openStorage(target.databaseUrl ? { databaseUrl: target.databaseUrl } : { pgliteDir: pgliteDirOf(target.dataDir) });
  try {
    const passwordHash = await hash('benchmark password', { algorithm: 2 });
    const expires = new Date(Date.now() + 30 * 24 * 3600 * 1000);
    const out: Seeded[] = [];
    for (let i = 0; i < n; i++) out.push({ handle: `${prefix}${i}`, accountId: randomUUID(), deviceId: randomUUID(), token: newToken() });
    const CHUNK = 1000;
    await storage.db.transaction().execute(async (tx) => {
      for (let i = 0; i < n; i += CHUNK) {
        const part = out.slice(i, i + CHUNK);
        await tx
          .insertInto('accounts')
          .values(part.map((a) => ({ id: a.accountId, handle: a.handle, display_name: null, password_hash: passwordHash, birth_date: '1990-01-01', age_assurance: 'self-declared' as const, role: 'user' as const, region: null })))
          .execute();
        await tx
          .insertInto('devices')
          .values(part.map((a) => ({ id: a.deviceId, account_id: a.accountId, name: null, last_seen_at: null })))
          .execute();
        await tx
          .insertInto('sessions')
          .values(part.map((a) => ({ token_hash: hashToken(a.token), account_id: a.accountId, device_id: a.deviceId, expires_at: expires })))
          .execute();
      }
    });
    return out;
  } finally {
    await storage.close();
  }
}

/** A REST call as `token`; throws on any answer but 2xx. */
export async function api<T>(url: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Runs `fn` over `items`, at most `width` at a time. */
export async function pool<T, R>(items: T[], width: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

export interface LiveClient {
  ws: WebSocket;
  /** Error frames the server sent this connection. */
  errors: number;
  /** Close codes other than a normal close this side asked for. */
  closeCode?: number;
}

/**
 * Opens a WebSocket, says hello and resolves at `synced`. `onMessage` sees every `message` frame (backlog
 * and live); with `ack` each is acknowledged, as a client does once it has stored the message.
 */
export function connect(wsUrl: string, token: string, opts: { ack?: boolean; onMessage?: (m: { clientMessageId: string; conversationId: string; seq: number }, at: number) => void; onFrame?: (f: { type: string }) => void } = {}): Promise<LiveClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    const client: LiveClient = { ws, errors: 0 };
    let synced = false;
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', token })));
    ws.once('error', (e) => {
      if (!synced) reject(e);
    });
    ws.once('close', (code) => {
      if (code !== 1000 && code !== 1005) client.closeCode = code;
      if (!synced) reject(new Error(`closed ${code} before synced`));
    });
    ws.on('message', (data) => {
      const at = performance.now();
      const f = JSON.parse(data.toString()) as { type: string; message?: { clientMessageId: string; conversationId: string; seq: number } };
      if (f.type === 'message') {
        opts.onMessage?.(f.message!, at);
        if (opts.ack) ws.send(JSON.stringify({ type: 'ack', conversationId: f.message!.conversationId, seq: f.message!.seq }));
      } else if (f.type === 'synced') {
        synced = true;
        resolve(client);
      } else if (f.type === 'error') client.errors++;
      opts.onFrame?.(f);
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A visible message body (the JSON payload, base64) of `n` characters of text. */
export function visibleBody(n = 200): { body: string; contentType: string } {
  return { body: Buffer.from(encodePayload({ v: 1, text: 'x'.repeat(n) })).toString('base64'), contentType: PAYLOAD_CONTENT_TYPE };
}

/**
 * Sends `total` messages at a fixed total `rate`, round-robin over `senders`, on a 2 ms tick, never
 * waiting for a reply; message k is due at start + k / rate, and that due time is recorded in
 * `scheduled` under its clientMessageId, so latency measured from it includes any queueing.
 */
export async function sendAtRate(
  senders: { ws: WebSocket; conversationId: string }[],
  rate: number,
  total: number,
  tag: string,
  scheduled: Map<string, number>,
  payload: { body: string; contentType: string },
): Promise<number> {
  const start = performance.now();
  let k = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
      for (; k < due; k++) {
        const c = senders[k % senders.length]!;
        const id = `${tag}-${k.toString(36)}`;
        scheduled.set(id, start + (k / rate) * 1000);
        c.ws.send(JSON.stringify({ type: 'send', conversationId: c.conversationId, clientMessageId: id, ...payload }));
      }
      if (k >= total) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  return start;
}

/** Waits until `done()` or `ms` pass; true when done. */
export async function waitFor(done: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!done()) {
    if (performance.now() > end) return false;
    await sleep(10);
  }
  return true;
}

/** A fresh database on the PostgreSQL server at `baseUrl` for the length of `fn`, dropped after. */
export async function withPgDatabase<T>(baseUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `haven_bench_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
