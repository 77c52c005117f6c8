import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../testing/env';

// A Haven server as a separate process, started the way an operator starts it.

export interface ChildServer {
  url: string;
  proc: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startChildServer(args: string[], env: Record<string, string> = {}, startTimeoutMs = 30_000): Promise<ChildServer> {
  const proc = spawn(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/haven.js'), 'serve', '--port', '0', ...args], {
    cwd: REPO_ROOT,
    // Delivery tests exchange visible payloads: e2ee is off unless a test turns it on (HAVEN_E2EE).
    env: { ...process.env, HAVEN_LOG_LEVEL: 'info', HAVEN_E2EE: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${startTimeoutMs / 1000} s:\n${out}`)), startTimeoutMs);
    const check = () => {
      const m = /Haven is listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    proc,
    output: () => out,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      }),
  };
}
