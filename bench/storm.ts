// `npm run bench -- storm [--clients 1000] [--backlog 5,20] [--wave 50] [--rounds 1] [--database-url URL]`
//
// Reconnect storm (issue 12): N clients (accounts made before timing), each with a backlog waiting, all
// reconnect at once; the time until each client holds its whole backlog, from the moment the storm
// starts. Reference in the same run: the same clients, with a fresh backlog of the same sizes,
// reconnecting in waves of `--wave` (each wave starts when the previous one has everything), timed from
// its wave's start per client. Every client acknowledges each message as it arrives (as the SDK does) and,
// before it closes, sends a ping and waits for the pong, so its acks are stored before the next backlog
// is made. Each client is in a direct conversation with one of 20 senders, which make the backlog while
// the clients are away (visible path: a server with MLS off). Results: bench/results/storm.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ROOT, api, arg, connect, machine, pool, round, seedAccounts, startHaven, stats, visibleBody, waitFor, withPgDatabase, type HavenProcess, type LiveClient, type Seeded } from './_haven';

const SENDERS = 20;

interface Member {
  account: Seeded;
  conversationId: string;
  sender: number;
  backlog: number;
}

/** While the clients are away, each sender sends each of its clients that client's backlog. Returns the ids per client. */
async function makeBacklog(server: HavenProcess, senders: Seeded[], members: Member[], round: string): Promise<Set<string>[]> {
  const expected = members.map(() => new Set<string>());
  const payload = visibleBody();
  let acknowledged = 0;
  let errors = 0;
  const total = members.reduce((a, m) => a + m.backlog, 0);
  const conns = await Promise.all(senders.map((s) => connect(server.wsUrl, s.token, { onFrame: (f) => void (f.type === 'sent' ? acknowledged++ : f.type === 'error' ? errors++ : 0) })));
  members.forEach((m, i) => {
    for (let k = 0; k < m.backlog; k++) {
      const id = `${round}-${i}-${k}`;
      expected[i]!.add(id);
      conns[m.sender]!.ws.send(JSON.stringify({ type: 'send', conversationId: m.conversationId, clientMessageId: id, ...payload }));
    }
  });
  if (!(await waitFor(() => acknowledged + errors >= total, 180_000)) || errors > 0) throw new Error(`backlog: ${acknowledged} of ${total} messages stored, ${errors} errors`);
  for (const c of conns) c.ws.close();
  return expected;
}

interface ClientOutcome {
  /** ms from its start (the storm's or its wave's) until it held its whole backlog; undefined: never. */
  completeMs?: number;
  syncedMs?: number;
  received: number;
  duplicates: number;
  /** Messages from an earlier round delivered again (an ack that was not stored). */
  stale: number;
  failed?: string;
}

/** One client reconnecting: hello, backlog (acknowledged), synced; resolves when it holds everything or fails. */
async function reconnect(server: HavenProcess, m: Member, expected: Set<string>, t0: number): Promise<{ outcome: ClientOutcome; client?: LiveClient }> {
  const seen = new Set<string>();
  const outcome: ClientOutcome = { received: 0, duplicates: 0, stale: 0 };
  let client: LiveClient | undefined;
  try {
    client = await connect(server.wsUrl, m.account.token, {
      ack: true,
      onMessage: (msg, at) => {
        if (!expected.has(msg.clientMessageId)) return void outcome.stale++;
        if (seen.has(msg.clientMessageId)) return void outcome.duplicates++;
        seen.add(msg.clientMessageId);
        outcome.received++;
        if (seen.size === expected.size) outcome.completeMs = at - t0;
      },
    });
    outcome.syncedMs = performance.now() - t0;
  } catch (e) {
    outcome.failed = (e as Error).message;
  }
  return { outcome, client };
}

