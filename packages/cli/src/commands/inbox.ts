import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { HavenError, MESSAGE_REMOVED_EVENT, MessageRemovedData, REMOVED_TEXT, type AttachmentRef } from '@haven/protocol';
import {
  Connection,
  HashListGuard,
  UnconfirmedAcks,
  attachmentStream,
  nodeWebSocket,
  openGuardedAttachment,
  type DeviceNotice,
  type HavenClient,
  type ReceivedMessage,
} from '@haven/client/node';
import { noticeLine } from './devices';
import type { Conversation } from '@haven/protocol';
import { deviceGuard } from '../guard';
import { noticeIdOf, showNotice, showUnseenNotices } from '../notices';
import { signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { UsageError, helpLines, printError, printJson, printLine } from '../output';

interface InboxOptions extends ProfileOptions {
  follow?: boolean;
  json?: boolean;
  timeout: string;
  save?: string;
}

/** inbox [--follow] [--json]: receive, print and acknowledge. */
export function register(program: Command): void {
  withJson(
    withProfile(
      program
        .command('inbox')
        .description('receive the messages waiting for this device, print them and acknowledge them')
        .option('--follow', 'keep receiving new messages until interrupted (Ctrl-C)')
        .option('--timeout <seconds>', 'give up if the server has not delivered the waiting messages in this time', '30')
        .option('--save <dir>', 'download attachments into this directory (decrypted and checked on this device); without it they are only listed'),
    ),
    'print one JSON object per message (JSON lines)',
  ).action(async (opts: InboxOptions) => {
    const timeoutMs = Number(opts.timeout) * 1000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout ${opts.timeout}: give a number of seconds`);
    const { messenger, profile, client, e2ee, store } = await signedIn(opts);
    if (opts.save) await mkdir(opts.save, { recursive: true });
    // What an earlier read showed but the server never confirmed is acknowledged first, so it is not
    // shown again; if the server cannot be reached, this fails (exit 1) before anything is shown.
    const owed = UnconfirmedAcks.inProfile(store.dir);
    await owed.settle(client);
    // Fetch conversations first: checks the token with a clear HTTP error, and fills the cache.
    // Safety notices first (an image blocked while this device was away), with their help (issue 13, item 21).
    const notices = await showUnseenNotices(client, !!opts.json);
    const conversations = await client.conversations();
    for (const c of conversations) messenger.remember(c);
    // What changed in the encryption of your conversations since the last read (another command's
    // commit, such as `send` adding a device), before the messages.
    if (conversations.some((c) => c.mode === 'e2ee')) {
      const engine = await e2ee().catch(() => undefined);
      if (engine) printNotices(await engine.trust.takeUnseen(), !!opts.json);
    }
    // Membership changes of e2ee groups are applied by whichever member's device is online (issue 13,
    // item 20): one that joined by invite can send without waiting for someone to send.
    const keepInStep = (conversationId: string) => e2ee().then((engine) => engine.reconcileIfNeeded(conversationId)).catch(() => false);

    // `history`: a message missed live is fetched before the ones after it, so acknowledging the highest
    // shown seq never skips one.
    const conn = new Connection({ serverUrl: profile.server, token: profile.token, webSocket: nodeWebSocket, reconnect: !!opts.follow, history: client });
    let work: Promise<void> = Promise.resolve();
    let failure: unknown;
    // Per conversation, the highest seq processed (shown, or protocol traffic consumed): what may be acknowledged.
    const shownUpTo = new Map<string, number>();
    let guard: Promise<HashListGuard | undefined> | undefined;
    let shown = 0;
    conn.on('conversation', (c) => {
      messenger.remember(c);
      if (c.mode === 'e2ee') work = work.then(() => keepInStep(c.id).then(() => undefined));
    });
    conn.on('message', (m) => {
      work = work.then(async () => {
        if (failure) return;
        try {
          // Throws when the message cannot be processed now (an outage): then it is neither shown nor
          // acknowledged, and nothing after it is either; it comes again next time.
          const r = await messenger.read(m);
          // What a commit or welcome changed in the conversation's encryption (this device joined, a device
          // was added) is said as it happens, before the messages after it, also while following.
          if (r.mode === 'e2ee' && r.decoded.kind === 'control') {
            const engine = await e2ee().catch(() => undefined);
            if (engine) printNotices(await engine.trust.takeUnseen(), !!opts.json);
          }
          if (r.decoded.kind !== 'control') {
            let saved: (string | { error: string })[] = [];
            if (opts.save && r.attachments.length > 0) {
              const conversation = await messenger.conversation(r.conversation);
              // e2ee: checked on this device before it is saved (D6); the guard is synced once per run.
              if (conversation.mode === 'e2ee') guard ??= deviceGuard(client);
              saved = await saveAll(client, r.attachments, opts.save, r.id, conversation, conversation.mode === 'e2ee' ? await guard : undefined);
            }
            show(r, !!opts.json, saved);
            shown++;
          }
          shownUpTo.set(m.conversationId, Math.max(m.seq, shownUpTo.get(m.conversationId) ?? 0));
          conn.ack(m.conversationId, m.seq);
        } catch (e) {
          failure = e;
          conn.close(); // stop reading (and following): what was not processed stays for next time
        }
      });
    });
    conn.on('event', (e) => {
      // A member linked or removed a device: this device, online, commits the change at once (issue 13 item 8).
      if (e.event === 'devices.changed') {
        work = work.then(async () => {
          const engine = await e2ee().catch(() => undefined);
          await engine?.devicesChanged(e.data).catch(() => undefined);
          if (engine) printNotices(await engine.trust.takeUnseen(), !!opts.json);
        });
        return;
      }
      // A moderator removed messages (issue 9, 3): this device drops its decrypted copies and says so.
      if (e.event === MESSAGE_REMOVED_EVENT) {
        work = work.then(async () => {
          const parsed = MessageRemovedData.safeParse(e.data);
          if (!parsed.success) return;
          const engine = await e2ee().catch(() => undefined);
          await engine?.messageRemoved(parsed.data).catch(() => undefined);
          for (const id of parsed.data.messageIds) {
            if (opts.json) printJson({ removed: { conversation: parsed.data.conversationId, id, text: REMOVED_TEXT } });
            else printLine(`${parsed.data.conversationId.slice(0, 8)}  message ${id.slice(0, 8)}: ${REMOVED_TEXT}`);
          }
        });
        return;
      }
      showNotice(e, !!opts.json);
      const id = noticeIdOf(e.data);
      if (id) void client.markNoticesSeen([id]).catch(() => undefined);
    });
    if (opts.follow) conn.on('error', (e) => printError(`haven: ${e.message} (${e.code}); reconnecting`));

    let error: unknown;
    try {
      await conn.open();
      await withTimeout(conn.synced(), timeoutMs, 'The server did not deliver the waiting messages in time.');
      await work;
      if (failure) throw failure;
      // Changes made while this device was away (someone joined by invite) are applied now.
      for (const c of conversations) if (c.mode === 'e2ee') await keepInStep(c.id);
      // What changed in the encryption of your conversations (devices added or removed, key changes, warnings).
      const engine = await e2ee().catch(() => undefined);
      // A device that is not linked cannot read e2ee conversations: said where the account has any.
      if (engine?.linked === false && conversations.some((c) => c.mode === 'e2ee')) printError(`haven: ${new HavenError('device.not_linked').message}`);
      const deviceNotices = engine ? await engine.trust.takeUnseen() : [];
      printNotices(deviceNotices, !!opts.json);
      if (!opts.json && shown === 0 && notices === 0 && deviceNotices.length === 0) printLine(opts.follow ? 'No new messages; waiting for more (Ctrl-C to stop).' : 'No new messages.');
      if (opts.follow) {
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          conn.on('state', (s) => s === 'closed' && resolve());
        });
      }
    } catch (e) {
      error = e;
    } finally {
      conn.close();
    }
    // Whatever had arrived is finished first (shown and counted, or left for next time after an outage).
    await work;
    error ??= failure;
    // Acks also went over the socket as messages were shown; confirming them over HTTP (or keeping them
    // in the profile when the server cannot confirm) means nothing shown here is shown again.
    try {
      await owed.settle(client, shownUpTo);
    } catch (e) {
      error ??= e;
    }
    if (error) throw error;
    // Welcomes consume this device's key packages: top up when few are left.
    if (shownUpTo.size > 0) await (await e2ee()).ensureKeyPackages().catch(() => undefined);
  });
}

/** Downloads each attachment into `dir` (decrypted and checked); returns the paths, or the error per file. */
async function saveAll(
  client: HavenClient,
  refs: AttachmentRef[],
  dir: string,
  messageId: string,
  conversation: Conversation,
  guard: HashListGuard | undefined,
): Promise<(string | { error: string })[]> {
  const out: (string | { error: string })[] = [];
  for (const [i, ref] of refs.entries()) {
    const name = (ref.name ? basename(ref.name) : '').replace(/[^A-Za-z0-9._ -]/g, '_').replace(/^\.+/, '') || `attachment-${i + 1}`;
    const path = join(dir, `${messageId.slice(0, 8)}-${name}`);
    try {
      if (guard) {
        // Read whole and checked before anything is written: a blocked image never reaches the disk.
        const bytes = await openGuardedAttachment(client, conversation, messageId, ref, guard);
        await writeFile(path, bytes, { mode: 0o600, flag: 'wx' });
        out.push(path);
        continue;
      }
      const stream = await attachmentStream(client, ref);
      await new Promise<void>((resolve, reject) => {
        // 'wx': never overwrite a file that is already there.
        const w = createWriteStream(path, { mode: 0o600, flags: 'wx' });
        Readable.fromWeb(stream as never).on('error', reject).pipe(w).on('finish', () => resolve()).on('error', reject);
      });
      out.push(path);
    } catch (e) {
      await rm(path, { force: true });
      out.push({ error: e instanceof Error ? e.message : String(e) });
      if (e instanceof HavenError && e.code === 'media.blocked') for (const line of helpLines(e.help)) printError(`  ${line}`);
    }
  }
  return out;
}

function show(r: ReceivedMessage, json: boolean, saved: (string | { error: string })[] = []): void {
  // Attachment keys stay on this device: never printed.
  const attachments = r.attachments.map(({ key: _key, ...a }, i) => ({ ...a, ...(saved[i] === undefined ? {} : typeof saved[i] === 'string' ? { savedTo: saved[i] } : { saveError: (saved[i] as { error: string }).error }) }));
  if (json) {
    printJson({
      id: r.id,
      conversation: r.conversation,
      kind: r.conversationKind,
      title: r.conversationTitle,
      mode: r.mode,
      seq: r.seq,
      from: r.from,
      fromDeviceId: r.fromDeviceId,
      text: r.text,
      ...(attachments.length ? { attachments } : {}),
      sentAt: r.sentAt,
      ...(r.decoded.kind === 'undecodable' ? { error: { code: r.decoded.code, message: r.decoded.reason } } : {}),
      ...(r.decoded.kind === 'removed' ? { removed: true } : {}),
    });
    return;
  }
  const when = r.sentAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
  const where = r.conversationKind === 'group' ? ` in ${r.conversationTitle ?? r.conversation}` : '';
  const lock = r.mode === 'e2ee' ? '🔒 ' : '';
  const body = r.decoded.kind === 'undecodable' ? `[could not be read: ${r.decoded.reason}]` : r.decoded.kind === 'removed' ? `[${REMOVED_TEXT}]` : (r.text ?? '[no text]');
  const extra = attachments
    .map((a) => ` [attachment ${a.name ?? a.mediaId} (${a.contentType}, ${a.size} bytes)${'savedTo' in a ? ` saved to ${a.savedTo}` : 'saveError' in a ? ` not saved: ${a.saveError}` : ''}]`)
    .join('');
  printLine(`${when}  ${lock}${r.from}${where}: ${body}${extra}`);
}

function printNotices(list: DeviceNotice[], json: boolean): void {
  for (const n of list) {
    if (json) printJson({ notice: n });
    else printLine(`${n.conversationId.slice(0, 8)}  ${noticeLine(n)}`);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HavenError('server.unavailable', message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
