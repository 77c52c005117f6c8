import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupSession, decryptAttachment } from '@haven/crypto';
import { startTestServer, type TestServer } from '@haven/server';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attachmentStream, base64ToBytes, bytesToBase64, newClientMessageId, uploadAttachment } from '../src/index.node';
import { FAST_SUITE, e2eeUser, readAll, secondDevice } from './e2ee-helpers';

// The SDK's end-to-end encryption against a real server (PGlite): direct and group conversations,
// two devices of one user, removal, tampering, replays, stale-epoch recovery. Suite 1 for speed; the
// default post-quantum suite has its own test below.

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

  it('two devices of one user both receive and can send; a new device gets what is sent after it joined', async () => {
    const a = await e2eeUser(server.url, 'cai');
    const b = await e2eeUser(server.url, 'dee');
    const convo = await a.messenger.directWith(b.handle);
    await a.messenger.sendText(convo, 'before the second device');
    const b2 = await secondDevice(server.url, b);
    await a.messenger.sendText(convo, 'to both of your devices');
    expect((await readAll(b, convo)).map((r) => r.text)).toEqual(['before the second device', 'to both of your devices']);
    // The new device cannot read history (forward secrecy); it reads everything from its welcome on.
    expect((await readAll(b2, convo)).map((r) => r.text)).toEqual(['to both of your devices']);
    await b2.messenger.sendText(convo, 'from the phone');
    await b.messenger.sendText(convo, 'from the laptop');
    expect((await readAll(a, convo)).map((r) => [r.text, r.fromDeviceId])).toEqual([
      ['from the phone', b2.deviceId],
      ['from the laptop', b.deviceId],
    ]);
    // Each of bob's devices reads the other's message too.
    expect((await readAll(b, convo)).map((r) => r.text)).toContain('from the phone');
    expect((await readAll(b2, convo)).map((r) => r.text)).toContain('from the laptop');
  });

  it('groups: adding a member adds all their devices; a removed member cannot read anything sent after removal', async () => {
    const a = await e2eeUser(server.url, 'eli');
    const b = await e2eeUser(server.url, 'fin');
    const c = await e2eeUser(server.url, 'gil');
    const c2 = await secondDevice(server.url, c);
    let g = await a.client.createGroup('Walkers', [b.handle]);
    await a.engine.reconcile(g);
    await a.messenger.sendText(g, 'welcome b');
    g = await a.client.addMember(g.id, c.handle);
    a.messenger.remember(g);
    await a.engine.reconcile(g);
    await a.messenger.sendText(g, 'welcome c');
    expect((await readAll(b, g)).map((r) => r.text)).toEqual(['welcome b', 'welcome c']);
    expect((await readAll(c, g)).map((r) => r.text)).toEqual(['welcome c']);
    expect((await readAll(c2, g)).map((r) => r.text)).toEqual(['welcome c']);

    // Keep a copy of c's session as it was, as a removed member who kept their state would.
    const kept = (await GroupSession.import((await c.store.get(`group.${g.id}`))!)).ok;
    expect(kept).toBe(true);
    const before = (await GroupSession.import((await c.store.get(`group.${g.id}`))!)) as { ok: true; value: GroupSession };
    g = await a.client.removeMember(g.id, c.handle);
    await a.engine.reconcile(g);
    const after = await a.messenger.sendText(g, 'c is gone');
    expect((await readAll(b, g)).map((r) => r.text)).toContain('c is gone');
    // The server no longer gives c the conversation, and c's kept MLS state cannot open what came after.
    await expect(c.client.messages(g.id)).rejects.toMatchObject({ code: 'conversation.not_found' });
    const commits = (await b.client.messages(g.id, { after: 0 })).filter((m) => m.contentType === 'application/mls-commit');
    const s = before.value;
    for (const m of commits) await s.process(base64ToBytes(m.body)); // catch up on every commit, incl. the removal
    expect(s.active).toBe(false);
    const r = await s.process(base64ToBytes(after.body));
    expect(r.ok).toBe(false);
    // c cannot send to it either (not a member on the server, and not in the MLS roster).
    await expect(c.messenger.sendText(g, 'still here?')).rejects.toMatchObject({ code: 'conversation.not_found' });
  });

  it('tampered ciphertext and a replayed message are refused with clear codes; the session goes on unharmed', async () => {
    const a = await e2eeUser(server.url, 'hal');
    const b = await e2eeUser(server.url, 'ivy');
    const convo = await a.messenger.directWith(b.handle);
    const genuine = await a.messenger.sendText(convo, 'genuine');
    // Flip a byte near the end (inside the AEAD ciphertext): the server can only check the framing.
    const body = await a.engine.encrypt(convo, { v: 1, text: 'to be tampered' });
    body[body.length - 5]! ^= 0x01;
    const tampered = await a.client.sendMessage(convo.id, { clientMessageId: newClientMessageId(), body: bytesToBase64(body), contentType: 'application/mls-message' });
    // Replaying the genuine message's bytes under a new client message id: the server refuses it.
    await expect(
      a.client.sendMessage(convo.id, { clientMessageId: newClientMessageId(), body: genuine.body, contentType: 'application/mls-message' }),
    ).rejects.toMatchObject({ code: 'mls.bad_message', message: expect.stringMatching(/replay/) });
    const after = await a.messenger.sendText(convo, 'still fine');
    const got = await readAll(b, convo);
    const by = new Map(got.map((r) => [r.id, r]));
    expect(by.get(genuine.id)?.text).toBe('genuine');
    expect(by.get(tampered.id)?.decoded).toMatchObject({ kind: 'undecodable', code: 'mls.bad_message' });
    expect(by.get(after.id)?.text).toBe('still fine');
    // And a recipient refuses a replay on its own too (MLS: each message key is used once).
    const bs = (await GroupSession.import((await b.store.get(`group.${convo.id}`))!)) as { ok: true; value: GroupSession };
    expect(await bs.value.process(base64ToBytes(genuine.body))).toMatchObject({ ok: false, error: { code: 'mls.bad_message' } });
    await b.messenger.sendText(convo, 'reply');
    expect((await readAll(a, convo)).map((r) => r.text)).toEqual(['reply']);
  });

  it('concurrent membership changes: the commit that loses (mls.stale_epoch) is retried after the winner', async () => {
    const a = await e2eeUser(server.url, 'jay');
    const b = await e2eeUser(server.url, 'kit');
    const convo = await a.messenger.directWith(b.handle);
    await a.messenger.sendText(convo, 'start');
    await readAll(b, convo);
    // Both devices see bob's new device missing and race to add it; then both send.
    await secondDevice(server.url, b);
    const b3 = await secondDevice(server.url, b);
    await Promise.all([a.messenger.sendText(convo, 'from a'), b.messenger.sendText(convo, 'from b')]);
    const state = await a.client.mlsGroup(convo.id);
    expect(state.leaves).toHaveLength(4);
    expect((await readAll(b3, convo)).map((r) => r.text).sort()).toEqual(['from a', 'from b']);
  });
});

