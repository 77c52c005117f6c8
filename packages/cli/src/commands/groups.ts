import type { Command } from 'commander';
import { ConversationId } from '@haven/protocol';
import { handleArg, signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { UsageError, printError, printJson, printLine } from '../output';
import { conversationJson, modeLine, printConversations } from './conversations';

type JsonOpts = ProfileOptions & { json?: boolean };

/** groups create TITLE [--member H…] | add ID HANDLE | remove ID HANDLE | list. */
export function register(program: Command): void {
  const groups = program.command('groups').description('group conversations');

  withJson(
    withProfile(
      groups
        .command('create <title>')
        .description('create a group; prints its id')
        .option('--member <handle>', 'add this person (repeat the option, or separate handles with commas)', collect, [] as string[]),
    ),
  ).action(async (title: string, opts: JsonOpts & { member: string[] }) => {
    if (title.trim() === '') throw new UsageError('the group needs a title');
    const members = [...new Set(opts.member.map(handleArg))];
    const { client, e2ee } = await signedIn(opts);
    const g = await client.createGroup(title, members);
    if (g.mode === 'e2ee') await (await e2ee()).reconcile(g);
    if (opts.json) printJson(conversationJson(g));
    else {
      printLine(g.id);
      printError(`Created group "${g.title ?? title}" with ${g.members.map((m) => m.handle).join(', ')}; ${modeLine(g).replace(/\.$/, '')}.`);
    }
  });

  withJson(withProfile(groups.command('add <id> <handle>').description('add a person to a group'))).action(
    async (id: string, raw: string, opts: JsonOpts) => {
      const gid = groupId(id);
      const handle = handleArg(raw);
      const { client, e2ee } = await signedIn(opts);
      const g = await client.addMember(gid, handle);
      // e2ee: add the new member's devices to the MLS group (they receive a welcome).
      if (g.mode === 'e2ee') await (await e2ee()).reconcile(g);
      if (opts.json) printJson(conversationJson(g));
      else printLine(`Added ${handle} to "${g.title ?? gid}".`);
    },
  );

  withJson(withProfile(groups.command('remove <id> <handle>').description('remove a person from a group (yourself: leave it)'))).action(
    async (id: string, raw: string, opts: JsonOpts) => {
      const gid = groupId(id);
      const handle = handleArg(raw);
      const { client, e2ee, profile } = await signedIn(opts);
      const g = await client.removeMember(gid, handle);
      // e2ee: commit the removal of their devices at once, so they cannot read anything sent after it.
      if (g.mode === 'e2ee' && handle !== profile.handle) await (await e2ee()).reconcile(g);
      if (opts.json) printJson(conversationJson(g));
      else printLine(`Removed ${handle} from "${g.title ?? gid}".`);
    },
  );

  withJson(withProfile(groups.command('list').description('list your groups')), 'print a JSON array').action(async (opts: JsonOpts) => {
    const { client, profile } = await signedIn(opts);
    const list = (await client.conversations()).filter((c) => c.kind === 'group');
    if (opts.json) printJson(list.map(conversationJson));
    else if (list.length === 0) printLine('No groups yet: `haven groups create TITLE --member HANDLE` makes one.');
    else printConversations(list, profile.handle);
  });
}

function groupId(raw: string): string {
  const r = ConversationId.safeParse(raw);
  if (!r.success) throw new UsageError(`"${raw}" is not a group id (see \`haven groups list\`)`);
  return r.data;
}

function collect(value: string, prev: string[]): string[] {
  return [...prev, ...value.split(',').filter((h) => h.trim() !== '')];
}