/** Pings and waits for the pong (every ack before it is stored), then closes. */
async function closeAfterAcks(c: LiveClient): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 30_000);
    c.ws.on('message', (d) => {
      if ((JSON.parse(d.toString()) as { type: string }).type === 'pong') {
        clearTimeout(t);
        resolve();
      }
    });
    c.ws.send(JSON.stringify({ type: 'ping', ref: 'bye' }));
  });
  c.ws.close();
}

async function scrapeLag(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^haven_nodejs_eventloop_lag_max_seconds (\S+)/m.exec(text)?.[1] ?? NaN);
}

async function phase(server: HavenProcess, members: Member[], expected: Set<string>[], wave: number, label: string) {
  await scrapeLag(server.url); // resets the event-loop histogram: the next read covers this phase only
  const errorLinesBefore = server.errorLines();
  const outcomes: ClientOutcome[] = new Array(members.length);
  const clients: LiveClient[] = [];
  const start = performance.now();
  for (let w = 0; w < members.length; w += wave) {
    const t0 = performance.now();
    const idx = members.slice(w, w + wave).map((_, j) => w + j);
    await Promise.all(
      idx.map(async (i) => {
        const r = await reconnect(server, members[i]!, expected[i]!, t0);
        outcomes[i] = r.outcome;
        if (r.client) clients.push(r.client);
      }),
    );
    // Connected and synced; the last messages may still be in flight to this side.
    await waitFor(() => idx.every((i) => outcomes[i]!.failed !== undefined || outcomes[i]!.completeMs !== undefined), 60_000);
  }
  const totalMs = performance.now() - start;
  const lagMaxMs = (await scrapeLag(server.url)) * 1000;
  await Promise.all(clients.map(closeAfterAcks));
  const complete = outcomes.filter((o) => o.completeMs !== undefined);
  const expectedTotal = expected.reduce((a, s) => a + s.size, 0);
  const received = outcomes.reduce((a, o) => a + o.received, 0);
  if (received === 0) throw new Error(`${label}: no backlog message delivered: the bench measures nothing`);
  return {
    phase: label,
    clients: members.length,
    wave,
    backlogMessages: expectedTotal,
    received,
    lost: expectedTotal - received,
    duplicates: outcomes.reduce((a, o) => a + o.duplicates, 0),
    stale: outcomes.reduce((a, o) => a + o.stale, 0),
    clientsComplete: complete.length,
    clientsFailed: outcomes.filter((o) => o.failed).length,
    firstFailure: outcomes.find((o) => o.failed)?.failed,
    errorFrames: clients.reduce((a, c) => a + c.errors, 0),
    abnormalCloses: clients.filter((c) => c.closeCode !== undefined).length,
    serverErrorLogLines: server.errorLines() - errorLinesBefore,
    totalSeconds: round(totalMs / 1000),
    messagesPerSecond: round(received / (totalMs / 1000)),
    perClientCompleteMs: stats(complete.map((o) => o.completeMs!)),
    perClientSyncedMs: stats(outcomes.filter((o) => o.syncedMs !== undefined).map((o) => o.syncedMs!)),
    eventLoopLagMaxMs: round(lagMaxMs),
  };
}

