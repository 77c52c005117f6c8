import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '@haven/server';
import { DATABASES, serverOn } from './databases';
import { account } from './helpers';

// Issue 13, item 21: safety notices are kept until the account's client showed them (seen), one per fact
// (blocking the same account twice keeps one notice), and only the account itself can mark its own.

describe.each(DATABASES)('safety notices ($name)', ({ name, skip, reason }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!skip) server = await serverOn(name);
  }, 180_000); // a PGlite start is slow on a loaded machine
  afterAll(async () => {
    await server?.close();
  });

  it.skipIf(skip)(`blocking twice stores one notice; seen is per account and only by its owner${skip ? ` (skipped: ${reason})` : ''}`, async () => {
    const child = await account(server.url, 'kid', '2011-03-01');
    const adult = await account(server.url, 'adl');
    const other = await account(server.url, 'oth');
    await child.client.block(adult.handle);
    await child.client.block(adult.handle);
    const notices = await child.client.notices();
    expect(notices.map((n) => [n.event, (n.data as { handle: string }).handle, n.seenAt])).toEqual([['contact.blocked', adult.handle, null]]);
    // The child is shown help with it: Childline (the default help for children).
    expect(JSON.stringify(notices[0]!.data)).toContain('Childline');

    // Another account cannot mark the child's notice seen.
    expect(await other.client.markNoticesSeen([notices[0]!.id])).toBe(0);
    expect((await child.client.notices())[0]!.seenAt).toBeNull();
    expect(await child.client.markNoticesSeen([notices[0]!.id])).toBe(1);
    expect(await child.client.markNoticesSeen([notices[0]!.id])).toBe(0);
    const seen = (await child.client.notices())[0]!;
    expect(seen.seenAt).not.toBeNull();
    // Blocking again after it was seen still keeps one notice, and it stays seen.
    await child.client.unblock(adult.handle);
    await child.client.block(adult.handle);
    expect((await child.client.notices()).map((n) => [n.id, n.seenAt])).toEqual([[seen.id, seen.seenAt]]);
    // A block of someone else is a new fact: a new, unseen notice.
    await child.client.block(other.handle);
    expect((await child.client.notices()).map((n) => [(n.data as { handle: string }).handle, n.seenAt === null])).toEqual([
      [other.handle, true],
      [adult.handle, false],
    ]);
  }, 60_000);
});
