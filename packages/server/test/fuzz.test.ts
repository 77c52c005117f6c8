import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzHttp, fuzzWebSocket } from '../../../testing/fuzz';
import { fuzzTarget } from '../../../testing/fuzz-server';

// A short, seeded run of `npm run fuzz` (issue 12): every documented route and the WebSocket, with
// schema-shaped and hostile input. No 500, every error in the envelope, no hang.

let target: Awaited<ReturnType<typeof fuzzTarget>>;
beforeAll(async () => {
  target = await fuzzTarget();
}, 60_000);
afterAll(() => target?.server.close());

describe('fuzzing a real server', () => {
  it('HTTP: 600 schema-guided cases, no 500 and no error outside the envelope', async () => {
    const failures = await fuzzHttp(target.server.url, { cases: 600, seed: 20261130, tokens: target.tokens });
    expect(failures).toEqual([]);
  }, 300_000);

  it('WebSocket: 300 frames on an authenticated socket; every refusal is an error frame, the socket answers at the end', async () => {
    const failures = await fuzzWebSocket(target.server.url, { cases: 300, seed: 20261130, token: target.wsToken, conversationIds: target.conversationIds });
    expect(failures).toEqual([]);
  }, 120_000);
});
