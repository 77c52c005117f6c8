import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// PostgreSQL and NATS instances of one test's own, on free ports, for tests that stop and restart them.
// The machine's shared services are never touched: other tests run against them at the same time.

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

/** Resolves once `check` holds (polled every 50 ms); rejects after `ms` naming `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

export interface PrivatePostgres {
  /** postgres:// URL of its `postgres` database (trust authentication, user postgres). */
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops (fast mode: open connections are cut) and starts again. */
  restart(): Promise<void>;
  /** Stops it and deletes its files. */
  destroy(): Promise<void>;
}

/**
 * initdb into a temporary directory and start it on a free port. As root (initdb refuses root) the
 * programs run as the `postgres` user.
 */
export async function startPrivatePostgres(binDir: string): Promise<PrivatePostgres> {
  const root = mkdtempSync(join(tmpdir(), 'haven-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(root, pgUid(), pgGid());
  const run = (prog: string, args: string[]) => {
    const cmd = asRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir, prog), ...args]] as const : [join(binDir, prog), args] as const;
    const r = spawnSync(cmd[0], [...cmd[1]], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${prog} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  };
  const data = join(root, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  // pg_ctl start -w returns once it accepts connections; `stop -m fast` cuts open connections, like a crash
  // of the service would, but leaves the data consistent.
  const start = async () => run('pg_ctl', ['-D', data, '-o', opts, '-l', join(root, 'log'), '-w', '-t', '60', 'start']);
  const stop = async () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  await start();
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: async () => ((stopped = false), start()),
    stop: async () => ((stopped = true), stop()),
    restart: async () => (await stop(), await start()),
    destroy: async () => {
      if (!stopped) await stop().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const pgUid = (): number => Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
const pgGid = (): number => Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());

export interface PrivateNats {
  url: string;
  port: number;
  /** SIGKILL: gone without a goodbye, as in a crash. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

/** A nats-server of its own on a free port. */
export async function startPrivateNats(binary: string): Promise<PrivateNats> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(binary, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    await waitFor(() => canConnect(port), 20_000, `nats-server on port ${port}`);
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  await start();
  return { url: `nats://127.0.0.1:${port}`, port, kill, start };
}
