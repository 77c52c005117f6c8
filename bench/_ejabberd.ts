// The peer in the delivery benchmark: Debian's ejabberd (`apt-get install -y ejabberd`), started by the
// bench as its own node on a free port with anonymous login, no archive and no offline storage (messages
// kept only in memory), no traffic shaping, and the open-file limit raised so it can hold the clients.
// The load is the same as Haven's: N clients in pairs, a fixed total rate on the same 2 ms tick, latency
// from the scheduled send to the recipient's receipt. Not a benchmark of its own (the name starts with _).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, xml } from '@xmpp/client';
import { freePort } from '../testing/private-services';

const EJABBERDCTL = '/usr/sbin/ejabberdctl';

export const ejabberdInstalled = (): boolean => existsSync(EJABBERDCTL);


export interface Ejabberd {
  port: number;
  stop(): void;
}

/**
 * `backlog`: the listener's queue of connections not yet accepted (ejabberd's default is 5: with many
 * clients connecting at once the rest wait for retransmissions). `muc`: load mod_muc on
 * conference.localhost (rooms made on first join, no history, no occupant limit below 1,000).
 */
export async function startEjabberd(opts: { backlog?: number; muc?: boolean } = {}): Promise<Ejabberd> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'haven-bench-ejabberd-'));
  const node = `havenbench${port}@localhost`;
  writeFileSync(
    join(dir, 'ejabberd.yml'),
    [
      'hosts: [localhost]',
      'loglevel: warning',
      'certfiles: []',
      'listen:',
      `  - {port: ${port}, ip: "127.0.0.1", module: ejabberd_c2s, max_stanza_size: 262144, shaper: none, access: all, starttls_required: false${opts.backlog ? `, backlog: ${opts.backlog}` : ''}}`,
      'auth_method: anonymous',
      'anonymous_protocol: sasl_anon',
      'acl: {}',
      'access_rules: {local: {allow: all}, c2s: {allow: all}}',
      'shaper_rules: {c2s_shaper: none, max_user_sessions: 10000}',
      opts.muc
        ? 'modules: {mod_muc: {host: "conference.localhost", access: all, access_create: all, access_persistent: all, access_admin: none, history_size: 0, max_users: 1000, max_user_conferences: 100, min_message_interval: 0, default_room_options: {persistent: false, logging: false, mam: false}}}'
        : 'modules: {}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'ejabberdctl.cfg'),
    [`EJABBERD_CONFIG_PATH=${join(dir, 'ejabberd.yml')}`, `EJABBERD_PID_PATH=${join(dir, 'ejabberd.pid')}`, 'ERL_MAX_PORTS=65536', 'ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"', ''].join('\n'),
  );
  // ejabberdctl runs the node as the ejabberd user, which must own its spool and log folder.
  const uid = Number(execFileSync('id', ['-u', 'ejabberd']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'ejabberd']).toString().trim());
  chmodSync(dir, 0o755);
  for (const f of ['', 'ejabberd.yml', 'ejabberdctl.cfg']) chownSync(join(dir, f), uid, gid);
  // Run as the ejabberd user directly (setpriv, no PAM): through `su`, pam_limits would reset the node's
  // open-file limit to 1,024, and raising another user's limit afterwards needs CAP_SYS_RESOURCE, which
  // a container may not have. The node inherits this process's limit (Node raises it to the hard limit).
  const ctl = (...args: string[]) =>
    spawnSync('setpriv', ['--reuid', String(uid), '--regid', String(gid), '--init-groups', EJABBERDCTL, '--ctl-config', join(dir, 'ejabberdctl.cfg'), '--config', join(dir, 'ejabberd.yml'), '--spool', dir, '--logs', dir, '--node', node, ...args], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, HOME: '/var/lib/ejabberd', USER: 'ejabberd', LOGNAME: 'ejabberd' },
    });
  const started = ctl('start');
  if (started.status !== 0) throw new Error(`ejabberdctl start failed: ${started.stderr || started.stdout}`);
  const ready = ctl('started');
  if (ready.status !== 0) throw new Error(`ejabberd did not start: ${ready.stderr || ready.stdout}`);
  return {
    port,
    stop() {
      ctl('stop');
      ctl('stopped');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
export const round = (n: number): number => Math.round(n * 100) / 100;

/** The delivery load against ejabberd: the same shape and measurements as Haven's run. */
export async function runXmpp(port: number, params: { clients: number; rate: number; seconds: number }) {
  const clients: { c: ReturnType<typeof client>; jid: string }[] = [];
  for (let i = 0; i < params.clients; i++) {
    const c = client({ service: `xmpp://127.0.0.1:${port}`, domain: 'localhost' });
    c.on('error', () => undefined);
    const jid = await c.start();
    clients.push({ c, jid: String(jid) });
  }
  const scheduled = new Map<string, number>();
  const warmup = new Set<string>();
  const latencies: number[] = [];
  let delivered = 0;
  let lastDelivery = 0;
  for (const { c } of clients) {
    c.on('stanza', (s) => {
      if (!s.is('message')) return;
      const at = scheduled.get(s.attrs.id as string);
      if (at === undefined) return;
      const now = performance.now();
      delivered++;
      if (!warmup.has(s.attrs.id as string)) latencies.push(now - at);
      lastDelivery = now;
    });
  }
  const total = Math.round(params.rate * params.seconds);
  const text = 'x'.repeat(200);
  const tag = Math.random().toString(36).slice(2, 8);
  const start = performance.now();
  let k = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * params.rate) + 1);
      for (; k < due; k++) {
        const from = clients[k % clients.length]!;
        const to = clients[(k % clients.length) ^ 1]!;
        const id = `b${k.toString(36)}x${tag}`;
        scheduled.set(id, start + (k / params.rate) * 1000);
        if (k < params.rate) warmup.add(id);
        void from.c.send(xml('message', { to: to.jid, type: 'chat', id }, xml('body', {}, text)));
      }
      if (k >= total) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  const sendEnd = performance.now();
  const deadline = sendEnd + 30_000;
  while (delivered < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await Promise.all(clients.map(({ c }) => c.stop().catch(() => undefined)));
  if (delivered === 0) throw new Error(`ejabberd: 0 of ${total} messages delivered: the bench measures nothing`);
  const sorted = latencies.slice().sort((a, b) => a - b);
  const elapsed = (Math.max(lastDelivery, sendEnd) - start) / 1000;
  return {
    database: 'ejabberd (memory only)',
    path: 'xmpp' as const,
    sent: total,
    delivered,
    errors: 0,
    offeredRate: params.rate,
    deliveredPerSecond: round(delivered / elapsed),
    latencySamples: latencies.length,
    latencyMs: { p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), p999: round(percentile(sorted, 0.999)), max: round(sorted.at(-1) ?? NaN) },
  };
}
