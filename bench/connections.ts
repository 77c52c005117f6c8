// `npm run bench -- connections [--connections 19800] [--probe 1600] [--database-url URL] [--no-peer]`
//
// Idle connections (issue 12): the server's memory per idle authenticated WebSocket connection, and
// whether it still delivers promptly with 20,000 of them open on one node. Each connection is its own
// account and device (made in bulk before timing, bench/_haven.ts), says hello and reaches `synced`, then
// stays idle. The server's heap and resident set are read after two full garbage collections (the
// bench's memory probe, bench/_memory-probe.cjs) before and after; the difference divided by the count is
// the cost of one connection. Responsiveness: a probe pair sends messages at a fixed rate before the
// idle connections open and again while they are all open (latency from the scheduled send to receipt).
// Reference in the same run: ejabberd (memory only) with the same number of idle client sessions (SASL
// ANONYMOUS, bound resource, initial presence), its resident set before and after.
// The count: this container's hard open-file limit is 20,000 per process and cannot be raised (no
// CAP_SYS_RESOURCE), and the server needs some for itself, so 19,800 is the most one server process can
// hold here. The probe runs 32 s at 50 messages/s by default, so it spans one heartbeat sweep (30 s).
import { spawnSync } from 'node:child_process';
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ejabberdInstalled, startEjabberd } from './_ejabberd';
import { ROOT, api, arg, connect, machine, round, seedAccounts, sendAtRate, startHaven, stats, visibleBody, waitFor, sleep, withPgDatabase, type HavenProcess } from './_haven';

const KB = 1024;
/** Sockets per client process: each process may hold at most its open-file limit. */
const PER_PROCESS = 5000;

/** A message every 1000/rate ms from one member of the probe pair to the other: latency per message. */
async function probe(h: HavenProcess, a: { token: string }, b: { token: string; handle: string }, count: number) {
  const conv = await api<{ id: string }>(h.url, a.token, 'POST', '/v1/conversations', { kind: 'direct', with: b.handle });
  const scheduled = new Map<string, number>();
  const latencies: number[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const receiver = await connect(h.wsUrl, b.token, {
    ack: true,
    onMessage: (m, at) => {
      const due = scheduled.get(m.clientMessageId);
      if (due === undefined) return;
      if (seen.has(m.clientMessageId)) duplicates++;
      else {
        seen.add(m.clientMessageId);
        latencies.push(at - due);
      }
    },
  });
  const sender = await connect(h.wsUrl, a.token);
  await scrape(h.url); // resets the event-loop delay histogram: the next read covers the probe only
  const cpu0 = await h.cpuSeconds();
  const t0 = performance.now();
  await sendAtRate([{ ws: sender.ws, conversationId: conv.id }], 50, count, `p${randomBytes(3).toString('hex')}`, scheduled, visibleBody());
  await waitFor(() => seen.size >= count, 30_000);
  const serverCpuShare = round((await h.cpuSeconds() - cpu0) / ((performance.now() - t0) / 1000));
  const lagMaxMs = round((await scrape(h.url)).haven_nodejs_eventloop_lag_max_seconds! * 1000);
  sender.ws.close();
  receiver.ws.close();
  if (seen.size === 0) throw new Error('probe: no message delivered: the bench measures nothing');
  // serverCpuShare: the server's CPU time over the probe's wall time (1 = one core all the time).
  return { sent: count, delivered: seen.size, duplicates, latencyMs: stats(latencies), eventLoopLagMaxMs: lagMaxMs, serverCpuShare };
}

async function scrape(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const want = ['haven_ws_connections', 'haven_nodejs_heap_size_used_bytes', 'haven_process_resident_memory_bytes', 'haven_nodejs_eventloop_lag_p99_seconds', 'haven_nodejs_eventloop_lag_max_seconds'];
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [name, value] = line.split(' ');
    if (name && want.includes(name)) out[name] = Number(value);
  }
  return out;
}

