import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { HavenError, MOD_ACTIONS, REPORT_REASONS, ModAction, ReportReason, type CaseDetail, type CaseSummary } from '@haven/protocol';
import { signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { EXIT, UsageError, printJson, printLine, printTable } from '../output';

// Moderators' verbs (`haven mod …`, `haven referrals export`), the actioned user's (`haven decisions`,
// `haven appeal`) and the audit check (`haven audit verify`). Each has --json.

interface Opts extends ProfileOptions {
  json?: boolean;
}
const cmd = (c: Command): Command => withJson(withProfile(c));
const caseIdArg = (raw: string): string => {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw)) throw new UsageError(`"${raw}" is not a case id (see \`haven mod queue\`)`);
  return raw.toLowerCase();
};
const reasonArg = (raw: string): ReportReason => {
  const r = ReportReason.safeParse(raw.trim().toLowerCase().replace(/[ -]/g, '_'));
  if (!r.success) throw new UsageError(`--reason is one of: ${REPORT_REASONS.join(', ')}`);
  return r.data;
};

function summaryLine(c: CaseSummary): string[] {
  return [c.id, c.priority + (c.overdue ? ' (overdue)' : ''), c.status, `${c.subject.handle} (${c.subject.ageBand})`, String(c.items), c.assignee?.handle ?? '', c.dueAt];
}

function printCase(c: CaseDetail): void {
  printLine(`Case ${c.id}: ${c.subject.handle} (${c.subject.ageBand}), ${c.status}${c.outcome ? ` (${c.outcome})` : ''}, priority ${c.priority} by rule ${c.priorityRule}, due ${c.dueAt}${c.overdue ? ' (overdue)' : ''}`);
  printLine(`  held by ${c.assignee?.handle ?? 'nobody'}; account ${c.subjectAccount.status}${c.subjectAccount.mediaRestricted ? ', media restricted' : ''}${c.subjectAccount.region ? `, region ${c.subjectAccount.region}` : ''}`);
  for (const i of c.itemList) {
    printLine(`- ${i.at} ${i.summary}${i.conversation ? ` in a ${i.conversation.mode} ${i.conversation.kind} conversation` : ''} [${i.verifiedBy}]`);
    if (i.note) printLine(`    note: ${i.note}`);
    if (i.content) printLine(`    content: ${i.content.text ?? '(no text)'}${i.content.attachments ? ` (+${i.content.attachments} attachment(s))` : ''}`);
  }
  if (c.evidence.length) printLine(`Evidence (kept until ${c.evidenceRetainUntil ?? '?'}${c.legalHold ? ', on legal hold' : ''}${c.evidencePurgedAt ? `, purged ${c.evidencePurgedAt}` : ''}):`);
  for (const e of c.evidence) printLine(`  ${e.id} ${e.name} ${e.contentType} ${e.size} B sha256 ${e.sha256}${e.isImage ? ' (image: shown blurred; `haven mod evidence ID --reveal` to see it)' : ''}`);
  for (const d of c.decisions) printLine(`Decision ${d.id}: ${d.action} for ${d.reason} by ${d.moderator} at ${d.at}${d.until ? ` until ${d.until}` : ''}${d.note ? ` (${d.note})` : ''}`);
  for (const a of c.appeals) printLine(`Appeal ${a.id} of ${a.decisionId}: ${a.status}${a.decidedBy ? ` by ${a.decidedBy}` : ''}: ${a.text}`);
  for (const r of c.referrals) printLine(`Referral ${r.id}: ${r.status}${r.remoteReportId ? ` (hotline report ${r.remoteReportId})` : ''}`);
  if (c.audit.length) printLine(`Audit trail (${c.audit.length}):`);
  for (const a of c.audit) printLine(`  ${a.at}  ${a.actor}  ${a.action} ${a.target}${a.reason ? `  (${a.reason})` : ''}`);
  printLine(`Originals you revealed today: ${c.reveals.today}.`);
}

