import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../testing/env';
import { haven as havenAsync } from './run';
import { freePort } from '../../../testing/private-services';

// `haven serve` and `haven admin` as an operator runs them.

const BIN = join(REPO_ROOT, 'packages/cli/bin/haven.js');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'haven-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function haven(args: string[], options: { env?: Record<string, string>; input?: string; cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? tmp(),
    env: { ...process.env, ...options.env },
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}


describe('haven serve', () => {
  it('--help lists every option and the environment variables', () => {
    const r = haven(['serve', '--help']);
    expect(r.code).toBe(0);
    for (const opt of ['--port', '--host', '--data-dir', '--database-url', '--nats-url', '--log-level', '--config']) expect(r.stdout).toContain(opt);
    for (const env of ['HAVEN_PORT', 'HAVEN_HOST', 'HAVEN_DATA_DIR', 'HAVEN_DATABASE_URL', 'HAVEN_NATS_URL', 'HAVEN_LOG_LEVEL']) expect(r.stdout).toContain(env);
  });

  it.each([
    [['serve'], { HAVEN_PORT: 'eighty' }, /server\.port \(from HAVEN_PORT\): expected number/],
    [['serve', '--port', '99999'], {}, /server\.port: must be at most 65535/],
    [['serve', '--log-level', 'loud'], {}, /log\.level: allowed: "fatal"/],
    [['serve', '--database-url', 'mysql://db'], {}, /database\.url/],
    [['serve', '--config', 'missing.json'], {}, /missing\.json does not exist/],
  ])('a wrong value (%s %o) exits 2 naming the key', (args, env, message) => {
    const r = haven(args, { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('npm start honours HAVEN_PORT and HAVEN_DATA_DIR and prints the address', async () => {
    const port = await freePort();
    const dataDir = tmp();
    const child = spawn('npm', ['start', '--silent'], {
      cwd: REPO_ROOT,
      env: { ...process.env, HAVEN_PORT: String(port), HAVEN_DATA_DIR: dataDir, HAVEN_LOG_LEVEL: 'warn' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 300 && !out.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(`Haven is listening on http://127.0.0.1:${port}`);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await res.json()).toEqual({ status: 'ok' });
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});

describe('haven admin create-user', () => {
  it('creates the first admin before the server starts, and more accounts while it runs; they can sign in', async () => {
    const dataDir = tmp();
    const r = haven(['admin', 'create-user', '--data-dir', dataDir, '--handle', 'root', '--birth-date', '1980-01-01', '--role', 'admin', '--password-stdin'], {
      input: 'a long admin password\n',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ handle: 'root', role: 'admin' });
    expect(r.stdout).not.toContain('a long admin password');

    const { startServer, loadConfig } = await import('@haven/server');
    const server = await startServer(loadConfig({ env: {}, overrides: { dataDir, server: { port: 0 }, log: { level: 'silent' } } }));
    try {
      // While the server holds the embedded database, the CLI goes through its owner-only local socket
      // (issue 13, item 22; decision 0006) instead of opening the database a second time.
      expect(statSync(join(dataDir, 'admin.sock')).mode & 0o777).toBe(0o600);
      const running = await havenAsync(['admin', 'create-user', '--data-dir', dataDir, '--handle', 'second', '--birth-date', '1980-01-01', '--role', 'moderator', '--password-stdin'], { input: 'a long admin password' });
      expect(running.stderr).toBe('');
      expect(running.code).toBe(0);
      expect(JSON.parse(running.stdout)).toMatchObject({ handle: 'second', role: 'moderator' });
      // Refusals come back as they would from the database: a taken handle, an under-13.
      const again = await havenAsync(['admin', 'create-user', '--data-dir', dataDir, '--handle', 'second', '--birth-date', '1980-01-01', '--password-stdin'], { input: 'a long admin password' });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/account\.handle_taken/);
      const second = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handle: 'second', password: 'a long admin password' }),
      });
      expect((await second.json()).account.role).toBe('moderator');
      const login = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handle: 'root', password: 'a long admin password' }),
      });
      expect(login.status).toBe(200);
      expect((await login.json()).account.role).toBe('admin');
    } finally {
      await server.close();
    }
  }, 300_000);

  it('refuses a password in argv, bad input and under-13s with clear messages', () => {
    const dataDir = tmp();
    const base = ['admin', 'create-user', '--data-dir', dataDir, '--handle', 'kid', '--birth-date'];
    const noStdin = haven([...base, '1980-01-01']);
    expect(noStdin.code).toBe(2);
    expect(noStdin.stderr).toMatch(/--password-stdin/);
    const young = haven([...base, `${new Date().getUTCFullYear() - 10}-01-01`, '--password-stdin'], { input: 'a long password' });
    expect(young.code).toBe(1);
    expect(young.stderr).toMatch(/13 and over\. \(account\.too_young\)/);
    const badRole = haven([...base, '1980-01-01', '--role', 'god', '--password-stdin'], { input: 'a long password' });
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/role/);
  }, 300_000);
});
