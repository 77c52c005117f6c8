import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HavenError, MLS_CONTENT_TYPES } from '@haven/protocol';
import type { TestServer } from '@haven/server';
import { Connection, nodeWebSocket } from '../src/index.node';
import { DATABASES, serverOn } from './databases';
import { FAST_SUITE, e2eeUser, readAll } from './e2ee-helpers';

// Issue 13, item 20: someone who joins an e2ee group by invite can send as soon as another member's
// device is online (connected, following membership), without any member sending first.

describe.each(DATABASES)('joining an e2ee group by invite ($name)', ({ name, skip, reason }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!skip) server = await serverOn(name, { mls: { allowedSuites: [FAST_SUITE] } });
  }, 180_000); // a PGlite start is slow on a loaded machine
  afterAll(async () => {
    await server?.close();
  });

  it.skipIf(skip)(`a member who is merely online adds the newcomer's device; the newcomer then sends${skip ? ` (skipped: ${reason})` : ''}`, async () => {
    const owner = await e2eeUser(server.url, 'own');
    const friend = await e2eeUser(server.url, 'frd');
    const newcomer = await e2eeUser(server.url, 'new');
    let g = await owner.client.createGroup('Book club', [friend.handle]);
    owner.messenger.remember(g);
    await owner.engine.reconcile(g);
    const invite = await owner.client.createInvite(g.id);

    // The owner is online and sends nothing.
    const conn = new Connection({ serverUrl: server.url, token: owner.client.token!, webSocket: nodeWebSocket, reconnect: false });
    const errors: unknown[] = [];
    owner.engine.followMembership(conn, (e) => errors.push(e));
    await conn.open();
    await conn.synced();
    const appMessagesBy = async (deviceId: string) =>
      (await owner.client.messages(g.id, { limit: 500 })).filter((m) => m.contentType === MLS_CONTENT_TYPES.message && m.senderDeviceId === deviceId).length;
    expect(await appMessagesBy(owner.deviceId)).toBe(0);

    g = await newcomer.client.joinInvite(invite.token);
    newcomer.messenger.remember(g);
    // Added by the online owner's device within moments; no member sent anything.
    const end = Date.now() + 20_000;
    let sent = false;
    while (!sent && Date.now() < end) {
      try {
        await newcomer.messenger.sendText(g, 'hello everyone');
        sent = true;
      } catch (e) {
        if (!(e instanceof HavenError && e.code === 'mls.not_member')) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(sent).toBe(true);
    expect(errors).toEqual([]);
    expect(await appMessagesBy(owner.deviceId)).toBe(0);
    expect((await readAll(friend, g)).map((r) => r.text)).toEqual(['hello everyone']);
    expect((await readAll(owner, g)).map((r) => r.text)).toEqual(['hello everyone']);
    conn.close();
  }, 90_000);
});
