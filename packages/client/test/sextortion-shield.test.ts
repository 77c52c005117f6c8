import { flushSignals, type TestServer } from '@haven/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Servers start slowly on a loaded 2-core machine: generous limits for this file.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });
import { DATABASES, serverOn } from './databases';
import { account } from './helpers';

// K6 (issue 11): once a sextortion signal (threats and demands) about an adult fired in a conversation
// with a child, the adult no longer sees who the child's contacts are; others' views are unchanged.

const CHILD = '2011-03-01';

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
  });
}
