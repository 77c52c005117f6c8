// The two-party flow of packages/crypto/README.md, verbatim in spirit: keygen → create → add → welcome →
// join → encrypt/decrypt with franking → server tag → report verified. If this breaks, fix the README too.
import type { AccountId, ConversationId, DeviceId } from '@haven/protocol';
import { describe, expect, it } from 'vitest';
import {
  GroupSession,
  MemoryStateStore,
  createServerTag,
  encryptPayload,
  generateDeviceKeys,
  generateAccountKeys,
  certifyDevice,
  generateKeyPackages,
  inspectMessage,
  openPayload,
  parseFrankingAad,
  parseKeyPackage,
  rosterAfterCommit,
  rosterOfCreator,
  verifyReport,
  type FrankingKeyring,
} from '../src/index';

const uuid = () => globalThis.crypto.randomUUID();

describe('README two-party flow', () => {
  it('works end to end, with the server checks in between', async () => {
    const suite = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const; // README uses the default suite
    const now = Date.now();
    const conversationId = uuid() as ConversationId;
    const alice = { accountId: uuid() as AccountId, deviceId: uuid() as DeviceId };
    const bob = { accountId: uuid() as AccountId, deviceId: uuid() as DeviceId };

    // Bob's device: keys and key packages; secrets stay in its store, packages go to the server.
    const bobStore = new MemoryStateStore();
    // Every device is certified by its account's identity key (made on the account's first device).
    const bobRaw = await generateDeviceKeys(bob, { suite });
    const bobKeys = { ...bobRaw, certificate: certifyDevice(generateAccountKeys(bob.accountId), bob, bobRaw.signaturePublicKey, now) };
    const bobPackages = await generateKeyPackages(bobKeys, { count: 5, now });
    for (const p of bobPackages) await bobStore.put(`kp.${p.ref}`, p.secret);

    // Server: checks each upload against the uploader.
    for (const p of bobPackages) {
      const r = await parseKeyPackage(p.keyPackage, { now, expect: bob, allowedSuites: [suite] });
      expect(r.ok).toBe(true);
    }

    // Alice creates the group and adds Bob with a claimed key package.
    const aliceRaw = await generateDeviceKeys(alice, { suite });
    const aliceKeys = { ...aliceRaw, certificate: certifyDevice(generateAccountKeys(alice.accountId), alice, aliceRaw.signaturePublicKey, now) };
    const a = await GroupSession.create(aliceKeys, new TextEncoder().encode(conversationId));
    const pending = await a.addMembers([bobPackages[0]!.keyPackage], { now });
    if (!pending.ok) throw new Error(pending.error.message);

    // Server: orders the commit (epoch 0 is current), checks the committer, routes the welcome.
    const info = await inspectMessage(pending.value.commit, { now });
    if (!info.ok || info.value.kind !== 'public' || !info.value.commit) throw new Error('not a public commit');
    expect(info.value.epoch).toBe(0);
    const roster = rosterAfterCommit(rosterOfCreator(alice), alice, info.value.senderLeafIndex, info.value.commit);
    expect(roster.ok).toBe(true);
    const welcomeInfo = await inspectMessage(pending.value.welcome!, { now });
    expect(welcomeInfo.ok && welcomeInfo.value.kind === 'welcome' && welcomeInfo.value.keyPackageRefs).toEqual([bobPackages[0]!.ref]);

    // Accepted: Alice merges; Bob joins from the welcome and deletes the used key package.
    await a.mergePendingCommit();
    const joined = await GroupSession.join(pending.value.welcome!, (ref) => bobStore.get(`kp.${ref}`));
    if (!joined.ok) throw new Error(joined.error.message);
    if (!joined.value.lastResort) await bobStore.delete(`kp.${joined.value.keyPackageRef}`);
    const b = joined.value.session;
    await bobStore.put(`group.${conversationId}`, b.export());

    // Alice sends a franked message.
    const sent = await encryptPayload(a, { v: 1, text: 'hello Bob' });
    if (!sent.ok) throw new Error(sent.error.message);

    // Server: reads the commitment from the public framing and tags it.
    const keyring: FrankingKeyring = { currentKeyId: '2026-11', secrets: { '2026-11': new Uint8Array(32).fill(5) } };
    const framing = await inspectMessage(sent.value.message, { now });
    if (!framing.ok || framing.value.kind !== 'private') throw new Error('not an application message');
    const commitment = parseFrankingAad(framing.value.authenticatedData)!;
    const context = { senderAccountId: alice.accountId, senderDeviceId: alice.deviceId, conversationId, timestamp: now };
    const tag = createServerTag(keyring, commitment, context);

    // Bob decrypts and checks the commitment; he keeps frankingKey, commitment, tag and context.
    const event = await b.process(sent.value.message);
    if (!event.ok || event.value.kind !== 'application') throw new Error('not delivered');
    const opened = openPayload(event.value);
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.value.payload.text).toBe('hello Bob');

    // Bob reports it; the server verifies.
    const verdict = verifyReport(keyring, {
      payload: opened.value.payload,
      frankingKey: opened.value.frankingKey,
      commitment: opened.value.commitment,
      tag,
      context,
    });
    expect(verdict.ok).toBe(true);

    // Bob's session survives a restart.
    const restored = await GroupSession.import((await bobStore.get(`group.${conversationId}`))!);
    expect(restored.ok && restored.value.epoch).toBe(1);
  });
});
