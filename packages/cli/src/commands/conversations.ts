import type { Command } from 'commander';
import type { Conversation } from '@haven/protocol';
import { signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { printJson, printLine, printTable } from '../output';
import { noticeLine } from './devices';

/**
 * How a conversation is protected, in the words every member sees; a closed conversation (P9) says so
 * and why, instead of a mode reason that is no longer true.
 */
export function modeLine(c: Conversation): string {
  if (c.closedReason) return `closed: ${c.closedReason}`;
  switch (c.mode) {
    case 'e2ee':
      // The policy's reasons for e2ee start with the lock ("🔒 end-to-end encrypted: every member is an adult").
      return c.modeReason.startsWith('🔒') ? c.modeReason : '🔒 end-to-end encrypted';
    case 'visible':
      // Some reasons are written as whole sentences starting with these words; do not say them twice.
      return `visible to safety checks: ${c.modeReason.replace(/^visible to safety checks:\s*/i, '')}`;
  }
}

/** The JSON shape of a conversation for scripts. */
export function conversationJson(c: Conversation) {
  return {
    id: c.id,
    kind: c.kind,
    title: c.title,
    mode: c.mode,
    modeReason: c.modeReason,
    modeReasonCode: c.modeReasonCode,
    members: c.members,
    lastSeq: c.lastSeq,
    createdAt: c.createdAt,
    closed: c.closedReason !== undefined,
    closedReason: c.closedReason ?? null,
  };
}

/** Prints conversations: one header line, the mode line, for each. */
export function printConversations(list: Conversation[], me: string): void {
  for (const c of list) {
    const others = c.members.map((m) => m.handle).filter((h) => h !== me);
    const name = c.kind === 'group' ? `group "${c.title ?? ''}" (${c.members.map((m) => m.handle).join(', ')})` : `with ${others.join(', ') || me}`;
    printLine(`${c.id}  ${name}`);
    printLine(`    ${modeLine(c)}`);
  }
}

/** conversations [--json]: each conversation with its mode and the reason for it; `conversations devices ID`. */
export function register(program: Command): void {
  const cmd = withJson(
    withProfile(program.command('conversations').description('list your conversations with how each is protected and why')),
    'print a JSON array',
  ).action(async (opts: ProfileOptions & { json?: boolean }) => {
    const { client, profile } = await signedIn(opts);
    const list = await client.conversations();
    if (opts.json) {
      printJson(list.map(conversationJson));
      return;
    }
    if (list.length === 0) printLine('No conversations yet: `haven send --to HANDLE TEXT` starts one.');
    printConversations(list, profile.handle);
  });

  // Issue 15: every device in an encrypted conversation is shown, with the notices of every change.
  withJson(
    withProfile(cmd.command('devices <id>').description('every device in an encrypted conversation: whose, its name and key, when and by whom it was added')),
  ).action(async (id: string, own: ProfileOptions & { json?: boolean }, sub: Command) => {
    // `--profile`/`--json` may be taken by the parent `conversations` command: read both.
    const opts = { ...(sub.parent?.opts() as ProfileOptions & { json?: boolean }), ...own };
    const { client, e2ee } = await signedIn(opts);
    const c = await client.conversation(id);
    if (c.mode !== 'e2ee') {
      printLine(`This conversation is not end-to-end encrypted (${modeLine(c)}): devices hold no keys of their own for it.`);
      return;
    }
    const engine = await e2ee();
    const leaves = await engine.conversationDevices(id);
    const notices = await engine.notices(id);
    if (opts.json) return printJson({ devices: leaves, notices });
    if (leaves.length === 0) printLine('This device is not in the conversation’s encryption yet.');
    printTable([
      ['ACCOUNT', 'DEVICE', 'KEY', 'ACCOUNT KEY', 'ADDED'],
      ...leaves.map((l) => [
        l.handle,
        `${l.deviceName}${l.self ? ' (this device)' : ''}`,
        l.keyFingerprint.split(' ').slice(0, 4).join(' '),
        l.accountKeyFingerprint ? `${l.accountKeyFingerprint.split(' ').slice(0, 4).join(' ')}${l.trusted ? '' : ' ⚠ not the pinned key'}` : '⚠ none',
        l.addedBy ? `${l.addedAt ? `${l.addedAt.slice(0, 16).replace('T', ' ')} ` : ''}by ${l.addedBy}` : '-',
      ]),
    ]);
    if (notices.length) {
      printLine('');
      printLine('Changes:');
      for (const n of notices) printLine(`  ${noticeLine(n)}`);
    }
  });
}
