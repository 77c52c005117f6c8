// `npm run bench -- fanout [--groups 10] [--members 50] [--rate 20] [--seconds 8] [--rounds 1] [--database-url URL] [--no-peer]`
//
// Group fan-out (issue 12): G groups of M members (adults, a server with MLS off: the visible path), one
// sender per group, sending at a fixed total rate (scheduled, never waiting for a reply); every member is
// connected over WebSocket and acknowledges each message. Latency per delivery = the member's receipt -
// the send's scheduled time. Reference in the same run, same server, same connected members: the same
// offered message rate in G direct (1:1) conversations (each sender to one member of its group), so the
// ratio is the cost of fanning one message out to M-1 members; phases alternate when --rounds > 1. And,
// where it is installed, ejabberd with one MUC room per group (M occupants, the same senders and rate).
// The first second of each phase is warm-up: delivered and checked, not in the percentiles.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { client, xml } from '@xmpp/client';
import { ejabberdInstalled, startEjabberd } from './_ejabberd';
import { ROOT, api, arg, connect, machine, pool, round, seedAccounts, sendAtRate, startHaven, stats, visibleBody, waitFor, withPgDatabase, type HavenProcess, type LiveClient } from './_haven';

interface Params {
  groups: number;
  members: number;
  rate: number;
  seconds: number;
  rounds: number;
}

/** Counts deliveries of the scheduled messages: each (message, recipient) once, latency from the schedule. */
class Tally {
  scheduled = new Map<string, number>();
  seen = new Set<string>();
  latencies: number[] = [];
  duplicates = 0;
  last = 0;
  warmupUntil = Infinity;
  record(id: string, recipient: number, at: number): void {
    const due = this.scheduled.get(id);
    if (due === undefined) return;
    const key = `${id}:${recipient}`;
    if (this.seen.has(key)) return void this.duplicates++;
    this.seen.add(key);
    this.last = at;
    if (due >= this.warmupUntil) this.latencies.push(at - due);
  }
}

async function runPhase(label: string, senders: { ws: LiveClient['ws']; conversationId: string }[], perMessage: number, p: Params, setTally: (t: Tally) => void, server?: HavenProcess) {
  const tally = new Tally();
  setTally(tally);
  const total = Math.round(p.rate * p.seconds);
  const errorLinesBefore = server?.errorLines() ?? 0;
  const startGuess = performance.now();
  tally.warmupUntil = startGuess + 1000;
  const start = await sendAtRate(senders, p.rate, total, `${label}${randomBytes(3).toString('hex')}`, tally.scheduled, visibleBody());
  tally.warmupUntil = start + 1000;
  const sendEnd = performance.now();
  const expected = total * perMessage;
  await waitFor(() => tally.seen.size >= expected, 60_000);
  if (tally.seen.size === 0) throw new Error(`${label}: nothing delivered: the bench measures nothing`);
  const elapsed = (Math.max(tally.last, sendEnd) - start) / 1000;
  return {
    phase: label,
    messages: total,
    offeredMessagesPerSecond: p.rate,
    recipientsPerMessage: perMessage,
    expectedDeliveries: expected,
    delivered: tally.seen.size,
    lost: expected - tally.seen.size,
    duplicates: tally.duplicates,
    deliveriesPerSecond: round(tally.seen.size / elapsed),
    latencyMs: stats(tally.latencies),
    serverErrorLogLines: server ? server.errorLines() - errorLinesBefore : undefined,
  };
}

