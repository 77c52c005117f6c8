import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { ConversationId, type AttachmentRef, type MessagePayload } from '@haven/protocol';
import { handleArg, signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { UsageError, printJson, printLine } from '../output';

interface SendOptions extends ProfileOptions {
  to?: string;
  group?: string;
  attach: string[];
  type?: string;
  json?: boolean;
}

/** send --to HANDLE TEXT | send --group ID TEXT. */
export function register(program: Command): void {
  withJson(
    withProfile(
      program
        .command('send')
        .description('send a text message to a person (direct conversation, created if needed) or a group')
        .argument('[text...]', 'the message; several words are joined with spaces; "-" reads it from standard input')
        .option('--to <handle>', 'send to this person')
        .option('--group <id>', 'send to this group conversation')
        .option('--attach <file>', 'attach a file (repeat for several); end-to-end encrypted on this device in e2ee conversations', (v: string, p: string[]) => [...p, v], [] as string[])
        .option('--type <mime>', 'content type of the attachments (default: guessed from the name)'),
    ),
    'print the sent message as JSON',
  ).action(async (words: string[], opts: SendOptions) => {
    if (!!opts.to === !!opts.group) throw new UsageError('say where to send: either --to HANDLE or --group ID');
    const text = words.length === 1 && words[0] === '-' ? await readStdin() : words.join(' ');
    if (text.trim() === '' && opts.attach.length === 0) throw new UsageError('the message is empty');
    if (opts.attach.length > 10) throw new UsageError('attach at most 10 files');
    for (const f of opts.attach) {
      const st = await stat(f).catch(() => undefined);
      if (!st?.isFile()) throw new UsageError(`--attach ${f}: no such file`);
    }
    const to = opts.to ? handleArg(opts.to) : undefined;
    let groupId: string | undefined;
    if (opts.group) {
      const r = ConversationId.safeParse(opts.group);
      if (!r.success) throw new UsageError(`--group ${opts.group}: a group id looks like 123e4567-e89b-12d3-a456-426614174000 (see \`haven groups list\`)`);
      groupId = r.data;
    }
    const { messenger, client, e2ee } = await signedIn(opts);
    const conversation = to ? await messenger.directWith(to) : await messenger.conversation(groupId!);
    // e2ee: every attachment is checked on this device against the synced hash lists before it is encrypted (D5).
    const attachments: AttachmentRef[] = opts.attach.length > 0 ? await (await import('./send-attachments')).uploadFiles(client, conversation, opts.attach, opts.type) : [];
    const payload: MessagePayload = { v: 1, ...(text.trim() !== '' ? { text } : {}), ...(attachments.length ? { attachments } : {}) };
    const m = await messenger.send(conversation, payload);
    if (conversation.mode === 'e2ee') await (await e2ee()).ensureKeyPackages().catch(() => undefined);
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
