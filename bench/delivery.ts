// `npm run bench -- delivery [--clients N] [--rate MSGS_PER_S[,MSGS_PER_S…]] [--seconds S] [--path visible|e2ee|both]
//                           [--database pglite|postgres|both] [--database-url URL]`
//
// N clients over loopback WebSockets exchange direct messages in pairs at a fixed total send rate (each
// send is scheduled, never waiting for a reply, so latency includes any queueing: no coordinated
// omission). The server runs as its own process, started with `haven serve`, once on the embedded PGlite
// and once on PostgreSQL (HAVEN_TEST_DATABASE_URL or --database-url), side by side in one run.
// Two paths: `visible` (a server with MLS switched off, so two adults' conversation is server-visible and
// bodies are the JSON payload) and `e2ee` (MLS on: each pair builds its group through the real SDK engine
// and every body is MLS-encrypted before timing starts, so the times are the server's and the network's).
// Latency = time the recipient got the message - time the send was scheduled. Results: bench/results/delivery.json.
// A run that delivers nothing measures nothing: the bench fails instead of recording it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { MemoryStateStore } from '@haven/crypto';
import { E2eeEngine, HavenClient, bytesToBase64 } from '@haven/client';
import { MLS_CONTENT_TYPES, PAYLOAD_CONTENT_TYPE, encodePayload } from '@haven/protocol';
import { ejabberdInstalled, percentile, round, runXmpp, startEjabberd } from './_ejabberd';
import { ROOT, arg, listeningUrl, serverEntry, withPgDatabase } from './_haven';

type DeliveryPath = 'visible' | 'e2ee';
/** One run's figures: Haven on a path and database, or the XMPP peer. */
interface RunResult {
  database: string;
  path: DeliveryPath | 'xmpp';
  sent: number;
  delivered: number;
  errors: number;
  offeredRate: number;
  deliveredPerSecond: number;
  latencySamples: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
  /** The server's group-commit batches over the run (from its /metrics), by kind: count, mean size, mean ms. */
  batches?: Record<string, { count: number; meanSize: number; meanMs: number }>;
  /**
   * The server process's CPU time (user + system, from its /metrics) over the timed part, per delivered
   * message: the server's cost of a message, sending and acknowledging included; the database's own
   * process (PostgreSQL) is not in it, PGlite (in the server's thread) is.
   */
  serverCpuMsPerMessage?: number;
}

/** The server's /metrics (Prometheus text). */
async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** The server process's CPU seconds so far (prom-client's process_cpu_seconds_total), from its /metrics. */
function serverCpuSeconds(metrics: string): number {
  return Number(/^haven_process_cpu_seconds_total (\S+)$/m.exec(metrics)?.[1] ?? NaN);
}