async function havenRun(n: number, probeCount: number, databaseUrl: string | undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), 'haven-bench-'));
  const tag = randomBytes(3).toString('hex');
  const t0 = performance.now();
  // Before the server starts: PGlite belongs to one process.
  const seeded = await seedAccounts({ dataDir, databaseUrl }, `idle${tag}x`, n + 2);
  const seedSeconds = (performance.now() - t0) / 1000;
  const server = await startHaven({ dataDir, databaseUrl });
  let clients: Awaited<ReturnType<typeof spreadClients>> | undefined;
  try {
    const [pa, pb] = [seeded[n]!, seeded[n + 1]!];
    // Untimed first: a fresh server compiles its code paths on the first messages.
    await probe(server, pa, pb, 100);
    const probeBefore = await probe(server, pa, pb, probeCount);
    await sleep(500);
    const before = await server.memory();
    const metricsBefore = await scrape(server.url);

    const openStart = performance.now();
    clients = await spreadClients(chunks(seeded.slice(0, n).map((x) => x.token), PER_PROCESS).map((tokens) => ({ kind: 'haven', wsUrl: server.wsUrl, tokens })));
    const openSeconds = (performance.now() - openStart) / 1000;
    if (clients.opened === 0) throw new Error(`no connection opened (${clients.failed} failed: ${clients.firstError}): the bench measures nothing`);
    await sleep(2000);
    const after = await server.memory();
    const metricsAfter = await scrape(server.url);
    const probeDuring = await probe(server, pa, pb, probeCount);
    const status = await clients.status();
    const per = (k: 'heapUsed' | 'rss' | 'external') => round((after[k] - before[k]) / clients!.opened / KB);
    return {
      server: 'haven',
      database: databaseUrl ? 'postgres' : 'pglite',
      connections: clients.opened,
      failedToOpen: clients.failed,
      firstError: clients.firstError || undefined,
      stillOpenAfterProbe: status.open,
      errorFrames: status.errorFrames,
      seedSeconds: round(seedSeconds),
      openSeconds: round(openSeconds),
      opensPerSecond: round(clients.opened / openSeconds),
      memoryBefore: before,
      memoryAfter: after,
      perConnectionKB: { heapUsed: per('heapUsed'), rss: per('rss'), external: per('external') },
      metricsBefore,
      metricsAfter,
      probeBefore,
      probeDuring,
    };
  } finally {
    await server.stop();
    await clients?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Client processes holding `jobs` (one each), resolved when every one has opened its share. */
async function spreadClients(jobs: object[]) {
  const procs = jobs.map(() => fork(join(ROOT, 'bench/_idle-clients.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const answers = await Promise.all(
    procs.map(
      (p, i) =>
        new Promise<{ opened: number; failed: number; firstError: string }>((resolve, reject) => {
          p.once('message', (m) => resolve(m as never));
          p.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
          p.send(jobs[i]!);
        }),
    ),
  );
  const status = () =>
    Promise.all(procs.map((p) => new Promise<{ open: number; closedEarly: number; errorFrames: number }>((resolve) => {
      p.once('message', (m) => resolve(m as never));
      p.send({ kind: 'status' });
    }))).then((xs) => ({ open: xs.reduce((a, x) => a + x.open, 0), closedEarly: xs.reduce((a, x) => a + x.closedEarly, 0), errorFrames: xs.reduce((a, x) => a + x.errorFrames, 0) }));
  return {
    opened: answers.reduce((a, x) => a + x.opened, 0),
    failed: answers.reduce((a, x) => a + x.failed, 0),
    firstError: answers.find((x) => x.firstError)?.firstError ?? '',
    status,
    async close() {
      await Promise.all(procs.map((p) => new Promise((r) => {
        if (p.exitCode !== null) return r(undefined);
        p.once('exit', r);
        p.send({ kind: 'close' });
      })));
    },
  };
}

const chunks = <T>(xs: T[], size: number): T[][] => Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));

function rssOf(pid: string): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
}

