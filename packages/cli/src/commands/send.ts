import type { Command } from 'commander';
import { ConversationId } from '@haven/protocol';
import { handleArg, signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { UsageError, printJson, printLine } from '../output';

interface SendOptions extends ProfileOptions {
  to?: string;
  group?: string;
  json?: boolean;
}

/** send --to HANDLE TEXT | send --group ID TEXT. */
export function register(program: Command): void {
  withJson(
    withProfile(
      program
        .command('send')
        .description('send a text message to a person (direct conversation, created if needed) or a group')
        .argument('<text...>', 'the message; several words are joined with spaces; "-" reads it from standard input')
        .option('--to <handle>', 'send to this person')
        .option('--group <id>', 'send to this group conversation'),
    ),
    'print the sent message as JSON',
  ).action(async (words: string[], opts: SendOptions) => {
    if (!!opts.to === !!opts.group) throw new UsageError('say where to send: either --to HANDLE or --group ID');
    const text = words.length === 1 && words[0] === '-' ? await readStdin() : words.join(' ');
    if (text.trim() === '') throw new UsageError('the message is empty');
    const to = opts.to ? handleArg(opts.to) : undefined;
    let groupId: string | undefined;
    if (opts.group) {
      const r = ConversationId.safeParse(opts.group);
      if (!r.success) throw new UsageError(`--group ${opts.group}: a group id looks like 123e4567-e89b-12d3-a456-426614174000 (see \`haven groups list\`)`);
      groupId = r.data;
    }
    const { messenger } = await signedIn(opts);
    const conversation = to ? await messenger.directWith(to) : await messenger.conversation(groupId!);
    const m = await messenger.sendText(conversation, text);
    if (opts.json) {
      printJson({ id: m.id, conversation: m.conversationId, seq: m.seq, clientMessageId: m.clientMessageId, sentAt: m.sentAt, mode: conversation.mode });
    } else {
      const where = to ?? `group ${conversation.title ?? conversation.id}`;
      printLine(`Sent to ${where} (${conversation.mode === 'e2ee' ? 'end-to-end encrypted' : 'visible to safety checks'}).`);
    }
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