/** Mean batch size and time per kind, from the server's Prometheus histograms (its /metrics after a run). */
function batchSummary(metrics: string): RunResult['batches'] {
  const value = (name: string, kind: string): number => Number(new RegExp(`^${name}\\{kind="${kind}"\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  const out: NonNullable<RunResult['batches']> = {};
  for (const kind of ['context', 'insert', 'ack']) {
    const count = value('haven_batch_size_count', kind);
    if (!(count > 0)) continue;
    out[kind] = { count, meanSize: round(value('haven_batch_size_sum', kind) / count), meanMs: round((value('haven_commit_seconds_sum', kind) / count) * 1000) };
  }
  return out;
}

interface Params {
  clients: number;
  rates: number[];
  seconds: number;
  paths: DeliveryPath[];
  databaseUrl: string | undefined;
  /** Which databases to run: both by default; one alone for quick iterations. */
  databases: ('pglite' | 'postgres')[];
}

function parseArgs(args: string[]): Params {
  const get = (name: string): string | undefined => arg(args, name);
  const num = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
    return n;
  };
  const clients = Math.max(2, Math.floor(num('clients', 20) / 2) * 2);
  // Two offered loads by default: one both databases carry, one past the embedded database's capacity.
  const rates = (get('rate') ?? '100,400').split(',').map(Number);
  if (rates.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`--rate must be positive numbers, got ${get('rate')}`);
  const path = get('path') ?? 'both';
  if (!['visible', 'e2ee', 'both'].includes(path)) throw new Error(`--path must be visible, e2ee or both, got ${path}`);
  const paths: DeliveryPath[] = path === 'both' ? ['visible', 'e2ee'] : [path as DeliveryPath];
  const database = get('database') ?? 'both';
  if (!['pglite', 'postgres', 'both'].includes(database)) throw new Error(`--database must be pglite, postgres or both, got ${database}`);
  const databases = database === 'both' ? (['pglite', 'postgres'] as const) : ([database] as ['pglite' | 'postgres']);
  return { clients, rates, seconds: num('seconds', 8), paths, databaseUrl: get('database-url') ?? process.env.HAVEN_TEST_DATABASE_URL, databases: [...databases] };
}

async function startServer(dataDir: string, path: DeliveryPath, databaseUrl?: string): Promise<{ url: string; proc: ChildProcess }> {
  const args = [serverEntry(), 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const config = join(dataDir, 'bench.config.json');
  // Loopback clients all share one address: lift the sign-up limit for the benchmark only.
  // The visible path is measured on a server with MLS off, where two adults' conversation is visible.
  writeFileSync(
    config,
    JSON.stringify({
      rateLimits: { register: { burst: 100000, perMinute: 100000 }, login: { burst: 100000, perMinute: 100000 } },
      mls: { enabled: path === 'e2ee' },
    }),
  );
  args.push('--config', config);
  const proc = spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : []), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return { url: await listeningUrl(proc), proc };
}

interface Client {
  ws: WebSocket;
  conversationId: string;
  /** Bodies this client sends, in order (prepared before timing). */
  bodies: string[];
  next: number;
}

const TEXT = 'x'.repeat(200);

/**
 * Accounts, sessions and direct conversations for `n` clients in pairs, and each client's bodies.
 * On the e2ee path every pair's MLS group is built by the real SDK engine and every body is encrypted
 * here, before timing: the timed part then measures what the server does with a ready MLS message.
 */
async function prepare(url: string, path: DeliveryPath, n: number, perClient: number, tag: string) {
  const sessions = [];
  const engines: (E2eeEngine | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const c = new HavenClient({ serverUrl: url });
    const s = await c.register({ handle: `bench${tag}${i}` as never, password: 'benchmark password', birthDate: '1990-01-01' });
    let engine: E2eeEngine | undefined;
    if (path === 'e2ee') {
      engine = await E2eeEngine.open(c, new MemoryStateStore(), { accountId: s.account.id, deviceId: s.deviceId });
      // The account's first device makes the account key (issue 15): without it nothing can add the device.
      await engine.createAccountKey();
      if ((await engine.ensureKeyPackages()) === 0) throw new Error('no key packages uploaded: the bench would not measure e2ee');
      // Nothing changes these groups while the bench prepares, so each sender's first encrypt catches up
      // (creates or joins the group) and the rest reuse it, as on a device that hears changes live
      // (trackChanges). Without this every body cost a catch-up of several HTTP requests: minutes per run.
      engine.trackChanges({ state: 'ready', on: () => () => undefined });
    }
    sessions.push({ c, s });
    engines.push(engine);
  }
  const conversations = [];
  const bodies: string[][] = [];
  for (let i = 0; i < n; i += 2) {
    const conv = await sessions[i]!.c.createDirect(sessions[i + 1]!.s.account.handle);
    if (conv.mode !== path) throw new Error(`expected a ${path} conversation between two adults, got ${conv.mode}`);
    conversations.push(conv, conv);
  }
  const visibleBody = bytesToBase64(encodePayload({ v: 1, text: TEXT }));
  for (let i = 0; i < n; i++) {
    const engine = engines[i];
    const own: string[] = [];
    for (let k = 0; k < perClient; k++) own.push(engine ? bytesToBase64(await engine.encrypt(conversations[i]!, { v: 1, text: TEXT })) : visibleBody);
    bodies.push(own);
  }
  return { sessions, conversations, bodies, contentType: path === 'e2ee' ? MLS_CONTENT_TYPES.message : PAYLOAD_CONTENT_TYPE };
}

async function runOnce(label: string, path: DeliveryPath, params: Params & { rate: number }, databaseUrl?: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'haven-bench-'));
  const server = await startServer(dataDir, path, databaseUrl);
  try {
    const tag = randomBytes(3).toString('hex');
    const total = Math.round(params.rate * params.seconds);
    const perClient = Math.ceil(total / params.clients);
    const prepared = await prepare(server.url, path, params.clients, perClient, tag);
    const scheduled = new Map<string, number>();
    const latencies: number[] = [];
    // The first second warms up the JIT and the database's caches: delivered, but not in the statistics.
    const warmup = new Set<string>();
    let delivered = 0;
    let errors = 0;
    let lastDelivery = 0;
    const clients: Client[] = [];
    for (let i = 0; i < params.clients; i++) {
      const token = prepared.sessions[i]!.s.token;
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/ws`);
      await new Promise<void>((res, rej) => {
        ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', token })));
        ws.once('error', rej);
        ws.on('message', (data) => {
          const f = JSON.parse(data.toString());
          if (f.type === 'synced') res();
          else if (f.type === 'message') {
            const at = scheduled.get(f.message.clientMessageId);
            if (at !== undefined) {
              const now = performance.now();
              delivered++;
              if (!warmup.has(f.message.clientMessageId)) latencies.push(now - at);
              lastDelivery = now;
            }
            ws.send(JSON.stringify({ type: 'ack', conversationId: f.message.conversationId, seq: f.message.seq }));
          } else if (f.type === 'error') errors++;
        });
      });
      clients.push({ ws, conversationId: prepared.conversations[i]!.id, bodies: prepared.bodies[i]!, next: 0 });
    }

    // Fixed schedule: message k is due at start + k / rate, round-robin over clients.
    const cpuBefore = serverCpuSeconds(await metricsOf(server.url));
    const start = performance.now();
    let k = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * params.rate) + 1);
        for (; k < due; k++) {
          const c = clients[k % clients.length]!;
          const id = `b${k.toString(36)}x${tag}`;
          scheduled.set(id, start + (k / params.rate) * 1000);
          if (k < params.rate) warmup.add(id);
          const body = c.bodies[c.next++]!;
          c.ws.send(JSON.stringify({ type: 'send', conversationId: c.conversationId, clientMessageId: id, body, contentType: prepared.contentType }));
        }
        if (k >= total) resolve();
        else setTimeout(tick, 2);
      };
      tick();
    });
    const sendEnd = performance.now();
    const deadline = sendEnd + 30_000;
    while (delivered < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const after = await metricsOf(server.url);
    const cpuAfter = serverCpuSeconds(after);
    const batches = batchSummary(after);
    for (const c of clients) c.ws.close();

    const sorted = latencies.slice().sort((a, b) => a - b);
    const elapsed = (Math.max(lastDelivery, sendEnd) - start) / 1000;
    if (delivered === 0) throw new Error(`${label}/${path}: 0 of ${total} messages delivered (${errors} error frames): the bench measures nothing`);
    const result: RunResult = {
      database: label,
      path,
      sent: total,
      delivered,
      errors,
      offeredRate: params.rate,
      deliveredPerSecond: round(delivered / elapsed),
      latencySamples: latencies.length,
      latencyMs: { p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), p999: round(percentile(sorted, 0.999)), max: round(sorted.at(-1) ?? NaN) },
      batches,
      serverCpuMsPerMessage: round(((cpuAfter - cpuBefore) * 1000) / delivered),
    };
    return result;
  } finally {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const params = parseArgs(args);
  // The machine may be shared: the load before the run says how much to trust the numbers.
  const loadBefore = loadavg().map(round);
  process.stdout.write(`delivery: ${params.clients} clients, ${params.rates.join(' and ')} msgs/s offered, ${params.seconds} s each\n`);
  if (!params.databaseUrl) process.stdout.write('PostgreSQL skipped: set HAVEN_TEST_DATABASE_URL or pass --database-url\n');
  const results: RunResult[] = [];
  const ratios: Record<string, string | number>[] = [];
  for (const path of params.paths) {
    for (const rate of params.rates) {
      const lite = params.databases.includes('pglite') ? await runOnce('pglite', path, { ...params, rate }) : undefined;
      const postgres = params.databaseUrl && params.databases.includes('postgres') ? await withPgDatabase(params.databaseUrl, (url) => runOnce('postgres', path, { ...params, rate }, url)) : undefined;
      for (const r of [lite, postgres]) {
        if (!r) continue;
        results.push(r);
        process.stdout.write(
          `${path.padEnd(7)} ${String(rate).padStart(5)}/s ${r.database.padEnd(9)} delivered ${r.delivered}/${r.sent} (${r.deliveredPerSecond} msgs/s), latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, p999 ${r.latencyMs.p999} ms, errors ${r.errors}, server CPU ${r.serverCpuMsPerMessage} ms/msg\n` +
            `        batches: ${Object.entries(r.batches ?? {}).map(([k, b]) => `${k} ${b.count}× mean ${b.meanSize} in ${b.meanMs} ms`).join(', ')}\n`,
        );
      }
      if (lite && postgres) {
        ratios.push({
          path,
          offeredRate: rate,
          postgresOverPgliteThroughput: round(postgres.deliveredPerSecond / lite.deliveredPerSecond),
          pgliteOverPostgresP99: round(lite.latencyMs.p99 / postgres.latencyMs.p99),
        });
      }
    }
  }
  // The peer: ejabberd under the same load in the same run, where it is installed.
  if (ejabberdInstalled() && !args.includes('--no-peer')) {
    const peer = await startEjabberd();
    try {
      for (const rate of params.rates) {
        const x = await runXmpp(peer.port, { clients: params.clients, rate, seconds: params.seconds });
        results.push(x);
        process.stdout.write(
          `xmpp    ${String(rate).padStart(5)}/s ejabberd  delivered ${x.delivered}/${x.sent} (${x.deliveredPerSecond} msgs/s), latency p50 ${x.latencyMs.p50} ms, p99 ${x.latencyMs.p99} ms, p999 ${x.latencyMs.p999} ms\n`,
        );
        for (const r of results.filter((h) => h.offeredRate === rate && h.path !== 'xmpp'))
          ratios.push({ path: `${r.path}/ejabberd`, database: r.database, offeredRate: rate, throughput: round(r.deliveredPerSecond / x.deliveredPerSecond), p99: round(r.latencyMs.p99 / x.latencyMs.p99) });
      }
    } finally {
      peer.stop();
    }
  } else if (args.includes('--no-peer')) process.stdout.write('--no-peer: no peer in this run\n');
  else process.stdout.write('ejabberd not installed (apt-get install -y ejabberd): no peer in this run\n');
  // The e2ee path against the visible one, same database and offered rate: the cost of MLS to the server.
  for (const r of results.filter((x) => x.path === 'e2ee')) {
    const v = results.find((x) => x.path === 'visible' && x.database === r.database && x.offeredRate === r.offeredRate);
    if (v) {
      ratios.push({
        path: 'e2ee/visible',
        database: r.database,
        offeredRate: r.offeredRate,
        serverCpuPerMessage: round((r.serverCpuMsPerMessage ?? NaN) / (v.serverCpuMsPerMessage ?? NaN)),
        p50: round(r.latencyMs.p50 / v.latencyMs.p50),
        p99: round(r.latencyMs.p99 / v.latencyMs.p99),
      });
    }
  }
  const out = {
    benchmark: 'delivery',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadBefore, loadAfter: loadavg().map(round) },
    params: { clients: params.clients, rates: params.rates, seconds: params.seconds, paths: params.paths },
    results,
    ratios,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/delivery.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write('wrote bench/results/delivery.json\n');
}
