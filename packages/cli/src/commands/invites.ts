import type { Command } from 'commander';
import { ConversationId, InviteToken } from '@haven/protocol';
import { signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { UsageError, printJson, printLine } from '../output';
import { modeLine } from './conversations';

/** `haven invite GROUP_ID` makes a link token; `haven join TOKEN` joins with it (checked like an add, G2). */
export function register(program: Command): void {
  withJson(withProfile(program.command('invite').description('make an invite link to a group you are in (valid 7 days)').argument('<group-id>', 'the group'))).action(
    async (id: string, opts: ProfileOptions & { json?: boolean }) => {
      const r = ConversationId.safeParse(id);
      if (!r.success) throw new UsageError(`${id}: a group id looks like 123e4567-e89b-12d3-a456-426614174000 (see \`haven groups list\`)`);
      const { client } = await signedIn(opts);
      const invite = await client.createInvite(r.data);
      if (opts.json) return printJson(invite);
      printLine(invite.token);
    },
  );
  withJson(withProfile(program.command('join').description('join a group with an invite token or link').argument('<token>', 'the token from `haven invite`, or the invite link from the web app'))).action(
    async (raw: string, opts: ProfileOptions & { json?: boolean }) => {
      // An invite link from the web app (…/#/join/TOKEN) works as well as the token itself.
      const token = raw.includes('/join/') ? raw.slice(raw.lastIndexOf('/join/') + '/join/'.length) : raw;
      if (!InviteToken.safeParse(token).success) throw new UsageError('that is not an invite token or link');
      const { client } = await signedIn(opts);
      const c = await client.joinInvite(token);
      if (opts.json) return printJson({ id: c.id, title: c.title, mode: c.mode, modeReason: c.modeReason });
      printLine(`Joined group "${c.title ?? c.id}" (${c.id}).`);
      printLine(`    ${modeLine(c)}`);
    },
  );
}
