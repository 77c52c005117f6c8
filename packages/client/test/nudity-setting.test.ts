import { startTestServer, type TestServer } from '@haven/server';
import { afterAll, describe, expect, it } from 'vitest';
import { account } from './helpers';

// Issue 11, 5: who gets on-device nudity warnings is the operator's choice
// (`safety.safeguards.nudityWarnings`: children by default, everyone, or nobody). The server says it on
// the account (sign-up, sign-in, GET /v1/me) and the devices follow (NudityGuard.forAccount).

const CHILD = '2011-03-01';
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

async function seen(setting?: 'children' | 'everyone' | 'nobody') {
  const server = await startTestServer(setting ? { safety: { safeguards: { nudityWarnings: setting } } } : {});
  servers.push(server);
  const adult = await account(server.url, 'nwadult');
  const child = await account(server.url, 'nwchild', CHILD);
  // The answer to sign-up, and the account read again, agree.
  expect((await adult.client.me()).nudityWarnings).toBe(adult.session.account.nudityWarnings);
  expect((await child.client.me()).nudityWarnings).toBe(child.session.account.nudityWarnings);
  return { adult: adult.session.account.nudityWarnings, child: child.session.account.nudityWarnings };
}

describe('nudityWarnings: the operator decides whose devices warn', () => {
  it('children by default; everyone; nobody', async () => {
    expect(await seen()).toEqual({ adult: false, child: true });
    expect(await seen('children')).toEqual({ adult: false, child: true });
    expect(await seen('everyone')).toEqual({ adult: true, child: true });
    expect(await seen('nobody')).toEqual({ adult: false, child: false });
  }, 120_000);

  it('a setting that is not one of the three stops the server at start, naming the key', async () => {
    await expect(startTestServer({ safety: { safeguards: { nudityWarnings: 'kids' as never } } })).rejects.toThrow(/safety\.safeguards\.nudityWarnings/);
  });
});