async function haven(p: Params, databaseUrl: string | undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), 'haven-bench-'));
  const tag = randomBytes(3).toString('hex');
  const accounts = await seedAccounts({ dataDir, databaseUrl }, `fan${tag}x`, p.groups * p.members);
  const server = await startHaven({ dataDir, databaseUrl });
  const clients: LiveClient[] = [];
  try {
    const groupOf = (g: number) => accounts.slice(g * p.members, (g + 1) * p.members);
    const groups = await pool(Array.from({ length: p.groups }, (_, g) => g), 4, async (g) => {
      const [sender, ...rest] = groupOf(g);
      const conv = await api<{ id: string; mode: string }>(server.url, sender!.token, 'POST', '/v1/conversations', { kind: 'group', title: `bench ${g}`, members: rest.map((a) => a.handle) });
      if (conv.mode !== 'visible') throw new Error(`expected a visible group, got ${conv.mode}`);
      return conv.id;
    });
    const directs = await pool(Array.from({ length: p.groups }, (_, g) => g), 4, async (g) => {
      const conv = await api<{ id: string }>(server.url, groupOf(g)[0]!.token, 'POST', '/v1/conversations', { kind: 'direct', with: groupOf(g)[1]!.handle });
      return conv.id;
    });
    let tally = new Tally();
    // Every member connected and acknowledging, through both phases.
    await pool(accounts, 50, async (a, i) => {
      clients[i] = await connect(server.wsUrl, a.token, { ack: true, onMessage: (m, at) => tally.record(m.clientMessageId, i, at) });
    });
    const senderWs = (g: number) => clients[g * p.members]!.ws;
    const results = [];
    for (let r = 0; r < p.rounds; r++) {
      const order = r % 2 === 0 ? ['direct', 'group'] : ['group', 'direct'];
      for (const label of order) {
        const senders = Array.from({ length: p.groups }, (_, g) => ({ ws: senderWs(g), conversationId: label === 'group' ? groups[g]! : directs[g]! }));
        const res = await runPhase(label, senders, label === 'group' ? p.members - 1 : 1, p, (t) => (tally = t), server);
        process.stdout.write(
          `haven ${label.padEnd(6)} round ${r}: ${res.delivered}/${res.expectedDeliveries} deliveries (${res.deliveriesPerSecond}/s), per delivery p50 ${res.latencyMs.p50} ms, p99 ${res.latencyMs.p99} ms, max ${res.latencyMs.max} ms; lost ${res.lost}, dup ${res.duplicates}\n`,
        );
        results.push({ round: r, ...res });
      }
    }
    return { database: databaseUrl ? 'postgres' : 'pglite', results, errorFrames: clients.reduce((a, c) => a + c.errors, 0) };
  } finally {
    for (const c of clients) c?.ws.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The same groups as ejabberd MUC rooms: M occupants each, one sender per room, the same rate and tally. */
async function ejabberd(p: Params) {
  const peer = await startEjabberd({ backlog: 4096, muc: true });
  const xs: ReturnType<typeof client>[] = [];
  try {
    let tally = new Tally();
    const roomOf = (g: number) => `bench${g}@conference.localhost`;
    await pool(Array.from({ length: p.groups * p.members }, (_, i) => i), 50, async (_, i) => {
      const g = Math.floor(i / p.members);
      const m = i % p.members;
      // The sender (m = 0) makes the room; the others join after it.
      if (m !== 0) await waitFor(() => made.has(g), 60_000);
      const c = client({ service: `xmpp://127.0.0.1:${peer.port}`, domain: 'localhost' });
      c.on('error', () => undefined);
      await c.start();
      xs[i] = c;
      const joined = new Promise<void>((resolve) => {
        c.on('stanza', (s) => {
          if (s.is('presence') && s.attrs.from === `${roomOf(g)}/m${m}`) resolve();
          if (s.is('message') && s.attrs.type === 'groupchat' && m !== 0) tally.record(s.attrs.id as string, i, performance.now());
        });
      });
      await c.send(xml('presence', { to: `${roomOf(g)}/m${m}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' }))));
      await joined;
      if (m === 0) {
        // An instant room (XEP-0045 10.1.2): accept the default configuration so others may enter.
        await c.iqCaller.request(xml('iq', { type: 'set', to: roomOf(g) }, xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));
        made.add(g);
      }
    });
    const text = 'x'.repeat(200);
    const senders = Array.from({ length: p.groups }, (_, g) => ({
      ws: { send: (frame: string) => void xs[g * p.members]!.send(xml('message', { to: roomOf(g), type: 'groupchat', id: (JSON.parse(frame) as { clientMessageId: string }).clientMessageId }, xml('body', {}, text))) },
      conversationId: roomOf(g),
    }));
    const results = [];
    for (let r = 0; r < p.rounds; r++) {
      const res = await runPhase('muc', senders as never, p.members - 1, p, (t) => (tally = t));
      process.stdout.write(`ejabberd muc round ${r}: ${res.delivered}/${res.expectedDeliveries} deliveries (${res.deliveriesPerSecond}/s), per delivery p50 ${res.latencyMs.p50} ms, p99 ${res.latencyMs.p99} ms, max ${res.latencyMs.max} ms; lost ${res.lost}, dup ${res.duplicates}\n`);
      results.push({ round: r, ...res });
    }
    return { server: 'ejabberd (memory only, mod_muc)', results };
  } finally {
    await Promise.all(xs.map((c) => c?.stop().catch(() => undefined)));
    peer.stop();
  }
}
const made = new Set<number>();

export async function main(args: string[]): Promise<void> {
  const p: Params = {
    groups: Number(arg(args, 'groups') ?? 10),
    members: Number(arg(args, 'members') ?? 50),
    rate: Number(arg(args, 'rate') ?? 20),
    seconds: Number(arg(args, 'seconds') ?? 8),
    rounds: Number(arg(args, 'rounds') ?? 1),
  };
  if (!Object.values(p).every((v) => Number.isFinite(v) && v > 0) || p.members < 2) throw new Error('fanout: bad arguments');
  const databaseUrl = arg(args, 'database-url');
  const loadBefore = loadavg().map(round);
  process.stdout.write(`fanout: ${p.groups} groups of ${p.members}, ${p.rate} msgs/s offered in all (${p.rate * (p.members - 1)} deliveries/s), ${p.seconds} s per phase\n`);
  const h = databaseUrl ? await withPgDatabase(databaseUrl, (url) => haven(p, url)) : await haven(p, undefined);
  const peer = ejabberdInstalled() && !args.includes('--no-peer') ? await ejabberd(p) : undefined;
  const mean = (xs: { latencyMs: { p50: number; p99: number }; deliveriesPerSecond: number }[], f: (x: (typeof xs)[number]) => number) => xs.map(f).reduce((a, b) => a + b, 0) / xs.length;
  const group = h.results.filter((x) => x.phase === 'group');
  const direct = h.results.filter((x) => x.phase === 'direct');
  const ratios: Record<string, number> = {
    groupOverDirectP50: round(mean(group, (x) => x.latencyMs.p50) / mean(direct, (x) => x.latencyMs.p50)),
    groupOverDirectP99: round(mean(group, (x) => x.latencyMs.p99) / mean(direct, (x) => x.latencyMs.p99)),
    groupOverDirectDeliveriesPerSecond: round(mean(group, (x) => x.deliveriesPerSecond) / mean(direct, (x) => x.deliveriesPerSecond)),
  };
  if (peer) {
    ratios.havenGroupOverMucP50 = round(mean(group, (x) => x.latencyMs.p50) / mean(peer.results, (x) => x.latencyMs.p50));
    ratios.havenGroupOverMucP99 = round(mean(group, (x) => x.latencyMs.p99) / mean(peer.results, (x) => x.latencyMs.p99));
    ratios.havenGroupOverMucDeliveriesPerSecond = round(mean(group, (x) => x.deliveriesPerSecond) / mean(peer.results, (x) => x.deliveriesPerSecond));
  }
  process.stdout.write(`ratios: ${JSON.stringify(ratios)}\n`);
  const out = {
    benchmark: 'fanout',
    date: new Date().toISOString(),
    machine: machine(loadBefore),
    params: { ...p, path: 'visible', database: h.database },
    haven: h,
    ejabberd: peer,
    ratios,
    nothingLostOrDuplicated: [...h.results, ...(peer?.results ?? [])].every((x) => x.lost === 0 && x.duplicates === 0),
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/fanout.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write('wrote bench/results/fanout.json\n');
}