describe('e2ee attachments', () => {
  it('only members download the opaque blob; an altered blob fails to decrypt (media.corrupt)', async () => {
    const a = await e2eeUser(server.url, 'mea');
    const b = await e2eeUser(server.url, 'meb');
    const c = await e2eeUser(server.url, 'mec');
    const convo = await a.messenger.directWith(b.handle);
    const content = new Uint8Array(200_000).map((_, i) => i % 251);
    const ref = await uploadAttachment(a.client, convo, { stream: new Blob([content]).stream() as ReadableStream<Uint8Array>, contentType: 'application/octet-stream', name: 'data.bin' });
    expect(ref).toMatchObject({ size: content.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await a.messenger.send(convo, { v: 1, attachments: [ref] });
    const [got] = await readAll(b, convo);
    const plain = new Uint8Array(await new Response(await attachmentStream(b.client, got!.attachments[0]!)).arrayBuffer());
    expect(Buffer.from(plain).equals(Buffer.from(content))).toBe(true);
    await expect(c.client.downloadMedia(ref.mediaId)).rejects.toMatchObject({ code: 'media.not_found' });
    // Someone with the server's disk and its key (files are sealed at rest under it) flips one byte of the
    // uploaded ciphertext and seals it again: the server serves it, the recipient's device refuses it.
    const path = join(server.dataDir, 'media', ref.mediaId.slice(0, 2), ref.mediaId);
    const { sealer } = server.services;
    const blob = await buffer(Readable.from([await readFile(path)]).pipe(sealer.openStream(ref.mediaId, convo.id)));
    blob[100_000]! ^= 1;
    await writeFile(path, await buffer(Readable.from([blob]).pipe(sealer.sealStream(ref.mediaId, convo.id))));
    const cipher = new Uint8Array(await new Response(await b.client.downloadMedia(ref.mediaId)).arrayBuffer());
    const att = got!.attachments[0]!;
    const opened = decryptAttachment(cipher, { key: base64ToBytes(att.key!), sha256: att.sha256, size: att.size });
    expect(opened).toMatchObject({ ok: false, error: { code: 'media.corrupt' } });
  });
});

describe('e2ee with the default post-quantum suite (X-Wing)', () => {
  let pq: TestServer;
  beforeAll(async () => {
    pq = await startTestServer();
  });
  afterAll(async () => {
    await pq?.close();
  });

  it('the server prefers it; devices make X-Wing keys and exchange messages', async () => {
    const a = await e2eeUser(pq.url, 'pqa');
    const b = await e2eeUser(pq.url, 'pqb');
    expect((await a.client.keyPackageStatus()).allowedSuites).toEqual(['MLS_256_XWING_AES256GCM_SHA512_Ed25519']);
    expect(a.engine.device.keys.suite).toBe('MLS_256_XWING_AES256GCM_SHA512_Ed25519');
    const convo = await a.messenger.directWith(b.handle);
    await a.messenger.sendText(convo, 'post-quantum hello');
    expect((await readAll(b, convo)).map((r) => r.text)).toEqual(['post-quantum hello']);
  });
});