async function run(n: number, range: [number, number], wave: number, rounds: number, databaseUrl: string | undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), 'haven-bench-'));
  const tag = randomBytes(3).toString('hex');
  const seeded = await seedAccounts({ dataDir, databaseUrl }, `storm${tag}x`, n + SENDERS);
  const server = await startHaven({ dataDir, databaseUrl });
  try {
    const senders = seeded.slice(n);
    // Backlog sizes spread evenly over the range, the same in every phase.
    const members: Member[] = await pool(seeded.slice(0, n), 8, async (account, i) => {
      const sender = i % SENDERS;
      const conv = await api<{ id: string; mode: string }>(server.url, senders[sender]!.token, 'POST', '/v1/conversations', { kind: 'direct', with: account.handle });
      if (conv.mode !== 'visible') throw new Error(`expected a visible conversation, got ${conv.mode}`);
      return { account, conversationId: conv.id, sender, backlog: range[0] + (i % (range[1] - range[0] + 1)) };
    });
    const results = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so neither always meets a warmer server.
      const order: [string, number][] = r % 2 === 0 ? [['storm', n], ['waves', wave]] : [['waves', wave], ['storm', n]];
      for (const [label, size] of order) {
        const fillStart = performance.now();
        const expected = await makeBacklog(server, senders, members, `${label}${r}`);
        const fillSeconds = (performance.now() - fillStart) / 1000;
        const res = { round: r, backlogFillSeconds: round(fillSeconds), ...(await phase(server, members, expected, size, label)) };
        process.stdout.write(
          `${label.padEnd(5)} round ${r}: ${res.clientsComplete}/${n} complete in ${res.totalSeconds} s (${res.messagesPerSecond} msgs/s), per client p50 ${res.perClientCompleteMs.p50} ms, p99 ${res.perClientCompleteMs.p99} ms, max ${res.perClientCompleteMs.max} ms; lost ${res.lost}, dup ${res.duplicates}, stale ${res.stale}, failed ${res.clientsFailed}, error frames ${res.errorFrames}, server errors ${res.serverErrorLogLines}, loop lag max ${res.eventLoopLagMaxMs} ms\n`,
        );
        results.push(res);
      }
    }
    return { database: databaseUrl ? 'postgres' : 'pglite', results };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const n = Number(arg(args, 'clients') ?? 1000);
  const range = (arg(args, 'backlog') ?? '5,20').split(',').map(Number) as [number, number];
  const wave = Number(arg(args, 'wave') ?? 50);
  const rounds = Number(arg(args, 'rounds') ?? 1);
  const databaseUrl = arg(args, 'database-url');
  if (!(n > 0 && wave > 0 && rounds > 0 && range.length === 2 && range[0] > 0 && range[1] >= range[0])) throw new Error('storm: bad arguments');
  const loadBefore = loadavg().map(round);
  process.stdout.write(`storm: ${n} clients with ${range[0]}-${range[1]} messages waiting each; all at once, then in waves of ${wave}\n`);
  const r = databaseUrl ? await withPgDatabase(databaseUrl, (url) => run(n, range, wave, rounds, url)) : await run(n, range, wave, rounds, undefined);
  const mean = (label: string, f: (x: (typeof r.results)[number]) => number) => {
    const xs = r.results.filter((x) => x.phase === label).map(f);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const ratios = {
    stormOverWavesTotal: round(mean('storm', (x) => x.totalSeconds) / mean('waves', (x) => x.totalSeconds)),
    stormOverWavesPerClientP50: round(mean('storm', (x) => x.perClientCompleteMs.p50) / mean('waves', (x) => x.perClientCompleteMs.p50)),
    stormOverWavesPerClientP99: round(mean('storm', (x) => x.perClientCompleteMs.p99) / mean('waves', (x) => x.perClientCompleteMs.p99)),
    stormOverWavesThroughput: round(mean('storm', (x) => x.messagesPerSecond) / mean('waves', (x) => x.messagesPerSecond)),
  };
  process.stdout.write(`ratios storm/waves: total ${ratios.stormOverWavesTotal}, per-client p50 ${ratios.stormOverWavesPerClientP50}, p99 ${ratios.stormOverWavesPerClientP99}, throughput ${ratios.stormOverWavesThroughput}\n`);
  const out = {
    benchmark: 'storm',
    date: new Date().toISOString(),
    machine: machine(loadBefore),
    params: { clients: n, backlog: range, wave, rounds, senders: SENDERS, database: r.database, path: 'visible' },
    results: r.results,
    ratios,
    nothingLostOrDuplicated: r.results.every((x) => x.lost === 0 && x.duplicates === 0 && x.stale === 0),
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/storm.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write('wrote bench/results/storm.json\n');
}
