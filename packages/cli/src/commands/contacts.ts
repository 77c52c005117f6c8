import type { Command } from 'commander';
import type { HavenClient } from '@haven/client/node';
import { handleArg, signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { helpLines, printJson, printLine, printTable } from '../output';

const ACTIONS = {
  add: { about: 'ask HANDLE to become a contact', done: 'Contact request sent to', run: (c: HavenClient, h: string) => c.requestContact(h) },
  accept: { about: "accept HANDLE's contact request", done: 'You and this account are now contacts:', run: (c: HavenClient, h: string) => c.acceptContact(h) },
  decline: { about: "decline HANDLE's contact request", done: 'Declined the contact request from', run: (c: HavenClient, h: string) => c.declineContact(h) },
  block: { about: 'block HANDLE: no messages or requests from them, at once', done: 'Blocked', run: (c: HavenClient, h: string) => c.block(h) },
  unblock: { about: 'unblock HANDLE', done: 'Unblocked', run: (c: HavenClient, h: string) => c.unblock(h) },
} as const;

const STATE_WORDS = {
  accepted: 'contact',
  pending_outgoing: 'request sent',
  pending_incoming: 'wants to be your contact (haven contacts accept)',
  blocked: 'blocked',
} as const;

/** contacts add|accept|decline|block|unblock HANDLE, contacts list. */
export function register(program: Command): void {
  const contacts = program.command('contacts').description('contact requests, blocks and your contact list');
  for (const [name, a] of Object.entries(ACTIONS)) {
    withJson(withProfile(contacts.command(`${name} <handle>`).description(a.about))).action(
      async (raw: string, opts: ProfileOptions & { json?: boolean }) => {
        const handle = handleArg(raw);
        const { client } = await signedIn(opts);
        await a.run(client, handle);
        if (opts.json) printJson({ ok: true, action: name, handle });
        else printLine(`${a.done} ${handle}.`);
        // After a block, the help the server keeps for it (one notice per blocked account), shown and marked seen.
        if (name === 'block' && !opts.json) {
          const n = (await client.notices()).find((x) => x.event === 'contact.blocked' && (x.data as { handle?: unknown } | null)?.handle === handle);
          if (n) {
            for (const line of helpLines((n.data as { help?: unknown }).help)) process.stderr.write(`  ${line}\n`);
            if (n.seenAt === null) await client.markNoticesSeen([n.id]);
          }
        }
      },
    );
  }
  withJson(withProfile(contacts.command('list').description('list contacts, pending requests and blocks'))).action(
    async (opts: ProfileOptions & { json?: boolean }) => {
      const { client } = await signedIn(opts);
      const list = await client.contacts();
      if (opts.json) {
        printJson(list);
        return;
      }
      if (list.length === 0) {
        printLine('No contacts yet: `haven contacts add HANDLE` sends a request.');
        return;
      }
      printTable(list.map((c) => [c.account.handle, STATE_WORDS[c.state], c.since]));
    },
  );
}
