// `npm run bench -- cli [--runs N]` (default 7; `--quick`: 3): how long a `haven` command takes from a cold
// process to its exit: `haven --version`, `haven conversations`, and `haven send` to an end-to-end
// encrypted conversation and to a visible one, each run as a new process (`node packages/cli/bin/haven.js`,
// as a user runs it) against a real server (`haven serve` on an embedded database in a temporary
// directory, its own process). References measured in the same run, interleaved round by round so that
// every variant sees the same load:
//   - `node -e 0`: the floor, Node starting and exiting with nothing to load;
//   - eager: the same sources built as dist was before commands loaded lazily: one bundle, every package
//     an import of node_modules, so each command loads every dependency at start (the server still lazy);
//   - tsx: the sources compiled at start (bin/haven.js with HAVEN_FROM_SOURCE=1, the development path),
//     for `--version` and `conversations` only (it takes seconds a run).
// Wall time and CPU time (user + system of the child, from /proc: on a loaded machine wall time waits
// for the CPU, CPU time much less) are recorded with the machine's load average, and so is the server's
// own time for the request `conversations` makes (the same request from the bench process). Builds dist
// first, as `npm install` does. Results: bench/results/cli.json.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ROUTES } from '@haven/protocol';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'packages/cli/bin/haven.js');
// Under packages/cli/node_modules so that its imports resolve as the CLI's own do (commander 14 is there).
const EAGER_DIR = join(ROOT, 'packages/cli/node_modules/.cache/haven-cli-eager');
const PASSWORD = 'bench password, not a secret';
const GOAL_MS = 200;

const round = (x: number, d = 1): number => Number(x.toFixed(d));
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/** The eager reference: one bundle of the CLI, every package outside the workspace left to node_modules. */
async function buildEager(): Promise<string> {
  rmSync(EAGER_DIR, { recursive: true, force: true });
  await build({
    entryPoints: { haven: join(ROOT, 'packages/cli/src/main.ts') },
    outfile: join(EAGER_DIR, 'haven.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    plugins: [
      {
        name: 'node-modules-external',
        setup(b) {
          // @haven/server itself stays out (it was a lazily loaded chunk); its config module is bundled.
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@haven/') && args.path !== '@haven/server' ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  return join(EAGER_DIR, 'haven.mjs');
}

/** User + system CPU time of this process's waited-for children, in ms (Linux; undefined elsewhere). */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5) (cutime, cstime) are at 13 and 14 after the name.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  cpuMs: number | undefined;
}

function run(argv: string[], env: Record<string, string> = {}, input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const cpu0 = childrenCpuMs();
    const t0 = performance.now();
    const child = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, HAVEN_DEBUG: '', NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const cpu1 = childrenCpuMs();
      resolve({ code, stdout, stderr, wallMs, cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 });
    });
    child.stdin.end(input);
  });
}

async function must(argv: string[], input = ''): Promise<Run> {
  const r = await run(argv, {}, input);
  if (r.code !== 0) throw new Error(`\`haven ${argv.slice(1).join(' ')}\` exited ${r.code}: ${r.stderr.trim()}`);
  return r;
}

