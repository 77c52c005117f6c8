import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { REPO_ROOT } from '../../../testing/env';

// Issue 13, item 23: `npm start` stopped by a signal to npm's process must not leave `haven serve`
// running, and SIGTERM finishes in-flight work before the server exits.

const dirs: string[] = [];
const procs: ChildProcess[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function start(command: string, args: string[], dataDir: string) {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, HAVEN_DATA_DIR: dataDir, HAVEN_PORT: '0', HAVEN_LOG_LEVEL: 'warn', HAVEN_E2EE: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = waitFor('the server to listen', () => /Haven is listening on (http:\/\/\S+)/.exec(out)?.[1], 90_000);
  return { child, url, exited, output: () => out };
}

/** The `haven serve` process: the one holding the embedded database's lock file. */
const servePid = async (dataDir: string) => Number((await readFile(join(dataDir, 'db.lock'), 'utf8')).trim());

describe('haven serve stops with its parent and on SIGTERM (item 23)', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`npm start, then ${signal} to npm's process: haven serve exits too`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'haven-npm-start-'));
      dirs.push(dataDir);
      const npm = start('npm', ['start', '--silent'], dataDir);
      await npm.url;
      const pid = await servePid(dataDir);
      expect(alive(pid)).toBe(true);
      npm.child.kill(signal);
      await npm.exited;
      await waitFor('haven serve to exit', () => (alive(pid) ? undefined : true), 20_000);
    }, 150_000);
  }

  it('SIGTERM during an upload: the upload completes (201), then the server exits 0', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'haven-sigterm-'));
    dirs.push(dataDir);
    const serve = start(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/haven.js'), 'serve'], dataDir);
    const url = await serve.url;
    const post = async (path: string, body: unknown, token?: string) => {
      const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      return (await r.json()) as any;
    };
    const a = await post('/v1/accounts', { handle: 'sig.alice', password: 'a long password', birthDate: '1990-01-01' });
    await post('/v1/accounts', { handle: 'sig.bob', password: 'a long password', birthDate: '1990-01-01' });
    const c = await post('/v1/conversations', { kind: 'direct', with: 'sig.bob' }, a.token);
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 10, g: 200, b: 90 } } }).png().toBuffer();

    const u = new URL(`${url}/v1/media?conversationId=${c.id}`);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'image/png', 'content-length': png.length } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      // Half the file now; SIGTERM; the rest after the server has begun to stop.
      req.write(png.subarray(0, 100));
      setTimeout(() => {
        serve.child.kill('SIGTERM');
        setTimeout(() => req.end(png.subarray(100)), 700);
      }, 300);
    });
    const r = await answer;
    expect(r.status, r.body).toBe(201);
    expect(await serve.exited).toBe(0);
    expect(serve.output()).toContain('Haven is stopping (SIGTERM)');
  }, 150_000);
});
