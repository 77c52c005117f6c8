// `npm run bench -- mls [--quick]`: MLS costs through @haven/crypto for groups of 2, 10, 50 and 200, in
// the default (X-Wing) suite and suite 1, beside raw ts-mls in the same run and ts-mls's published
// numbers (201 members: add ~41 ms, process commit ~61 ms). Writes bench/results/mls.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureCertificateCost, runMlsBench } from '@haven/crypto/bench';
import { linkLatency, serverLatency } from './_mls-server';

/** ts-mls README / benchmark figures for a group of 201 members. */
const PUBLISHED = { members: 201, add: 41, processCommit: 61 };

export async function main(args: string[]): Promise<void> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  const file = join(dir, 'mls.json');
  // `--server`: only the server's added latency per e2ee message, merged into the existing results.
  if (args.includes('--server')) {
    const server = await serverLatency({ log: (s) => process.stderr.write(`${s}\n`) });
    const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : { bench: 'mls' };
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${JSON.stringify({ ...prev, server: { date: new Date().toISOString(), ...server } }, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(server, null, 2)}\n`);
    return;
  }
  // `--certificates`: only the certificate-check cost (issue 15) and the time to link a device, merged in.
  if (args.includes('--certificates')) {
    const log = (s: string) => process.stderr.write(`${s}\n`);
    const certificates = [];
    for (const suite of ['MLS_256_XWING_AES256GCM_SHA512_Ed25519', 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'] as const) {
      const c = await measureCertificateCost(suite, 50, 15);
      log(`  certificate checks ${suite}: ${JSON.stringify(c)}`);
      certificates.push(c);
    }
    const link = await linkLatency({ log });
    const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : { bench: 'mls' };
    mkdirSync(dir, { recursive: true });
    const at = { date: new Date().toISOString(), machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadAverage: loadavg()[0] } };
    writeFileSync(file, `${JSON.stringify({ ...prev, certificates, certificatesRun: at, link: { ...at, ...link } }, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify({ certificates, link }, null, 2)}\n`);
    return;
  }
  const quick = args.includes('--quick');
  const sizes = quick ? [2, 10] : [2, 10, 50, 200];
  const started = Date.now();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const results = await runMlsBench({
    sizes,
    suites: ['MLS_256_XWING_AES256GCM_SHA512_Ed25519', 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'],
    log,
  });
  const top = String(Math.max(...sizes));
  const comparison = results.map((r) => {
    const t = r.sizes[top]!;
    const ratio = (x: number, y: number) => Number((x / y).toFixed(2));
    return {
      suite: r.suite,
      members: Number(top) + 1,
      haven: { add: t.add, processCommit: t.processAdd },
      rawTsMls: r.rawTsMls,
      ratioToPublished: { add: ratio(t.add, PUBLISHED.add), processCommit: ratio(t.processAdd, PUBLISHED.processCommit) },
      ratioToRawSameRun: r.rawTsMls
        ? { add: ratio(t.add, r.rawTsMls.add), processCommit: ratio(t.processAdd, r.rawTsMls.processCommit) }
        : undefined,
    };
  });
  // Issue 15: the extra cost of device-certificate checks per commit and per Welcome (ratio to before).
  const certificates = [];
  for (const suite of ['MLS_256_XWING_AES256GCM_SHA512_Ed25519', 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'] as const) {
    const c = await measureCertificateCost(suite, quick ? 10 : 50, quick ? 5 : 7);
    log(`  certificate checks ${suite}: ${JSON.stringify(c)}`);
    certificates.push(c);
  }
  const out = {
    bench: 'mls',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    durationS: Math.round((Date.now() - started) / 1000),
    unit: 'milliseconds, median per operation',
    published: PUBLISHED,
    results,
    comparison,
    certificates,
    link: await linkLatency({ log }),
    server: { date: new Date().toISOString(), ...(await serverLatency({ log })) },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
}