/** `haven serve` on a temporary data directory and a free port; resolves with its address. */
function serve(dataDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('close', (code) => reject(new Error(`haven serve exited ${code} before listening: ${out}`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        resolve({
          url: m[1],
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
  });
}

interface Variant {
  name: string;
  argv: (args: string[]) => string[];
  env?: Record<string, string>;
}

interface Case {
  name: string;
  args: string[];
  /** Also run through tsx (slow). */
  tsx: boolean;
}

export async function main(argv: string[]): Promise<void> {
  const runsFlag = argv.indexOf('--runs');
  const runs = argv.includes('--quick') ? 3 : runsFlag >= 0 ? Number(argv[runsFlag + 1]) : 7;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number of runs');
  const started = performance.now();
  const loadBefore = loadavg();

  // What `npm install` builds; without it bin/haven.js would run the sources through tsx.
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { stdio: 'inherit' });
  const eager = await buildEager();

  const dir = mkdtempSync(join(tmpdir(), 'haven-bench-cli-'));
  const server = await serve(join(dir, 'data'));
  try {
    const profile = (h: string) => join(dir, h);
    const tag = process.pid % 10_000;
    const [amy, bob, kid, kid2] = ['amy', 'bob', 'kid', 'kidtwo'].map((h) => `bench${h}${tag}`) as [string, string, string, string];
    for (const [h, birthDate] of [
      [amy, '1990-01-01'],
      [bob, '1990-01-01'],
      [kid, '2012-01-01'],
      [kid2, '2012-01-01'],
    ] as const) {
      await must([BIN, 'register', '--server', server.url, '--profile', profile(h), '--handle', h, '--birth-date', birthDate, '--password-stdin'], `${PASSWORD}\n`);
    }
    // Two adults: an e2ee conversation (its group made by the first send); two children: a visible one.
    await must([BIN, 'contacts', 'add', '--profile', profile(kid), kid2]);
    await must([BIN, 'contacts', 'accept', '--profile', profile(kid2), kid]);
    const e2ee = await must([BIN, 'send', '--profile', profile(amy), '--to', bob, 'first']);
    const visible = await must([BIN, 'send', '--profile', profile(kid), '--to', kid2, 'first']);
    if (!/end-to-end encrypted/.test(e2ee.stdout) || !/visible/.test(visible.stdout)) {
      throw new Error(`the conversations are not the modes measured: ${e2ee.stdout.trim()} / ${visible.stdout.trim()}`);
    }

    const cases: Case[] = [
      { name: 'version', args: ['--version'], tsx: true },
      { name: 'conversations', args: ['conversations', '--profile', profile(amy)], tsx: true },
      { name: 'send (e2ee)', args: ['send', '--profile', profile(amy), '--to', bob, 'hello from the bench'], tsx: false },
      { name: 'send (visible)', args: ['send', '--profile', profile(kid), '--to', kid2, 'hello from the bench'], tsx: false },
    ];
    const variants: Variant[] = [
      { name: 'compiled', argv: (a) => [BIN, ...a] },
      { name: 'eager', argv: (a) => [eager, ...a] },
      { name: 'tsx', argv: (a) => [BIN, ...a], env: { HAVEN_FROM_SOURCE: '1' } },
    ];
    // The server's own share of `conversations`: the same request from this process, on a new connection.
    const amyToken = (JSON.parse(readFileSync(join(profile(amy), 'profile.json'), 'utf8')) as { token: string }).token;
    const serverRequest = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${server.url}${ROUTES.listConversations.path}`, { headers: { authorization: `Bearer ${amyToken}`, connection: 'close' } });
      await res.text();
      if (!res.ok) throw new Error(`GET ${ROUTES.listConversations.path}: ${res.status}`);
      return performance.now() - t0;
    };
    const serverMs: number[] = [];
    const floor: Run[] = [];
    const samples = new Map<string, Run[]>();
    for (let r = 0; r < runs; r++) {
      floor.push(await run(['-e', '0']));
      serverMs.push(await serverRequest());
      for (const c of cases) {
        for (const v of variants) {
          if (v.name === 'tsx' && !c.tsx) continue;
          const res = await run(v.argv(c.args), v.env);
          if (res.code !== 0) throw new Error(`${v.name} \`haven ${c.args.join(' ')}\` exited ${res.code}: ${res.stderr.trim()}`);
          const key = `${c.name}\0${v.name}`;
          samples.set(key, [...(samples.get(key) ?? []), res]);
        }
      }
    }

    const stats = (rs: Run[]) => {
      const wall = rs.map((r) => r.wallMs);
      const cpu = rs.map((r) => r.cpuMs).filter((x): x is number => x !== undefined);
      return {
        medianMs: round(quantile(wall, 0.5)),
        p90Ms: round(quantile(wall, 0.9)),
        cpuMedianMs: cpu.length ? round(quantile(cpu, 0.5)) : null,
      };
    };
    const floorStats = stats(floor);
    const commands: Record<string, unknown> = {};
    for (const c of cases) {
      const byVariant: Record<string, ReturnType<typeof stats>> = {};
      for (const v of variants) {
        const rs = samples.get(`${c.name}\0${v.name}`);
        if (rs) byVariant[v.name] = stats(rs);
      }
      const compiled = byVariant.compiled!;
      const ratio = (other: ReturnType<typeof stats> | undefined) => (other ? round(other.medianMs / compiled.medianMs, 2) : null);
      commands[c.name] = {
        args: c.args[0] === '--version' ? c.args : [c.args[0]],
        ...byVariant,
        ...(c.name === 'conversations' ? { serverRequestMedianMs: round(quantile(serverMs, 0.5)) } : {}),
        aboveNodeFloorMs: round(compiled.medianMs - floorStats.medianMs),
        eagerOverCompiled: ratio(byVariant.eager),
        tsxOverCompiled: ratio(byVariant.tsx),
        meetsGoal: compiled.medianMs < GOAL_MS,
      };
    }
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', node: process.version },
      loadAverageBefore: loadBefore.map((x) => round(x, 2)),
      loadAverageAfter: loadavg().map((x) => round(x, 2)),
      runs,
      goalMs: GOAL_MS,
      nodeFloor: floorStats,
      commands,
      seconds: round((performance.now() - started) / 1000),
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/cli.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(EAGER_DIR, { recursive: true, force: true });
  }
}