async function ejabberdRun(n: number) {
  const peer = await startEjabberd({ backlog: 4096 });
  let clients: Awaited<ReturnType<typeof spreadClients>> | undefined;
  let warm: Awaited<ReturnType<typeof spreadClients>> | undefined;
  try {
    const beam = spawnSync('pgrep', ['-f', `havenbench${peer.port}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    // The Erlang VM is the process with the largest resident set among those the node name matches.
    const pid = beam.sort((a, b) => rssOf(b) - rssOf(a))[0];
    if (!pid) throw new Error('ejabberd: no process found');
    // A few sessions first, so the listener and the anonymous-login code paths are loaded before measuring.
    warm = await spreadClients([{ kind: 'xmpp', port: peer.port, count: 10 }]);
    await sleep(1000);
    const before = rssOf(pid);
    const openStart = performance.now();
    clients = await spreadClients(chunks(Array.from({ length: n }), PER_PROCESS).map((c) => ({ kind: 'xmpp', port: peer.port, count: c.length })));
    const openSeconds = (performance.now() - openStart) / 1000;
    if (clients.opened === 0) throw new Error(`ejabberd: no session opened (${clients.firstError})`);
    await sleep(2000);
    const after = rssOf(pid);
    const status = await clients.status();
    return {
      server: 'ejabberd (memory only)',
      connections: clients.opened,
      failedToOpen: clients.failed,
      firstError: clients.firstError || undefined,
      stillOpen: status.open,
      openSeconds: round(openSeconds),
      opensPerSecond: round(clients.opened / openSeconds),
      rssBefore: before,
      rssAfter: after,
      perConnectionKB: { rss: round((after - before) / clients.opened / KB) },
    };
  } finally {
    await clients?.close();
    await warm?.close();
    peer.stop();
  }
}

export async function main(args: string[]): Promise<void> {
  const n = Number(arg(args, 'connections') ?? 19_800);
  const probeCount = Number(arg(args, 'probe') ?? 1600);
  const databaseUrl = arg(args, 'database-url');
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--connections must be a positive integer`);
  const loadBefore = loadavg().map(round);
  process.stdout.write(`connections: ${n} idle authenticated WebSocket connections, probe ${probeCount} messages at 50/s\n`);
  const haven = databaseUrl ? await withPgDatabase(databaseUrl, (url) => havenRun(n, probeCount, url)) : await havenRun(n, probeCount, undefined);
  process.stdout.write(
    `haven ${haven.database}: ${haven.connections} open (${haven.failedToOpen} failed) in ${haven.openSeconds} s; per connection heap ${haven.perConnectionKB.heapUsed} KB, rss ${haven.perConnectionKB.rss} KB; ` +
      `probe p50/p99 ${haven.probeBefore.latencyMs.p50}/${haven.probeBefore.latencyMs.p99} ms idle-free, ${haven.probeDuring.latencyMs.p50}/${haven.probeDuring.latencyMs.p99} ms with ${haven.connections} idle\n`,
  );
  let peer: Awaited<ReturnType<typeof ejabberdRun>> | undefined;
  let peerNote: string | undefined;
  if (ejabberdInstalled() && !args.includes('--no-peer')) {
    peer = await ejabberdRun(n);
    process.stdout.write(`ejabberd: ${peer.connections} open (${peer.failedToOpen} failed) in ${peer.openSeconds} s; per connection rss ${peer.perConnectionKB.rss} KB\n`);
  } else peerNote = 'ejabberd not run: the published figure is 22-28 KB per connection';
  const out = {
    benchmark: 'connections',
    date: new Date().toISOString(),
    machine: machine(loadBefore),
    params: { connections: n, probeMessages: probeCount, probeRate: 50 },
    haven,
    ejabberd: peer,
    peerNote,
    goal: { heapKBPerConnection: 10, probeP99Ms: 100 },
    verdict: {
      heapPerConnectionWithinGoal: haven.perConnectionKB.heapUsed <= 10,
      probeP99WithinGoal: haven.probeDuring.latencyMs.p99 < 100,
      probeNothingLost: haven.probeDuring.delivered === haven.probeDuring.sent && haven.probeDuring.duplicates === 0,
    },
    ratios: peer
      ? { havenRssOverEjabberdRss: round(haven.perConnectionKB.rss / peer.perConnectionKB.rss), havenHeapOverEjabberdRss: round(haven.perConnectionKB.heapUsed / peer.perConnectionKB.rss) }
      : undefined,
    probeP99DuringOverBefore: round(haven.probeDuring.latencyMs.p99 / haven.probeBefore.latencyMs.p99),
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/connections.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write('wrote bench/results/connections.json\n');
}
