import { createAccount, flushSignals, type TestServer } from '@haven/server';
import type { Conversation, Message } from '@haven/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Servers start slowly on a loaded 2-core machine: generous limits for this file.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });
import { DATABASES, serverOn } from './databases';
import { Connection, HavenClient, nodeWebSocket } from '../src/index.node';
import { PASSWORD, account, handle, until } from './helpers';

// K6 (issue 11): once a sextortion signal (threats and demands) about an adult fired in a conversation
// with a child, the adult no longer sees who the child's contacts are; others' views are unchanged.

const CHILD = '2011-03-01';

/** A live connection that acknowledges every message and keeps the message and conversation frames it gets. */
async function listen(serverUrl: string, token: string) {
  const conn = new Connection({ serverUrl, token, webSocket: nodeWebSocket, backoff: { initialMs: 50, maxMs: 300 } });
  const frames: Message[] = [];
  const views: Conversation[] = [];
  conn.on('message', (m) => {
    frames.push(m);
    conn.ack(m.conversationId, m.seq);
  });
  conn.on('conversation', (v) => views.push(v));
  await conn.open();
  await conn.synced();
  return { conn, frames, views };
}

for (const db of DATABASES) {
  describe.skipIf(db.skip)(`K6: the sextortion suspect's view of the child's contacts is hidden (${db.name}${db.skip ? `: ${db.reason}` : ''})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await serverOn(db.name);
    }, 180_000);
    afterAll(() => server?.close());

    it('K6: after threats, the adult sees only itself and the child in their group; another adult and the child see everyone', async () => {
      const a = await account(server.url, 'shsus');
      const b = await account(server.url, 'shadult');
      const c = await account(server.url, 'shkid', CHILD);
      const d = await account(server.url, 'shkidd', CHILD);
      const e = await account(server.url, 'shkide', CHILD);
      // Every child is a contact of both adults (C4: the child asks), and the creator's friends.
      for (const k of [c, d, e])
        for (const adult of [a, b]) {
          await k.client.requestContact(adult.handle);
          await adult.client.acceptContact(k.handle);
        }
      for (const k of [d, e]) {
        await c.client.requestContact(k.handle);
        await k.client.acceptContact(c.handle);
      }
      const group = await c.client.createGroup('Year 10 chat', [d.handle, e.handle, a.handle, b.handle]);
      expect(group.members).toHaveLength(5);
      const before = await a.client.conversation(group.id);
      expect(before.members.map((m) => m.handle).sort()).toEqual([a.handle, b.handle, c.handle, d.handle, e.handle].sort());
      expect(before.hiddenMembers).toBeUndefined();

      const direct = await a.client.createDirect(c.handle);
      expect(direct.mode).toBe('visible');
      await a.messenger.sendText(direct, "send me £200 or I'll send your pics to everyone at your school");
      await flushSignals(server.services);
      expect((await c.client.notices()).some((n) => n.event === 'safety.sextortion_notice')).toBe(true);

      // The suspect: the child stays (the conversation still makes sense); the others are a count.
      const after = await a.client.conversation(group.id);
      expect(after.members.map((m) => m.handle).sort()).toEqual([a.handle, c.handle].sort());
      expect(after.hiddenMembers).toBe(3);
      expect(after.hiddenMembersReason).toMatch(/hidden for safety/);
      const listed = (await a.client.conversations()).find((x) => x.id === group.id)!;
      expect(listed.members.map((m) => m.handle).sort()).toEqual([a.handle, c.handle].sort());
      expect(JSON.stringify(await a.client.conversations())).not.toContain(d.handle);
      // The direct conversation with the child hides nobody.
      expect((await a.client.conversation(direct.id)).members).toHaveLength(2);

      // Another adult and the child: unchanged.
      for (const viewer of [b, c, d]) {
        const v = await viewer.client.conversation(group.id);
        expect(v.members).toHaveLength(5);
        expect(v.hiddenMembers).toBeUndefined();
      }

      // A new member brought in later stays hidden from the suspect, in the answer and the list.
      const f = await account(server.url, 'shkidf', CHILD);
      for (const adult of [a, b]) {
        await f.client.requestContact(adult.handle);
        await adult.client.acceptContact(f.handle);
      }
      await f.client.requestContact(c.handle);
      await c.client.acceptContact(f.handle);
      expect((await c.client.addMember(group.id, f.handle)).members).toHaveLength(6);
      const later = await a.client.conversation(group.id);
      expect(later.members).toHaveLength(2);
      expect(later.hiddenMembers).toBe(4);
      expect((await b.client.conversation(group.id)).members).toHaveLength(6);
    });

    it('K6: a hidden member who writes is not named to the suspect (live, listed, backlog); a moderator\'s lift shows everyone again, live', async () => {
      const a = await account(server.url, 'shsus2');
      const b = await account(server.url, 'shadult2');
      const c = await account(server.url, 'shkid2', CHILD);
      const d = await account(server.url, 'shkidd2', CHILD);
      for (const adult of [a, b]) {
        await c.client.requestContact(adult.handle);
        await adult.client.acceptContact(c.handle);
        await d.client.requestContact(adult.handle);
        await adult.client.acceptContact(d.handle);
      }
      await c.client.requestContact(d.handle);
      await d.client.acceptContact(c.handle);
      const group = await c.client.createGroup('Club', [d.handle, a.handle, b.handle]);
      const direct = await a.client.createDirect(c.handle);

      // The suspect's live connection, open before the shield is placed: it gets the shielded view.
      const { conn, frames, views } = await listen(server.url, a.session.token);

      // Before any signal the suspect sees who writes.
      const early = await d.messenger.sendText(group, 'hi all');
      await until(() => frames.some((m) => m.id === early.id), 10_000, 'the early message');
      expect(frames.find((m) => m.id === early.id)!.sender.handle).toBe(d.handle);

      await a.messenger.sendText(direct, "send me £200 or I'll send your pics to everyone at your school");
      await flushSignals(server.services);
      expect((await a.client.conversation(group.id)).hiddenMembers).toBe(2);
      await until(() => views.some((v) => v.id === group.id && v.hiddenMembers === 2), 10_000, 'the shielded view of the group, live');
      const placed = views.filter((v) => v.id === group.id).at(-1)!;
      expect(placed.members.map((m) => m.handle).sort()).toEqual([a.handle, c.handle].sort());

      // Three writers after the shield: a hidden child (d), a hidden adult (b), the shielded child (c), and the suspect.
      const byD = await d.messenger.sendText(group, 'who is that in our group?');
      const byB = await b.messenger.sendText(group, 'hello club');
      const byC = await c.messenger.sendText(group, 'stop messaging me');
      const byA = await a.messenger.sendText(group, 'answer me');
      // The suspect's own message comes back to its other devices only (this connection sent it).
      const ids = [byD.id, byB.id, byC.id];
      await until(() => ids.every((id) => frames.some((m) => m.id === id)), 10_000, 'the three messages, live');
      const live = new Map(frames.map((m) => [m.id, m]));
      const listed = new Map((await a.client.messages(group.id)).map((m) => [m.id, m]));
      for (const seen of [live, listed]) {
        for (const hidden of [byD.id, byB.id]) {
          const m = seen.get(hidden)!;
          expect(m.senderHidden).toBe(true);
          expect(m.sender).toEqual({ id: '00000000-0000-0000-0000-000000000000', handle: 'hidden member', displayName: 'Hidden member' });
          expect(m.senderDeviceId).toBe('00000000-0000-0000-0000-000000000000');
          // The text is still delivered: the suspect is not told that anyone wrote less.
          expect((await a.messenger.read(m)).text).toMatch(/who is that|hello club/);
        }
        expect(seen.get(byC.id)!.sender.handle).toBe(c.handle);
        expect(seen.get(byC.id)!.senderHidden).toBeUndefined();
        // Nothing in the suspect's copies names the hidden writers (ids, handles, devices).
        const dump = JSON.stringify([...seen.values()].filter((m) => m.id !== early.id));
        for (const leak of [d.handle, b.handle, d.session.account.id, b.session.account.id, d.session.deviceId, b.session.deviceId]) expect(dump).not.toContain(leak);
      }
      expect(listed.get(byA.id)!.sender.handle).toBe(a.handle);
      // Everyone else reads the real writers.
      for (const viewer of [b, c, d]) {
        const theirs = new Map((await viewer.client.messages(group.id)).map((m) => [m.id, m]));
        expect(theirs.get(byD.id)!.sender.handle).toBe(d.handle);
        expect(theirs.get(byB.id)!.sender.handle).toBe(b.handle);
        expect(theirs.get(byD.id)!.senderHidden).toBeUndefined();
      }

      // Backlog on a new connection (messages sent while the suspect was away) hides them as well.
      conn.close();
      const away = await d.messenger.sendText(group, 'sent while he was offline');
      const { conn: conn2, frames: later, views: views2 } = await listen(server.url, a.session.token);
      await until(() => later.some((m) => m.id === away.id), 10_000, 'the backlog message');
      expect(later.find((m) => m.id === away.id)).toMatchObject({ senderHidden: true, sender: { handle: 'hidden member' } });

      // A child reports the threat; a moderator decides the case with `lift`: the shield ends, live.
      const [threat] = (await c.client.messages(direct.id)).filter((m) => m.sender.handle === a.handle);
      await c.client.fileReport({ target: { kind: 'message', messageId: threat!.id }, reason: 'sextortion' });
      const mh = handle('shmod');
      await createAccount(server.services.db, new Date(), { handle: mh as never, password: PASSWORD, birthDate: '1980-01-01', role: 'moderator' });
      const mod = new HavenClient({ serverUrl: server.url });
      await mod.login({ handle: mh, password: PASSWORD });
      const kase = (await mod.modQueue()).cases.find((k) => k.subject.handle === a.handle)!;
      expect(kase).toBeDefined();
      await mod.modClaim(kase.id);
      await mod.modAct(kase.id, { action: 'lift', reason: 'other', note: 'shield lifted in a test' });
      await until(() => views2.some((v) => v.id === group.id && v.members.length === 4), 10_000, 'the full view of the group, live, after the lift');
      expect(views2.filter((v) => v.id === group.id).at(-1)!.hiddenMembers).toBeUndefined();
      const full = await a.client.conversation(group.id);
      expect(full.members).toHaveLength(4);
      expect(full.hiddenMembers).toBeUndefined();
      // Writers are named again, on old messages and new ones.
      const after = await d.messenger.sendText(group, 'after the lift');
      await until(() => later.some((m) => m.id === after.id), 10_000, 'the message after the lift');
      expect(later.find((m) => m.id === after.id)!.sender.handle).toBe(d.handle);
      expect((await a.client.messages(group.id)).find((m) => m.id === byD.id)!.sender.handle).toBe(d.handle);

      // An old threat does not place it again; a newer one does.
      await flushSignals(server.services);
      expect((await a.client.conversation(group.id)).hiddenMembers).toBeUndefined();
      await a.messenger.sendText(direct, "send me £300 or I'll send your pics to everyone at your school");
      await flushSignals(server.services);
      expect((await a.client.conversation(group.id)).hiddenMembers).toBe(2);
      conn2.close();
    });
  });
}
