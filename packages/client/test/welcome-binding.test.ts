import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eeDevice, MemoryStateStore } from '@haven/crypto';
import { MLS_CONTENT_TYPES } from '@haven/protocol';
import type { TestServer } from '@haven/server';
import { base64ToBytes, bytesToBase64, newClientMessageId } from '../src/index.node';
import { DATABASES, serverOn } from './databases';
import { FAST_SUITE, e2eeUser, readAll } from './e2ee-helpers';

// Issue 13, item 6: a Welcome submitted in conversation X but built for the group of conversation Y must
// not replace the victim's session for Y. The attacker is a real member with the real SDK; the server
// cannot see the group id inside a Welcome (it is encrypted to the new device), so the device checks it
// before it stores anything.

describe.each(DATABASES)('a welcome is bound to the conversation it arrives in ($name)', ({ name, skip, reason }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!skip) server = await serverOn(name, { mls: { allowedSuites: [FAST_SUITE] } });
  }, 180_000); // a PGlite start is slow on a loaded machine
  afterAll(async () => {
    await server?.close();
  });

  it.skipIf(skip)(`a welcome for conversation Y submitted in X leaves the victim's session for Y intact${skip ? ` (skipped: ${reason})` : ''}`, async () => {
    const mallory = await e2eeUser(server.url, 'mal');
    const victim = await e2eeUser(server.url, 'vic');
    // Y: both are members; the victim reads it.
    const y = await mallory.client.createGroup('Y', [victim.handle]);
    mallory.messenger.remember(y);
    await mallory.messenger.sendText(y, 'in Y before');
    expect((await readAll(victim, y)).map((r) => r.text)).toEqual(['in Y before']);
    const yStateBefore = await victim.store.get(`group.${y.id}`);
    expect(yStateBefore).toBeDefined();

    // X: mallory adds the victim, but sends along a Welcome of a group she made under Y's group id,
    // built with the same key package the real commit adds (so it names exactly the added devices).
    const x = await mallory.client.createGroup('X', [victim.handle]);
    const sx = await mallory.engine.device.createGroup(x.id);
    const claimed = await mallory.client.claimKeyPackages(x.id, [victim.deviceId]);
    const kp = base64ToBytes(claimed.keyPackages[0]!.keyPackage);
    const real = await sx.addMembers([kp], { now: Date.now() });
    if (!real.ok) throw new Error(real.error.message);
    const forger = await E2eeDevice.open(new MemoryStateStore(), mallory.engine.identity, { suite: FAST_SUITE });
    const fake = await (await forger.createGroup(y.id)).addMembers([kp], { now: Date.now() });
    if (!fake.ok) throw new Error(fake.error.message);
    const accepted = await mallory.client.submitCommit(x.id, {
      clientMessageId: newClientMessageId(),
      commit: bytesToBase64(real.value.commit),
      welcome: bytesToBase64(fake.value.welcome!),
    });
    expect(accepted.welcomes.map((w) => w.recipientDeviceId)).toEqual([victim.deviceId]);
    await sx.mergePendingCommit();
    await mallory.engine.device.save(x.id, sx);

    // The victim processes X: the welcome is refused, and nothing of Y was touched.
    const inX = await readAll(victim, x);
    expect(inX.map((r) => [r.decoded.kind, r.decoded.kind === 'undecodable' ? r.decoded.code : ''])).toEqual([['undecodable', 'mls.bad_message']]);
    const welcome = (await victim.client.messages(x.id)).find((m) => m.contentType === MLS_CONTENT_TYPES.welcome)!;
    expect((await victim.engine.record(welcome.id))?.kind).toBe('undecodable');
    expect(await victim.store.get(`group.${y.id}`)).toEqual(yStateBefore);
    expect(await victim.store.get(`group.${x.id}`)).toBeUndefined();

    // And the victim still reads and writes Y.
    await mallory.messenger.sendText(y, 'in Y after');
    expect((await readAll(victim, y)).map((r) => r.text)).toEqual(['in Y before', 'in Y after']);
    await victim.messenger.sendText(y, 'still in Y');
    expect((await readAll(mallory, y)).map((r) => r.text)).toEqual(['still in Y']);
  }, 60_000);
});
