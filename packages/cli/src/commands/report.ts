import type { Command } from 'commander';
import { MessageId } from '@haven/protocol';
import { signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { UsageError, helpLines, printJson, printLine } from '../output';

/** report MESSAGE_ID --reason TEXT: a franked report of an end-to-end encrypted message this device read. */
export function register(program: Command): void {
  withJson(
    withProfile(
      program
        .command('report <messageId>')
        .description('report an end-to-end encrypted message you received; it reveals that one message to the moderators, with proof that it was sent as shown')
        .requiredOption('--reason <text>', 'why you report it'),
    ),
  ).action(async (id: string, opts: ProfileOptions & { reason: string; json?: boolean }) => {
    const r = MessageId.safeParse(id);
    if (!r.success) throw new UsageError(`"${id}" is not a message id (see \`haven inbox --json\`)`);
    if (opts.reason.trim() === '') throw new UsageError('say why you report it: --reason TEXT');
    const { e2ee } = await signedIn(opts);
    const accepted = await (await e2ee()).report(r.data, opts.reason.trim());
    if (opts.json) printJson(accepted);
    else {
      printLine(`Reported; the server verified the message (report ${accepted.id}).`);
      for (const line of helpLines(accepted.help)) printLine(`  ${line}`);
    }
  });
}
