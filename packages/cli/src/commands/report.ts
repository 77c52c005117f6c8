import type { Command } from 'commander';
import { HavenError, MessageId, REPORT_REASONS, REPORT_REASON_TEXT, ReportReason, type ReportAccepted } from '@haven/protocol';
import { handleArg, signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { UsageError, helpLines, printJson, printLine, printTable } from '../output';

interface ReportOptions extends ProfileOptions {
  reason: string;
  note?: string;
  account?: string;
  media?: string;
  outcome?: boolean;
  json?: boolean;
}

const reasonList = REPORT_REASONS.map((r) => `${r} (${REPORT_REASON_TEXT[r]})`).join(', ');

/**
 * report [MESSAGE_ID] --reason R: any message you received (a visible one is read from the server's own
 * copy; an e2ee one carries this device's franking proof), an attachment (--media ID) or an account
 * (--account HANDLE). A repeat is the same report. `reports` lists yours.
 */
export function register(program: Command): void {
  withJson(
    withProfile(
      program
        .command('report [messageId]')
        .description('report a message you received, an attachment (--media) or an account (--account); moderators review it')
        .requiredOption('--reason <reason>', `why: ${reasonList}`)
        .option('--note <text>', 'anything else the moderators should know')
        .option('--account <handle>', 'report an account instead of a message')
        .option('--media <id>', 'report an attachment (a file id) instead of a message')
        .option('--no-outcome', 'do not send me a notice of the outcome'),
    ),
  ).action(async (id: string | undefined, opts: ReportOptions) => {
    const reason = ReportReason.safeParse(opts.reason.trim().toLowerCase().replace(/[ -]/g, '_'));
    if (!reason.success) throw new UsageError(`--reason is one of: ${REPORT_REASONS.join(', ')}`);
    const targets = [id, opts.account, opts.media].filter((x) => x !== undefined);
    if (targets.length !== 1) throw new UsageError('report one thing: a MESSAGE_ID, --account HANDLE or --media ID');
    const note = opts.note?.trim() || undefined;
    const common = { reason: reason.data, ...(note ? { note } : {}), notifyOutcome: opts.outcome !== false };
    const { client, e2ee } = await signedIn(opts);
    let accepted: ReportAccepted;
    if (opts.account !== undefined) {
      accepted = await client.fileReport({ target: { kind: 'account', handle: handleArg(opts.account) as never }, ...common });
    } else if (opts.media !== undefined) {
      if (!/^[0-9a-f-]{36}$/i.test(opts.media)) throw new UsageError(`"${opts.media}" is not a file id`);
      accepted = await client.fileReport({ target: { kind: 'attachment', mediaId: opts.media }, ...common });
    } else {
      const r = MessageId.safeParse(id);
      if (!r.success) throw new UsageError(`"${id}" is not a message id (see \`haven inbox --json\`)`);
      // An e2ee message this device read carries its franking proof; anything else the server checks itself.
      const engine = await e2ee().catch(() => undefined);
      const rec = engine ? await engine.record(r.data).catch(() => undefined) : undefined;
      if (engine && rec?.kind === 'payload') accepted = await engine.report(r.data, reason.data, common);
      else {
        try {
          accepted = await client.fileReport({ target: { kind: 'message', messageId: r.data }, ...common });
        } catch (e) {
          if (e instanceof HavenError && e.code === 'report.needs_proof') throw new HavenError('report.needs_proof', 'This message is end-to-end encrypted and this device has no readable copy of it: report it from the device that read it.');
          throw e;
        }
      }
    }
    if (opts.json) return printJson(accepted);
    printLine(accepted.duplicate ? `You reported this already (report ${accepted.id}).` : `Reported (report ${accepted.id}).`);
    printLine(accepted.acknowledgement.message);
    printLine(`What happens next: ${accepted.acknowledgement.next}`);
    printLine(`Expected within: ${accepted.acknowledgement.expectedWithin}.`);
    for (const line of helpLines(accepted.help)) printLine(`  ${line}`);
  });

  withJson(withProfile(program.command('reports').description('your reports and where each stands'))).action(async (opts: ProfileOptions & { json?: boolean }) => {
    const { client } = await signedIn(opts);
    const list = await client.myReports();
    if (opts.json) return printJson(list);
    if (list.length === 0) return printLine('You have not reported anything.');
    printTable([['report', 'what', 'reason', 'status', 'outcome notice', 'when'], ...list.map((r) => [r.id, r.target, r.reason, r.status, r.notifyOutcome ? 'yes' : 'no', r.createdAt])]);
  });
}