export function register(program: Command): void {
  const mod = program.command('mod').description('moderate: the case queue, cases, decisions and referrals (moderators and admins)');
  cmd(mod.command('queue').description('the case queue, most urgent first').option('--status <status>', 'active (default), open, in_review, actioned, referred or closed').option('--mine', 'only cases you hold').option('--limit <n>', 'cases per page', '50').option('--cursor <c>', 'the next page')).action(
    async (opts: Opts & { status?: string; mine?: boolean; limit: string; cursor?: string }) => {
      const { client } = await signedIn(opts);
      const q = await client.modQueue({ ...(opts.status ? { status: opts.status } : {}), ...(opts.mine ? { mine: true } : {}), limit: Number(opts.limit), ...(opts.cursor ? { cursor: opts.cursor } : {}) });
      if (opts.json) return printJson(q);
      if (q.cases.length === 0) printLine('The queue is empty.');
      else printTable([['case', 'priority', 'status', 'about', 'items', 'held by', 'due'], ...q.cases.map(summaryLine)]);
      if (q.nextCursor) printLine(`More: --cursor ${q.nextCursor}`);
      printLine(`Originals you revealed today: ${q.reveals.today}.`);
    },
  );
  cmd(mod.command('show').description('a case with its items, evidence, decisions and referrals (audited)').argument('<case>', 'case id')).action(async (id: string, opts: Opts) => {
    const { client } = await signedIn(opts);
    const c = await client.modCase(caseIdArg(id));
    if (opts.json) return printJson(c);
    printCase(c);
  });
  for (const verb of ['claim', 'release'] as const) {
    cmd(mod.command(verb).description(verb === 'claim' ? 'claim a case (one moderator holds a case at a time)' : 'release a case you hold').argument('<case>', 'case id')).action(async (id: string, opts: Opts) => {
      const { client } = await signedIn(opts);
      const c = verb === 'claim' ? await client.modClaim(caseIdArg(id)) : await client.modRelease(caseIdArg(id));
      if (opts.json) return printJson(c);
      printLine(verb === 'claim' ? `You hold case ${c.id} (${c.status}).` : `Released case ${c.id}.`);
    });
  }
  cmd(
    mod
      .command('act')
      .description('decide on a case you hold')
      .argument('<case>', 'case id')
      .requiredOption('--action <action>', MOD_ACTIONS.join(', '))
      .option('--reason <reason>', `from the policy list: ${REPORT_REASONS.join(', ')}`)
      .option('--note <text>', 'a note for the record')
      .option('--hours <n>', 'how long a suspension lasts'),
  ).action(async (id: string, opts: Opts & { action: string; reason?: string; note?: string; hours?: string }) => {
    const action = ModAction.safeParse(opts.action);
    if (!action.success) throw new UsageError(`--action is one of: ${MOD_ACTIONS.join(', ')}`);
    const caseId = caseIdArg(id);
    const { client } = await signedIn(opts);
    // Without --reason, the reason of the case's first report (the policy list is the same).
    let reason = opts.reason ? reasonArg(opts.reason) : undefined;
    if (!reason) reason = (await client.modCase(caseId)).itemList.find((i) => i.reason)?.reason ?? undefined;
    if (!reason) throw new UsageError('say why with --reason');
    const hours = opts.hours === undefined ? undefined : Number(opts.hours);
    if (hours !== undefined && !(Number.isInteger(hours) && hours > 0)) throw new UsageError('--hours is a whole number of hours');
    const c = await client.modAct(caseId, { action: action.data, reason, ...(opts.note ? { note: opts.note } : {}), ...(hours ? { hours } : {}) });
    if (opts.json) return printJson(c);
    printLine(`Decided: ${action.data} for ${reason}. Case ${c.id} is ${c.status}.`);
  });
  cmd(mod.command('close').description('close a case you hold').argument('<case>', 'case id').option('--note <text>', 'a note for the record')).action(async (id: string, opts: Opts & { note?: string }) => {
    const { client } = await signedIn(opts);
    const c = await client.modClose(caseIdArg(id), opts.note);
    if (opts.json) return printJson(c);
    printLine(`Closed case ${id}.`);
  });
  cmd(mod.command('refer').description('refer a case you hold to law enforcement (builds the referral package)').argument('<case>', 'case id').option('--note <text>', 'a note for the record')).action(async (id: string, opts: Opts & { note?: string }) => {
    const { client } = await signedIn(opts);
    const r = await client.modRefer(caseIdArg(id), opts.note);
    if (opts.json) return printJson(r);
    printLine(`Referred case ${r.caseId} (referral ${r.id}, ${r.status}${r.remoteReportId ? `, hotline report ${r.remoteReportId}` : ''}). Export it with \`haven referrals export ${r.caseId} --out DIR\`.`);
    if (r.status === 'failed') {
      process.stderr.write(`haven: the hotline did not accept it: ${r.error ?? 'unknown error'}\n`);
      process.exit(EXIT.failed);
    }
  });
  cmd(mod.command('evidence').description('one evidence file: images blurred and greyscale unless --reveal (audited and counted)').argument('<evidence>', 'evidence id').option('--reveal', 'see the original').option('--out <file>', 'write the bytes to a file')).action(
    async (id: string, opts: Opts & { reveal?: boolean; out?: string }) => {
      const { client } = await signedIn(opts);
      const e = await client.modEvidence(caseIdArg(id), !!opts.reveal);
      if (opts.out) await writeFile(opts.out, Buffer.from(e.base64, 'base64'), { mode: 0o600 });
      if (opts.json) return printJson(opts.out ? { ...e, base64: undefined, savedTo: opts.out } : e);
      printLine(`${e.contentType}${e.blurred ? ', blurred and greyscale' : ''}${opts.out ? `, saved to ${opts.out}` : ' (use --out FILE to save it)'}. Originals you revealed today: ${e.reveals.today}.`);
    },
  );
  cmd(
    mod
      .command('decide-appeal')
      .description('uphold or overturn an appeal (not one of your own decisions)')
      .argument('<appeal>', 'appeal id')
      .requiredOption('--outcome <outcome>', 'upheld or overturned')
      .requiredOption('--reason <reason>', REPORT_REASONS.join(', '))
      .option('--note <text>', 'a note for the record'),
  ).action(async (id: string, opts: Opts & { outcome: string; reason: string; note?: string }) => {
    if (opts.outcome !== 'upheld' && opts.outcome !== 'overturned') throw new UsageError('--outcome is upheld or overturned');
    const { client } = await signedIn(opts);
    const a = await client.modDecideAppeal(caseIdArg(id), { outcome: opts.outcome, reason: reasonArg(opts.reason), ...(opts.note ? { note: opts.note } : {}) });
    if (opts.json) return printJson(a);
    printLine(`Appeal ${a.id}: ${a.status}.`);
  });

  const referrals = program.command('referrals').description('law-enforcement referral packages (moderators)');
  cmd(referrals.command('export').description("write a referred case's package (CyberTipline-shaped XML and JSON, evidence, manifest) to a directory").argument('<case>', 'case id').requiredOption('--out <dir>', 'directory to write into')).action(
    async (id: string, opts: Opts & { out: string }) => {
      const { client } = await signedIn(opts);
      const c = await client.modCase(caseIdArg(id));
      const referral = c.referrals.at(-1);
      if (!referral) throw new HavenError('referral.not_found', `Case ${c.id} has not been referred: run \`haven mod refer ${c.id}\` first.`);
      const pkg = await client.modReferralPackage(referral.id);
      const root = resolve(opts.out);
      await mkdir(root, { recursive: true, mode: 0o700 });
      for (const f of pkg.files) {
        const path = resolve(root, f.path);
        if (!path.startsWith(root + sep)) throw new HavenError('server.internal', `The package names a file outside the directory: ${f.path}`);
        const bytes = Buffer.from(f.base64, 'base64');
        if (createHash('sha256').update(bytes).digest('hex') !== f.sha256) throw new HavenError('server.internal', `${f.path} does not match its digest.`);
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        await writeFile(path, bytes, { mode: 0o600 });
      }
      if (opts.json) return printJson({ referralId: pkg.referralId, caseId: pkg.caseId, out: root, files: pkg.files.map((f) => ({ path: join(root, f.path), sha256: f.sha256 })) });
      printLine(`Wrote referral ${pkg.referralId} of case ${pkg.caseId}: ${pkg.files.length} files in ${root} (manifest.json lists their SHA-256).`);
    },
  );

  cmd(program.command('decisions').description('moderation decisions about your account, and their appeals')).action(async (opts: Opts) => {
    const { client } = await signedIn(opts);
    const list = await client.myDecisions();
    if (opts.json) return printJson(list);
    if (list.length === 0) return printLine('No decisions about your account.');
    printTable([['decision', 'action', 'reason', 'until', 'when', 'appeal'], ...list.map((d) => [d.id, d.action, d.reasonText, d.until ?? '', d.at, d.appeal ? d.appeal.status : 'you can appeal once'])]);
  });
  cmd(program.command('appeal').description('appeal a decision about your account (once)').argument('<decision>', 'decision id (see `haven decisions`)').requiredOption('--text <why>', 'why the decision is wrong')).action(
    async (id: string, opts: Opts & { text: string }) => {
      if (opts.text.trim().length === 0) throw new UsageError('say why with --text');
      const { client } = await signedIn(opts);
      const a = await client.appeal(caseIdArg(id), opts.text.trim());
      if (opts.json) return printJson(a);
      printLine(`Appeal ${a.id} filed: a different moderator will decide it.`);
    },
  );

  const audit = program.command('audit').description('the hash-chained audit log (admins)');
  cmd(audit.command('verify').description('check the whole chain; names the first broken entry (exit 1)')).action(async (opts: Opts) => {
    const { client } = await signedIn(opts);
    const log = await client.adminAudit();
    if (opts.json) printJson({ ...log.chain, entries: log.entries.length });
    else printLine(log.chain.ok ? log.chain.message : `Broken at entry ${log.chain.brokenAt}: ${log.chain.message}`);
    if (!log.chain.ok) process.exit(EXIT.failed);
  });
}
