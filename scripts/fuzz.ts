// `npm run fuzz [-- --cases N] [--seed S]`: schema-guided fuzzing of every HTTP route and the WebSocket
// against a real server (testing/fuzz.ts). Exit 1 with the failing requests when any property breaks.
import { fuzzHttp, fuzzWebSocket } from '../testing/fuzz';
import { fuzzTarget } from '../testing/fuzz-server';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const cases = Number(arg('cases') ?? 100_000);
const seed = arg('seed') === undefined ? Date.now() % 2 ** 31 : Number(arg('seed'));
if (!Number.isInteger(cases) || cases <= 0) {
  process.stderr.write('--cases must be a positive integer\n');
  process.exit(2);
}
const { server, tokens, wsToken, conversationIds } = await fuzzTarget();
try {
  const started = Date.now();
  process.stdout.write(`fuzzing ${server.url}: ${cases} HTTP cases and ${Math.ceil(cases / 10)} WebSocket frames, seed ${seed}\n`);
  const http = await fuzzHttp(server.url, { cases, seed, tokens, maxFailures: 50 });
  const ws = await fuzzWebSocket(server.url, { cases: Math.ceil(cases / 10), seed, token: wsToken, conversationIds });
  const failures = [...http, ...ws];
  for (const f of failures) process.stdout.write(`FAIL ${f.status} ${f.request}\n     ${f.body}\n`);
  process.stdout.write(`${failures.length === 0 ? 'no failures' : `${failures.length} failures`} in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${seed})\n`);
  process.exitCode = failures.length === 0 ? 0 : 1;
} finally {
  await server.close();
}
