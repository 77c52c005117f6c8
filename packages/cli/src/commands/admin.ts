import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { CreateUserRequest, ErrorBody, HavenError, isErrorCode } from '@haven/protocol';
import { EXIT, UsageError, exitWithError, printError, printJson, printLine, printTable } from '../output';
import { handleArg, signedIn, withProfile, type ProfileOptions } from '../context';
import { loadConfigOrExit } from './serve';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

interface CreateUserFlags {
  dataDir?: string;
  databaseUrl?: string;
  config?: string;
  handle: string;
  birthDate: string;
  role: string;
  passwordStdin?: boolean;
}

export function register(program: Command): void {
  const admin = program.command('admin').description('Administer a Haven server directly through its database.');
  admin
    .command('create-user')
    .description('Create an account (e.g. the first admin), before or while the server runs: straight in the database, or through a running server\'s owner-only local socket (<data-dir>/admin.sock) when it holds the embedded database.')
    .requiredOption('--handle <handle>', 'the new handle')
    .requiredOption('--birth-date <YYYY-MM-DD>', 'date of birth')
    .option('--role <role>', 'user, moderator or admin', 'user')
    .option('--password-stdin', 'read the password from standard input (required: never pass it in argv)')
    .option('--data-dir <dir>', 'data directory of the server (default ./data)')
    .option('--database-url <url>', 'PostgreSQL URL instead of the embedded database')
    .option('--config <file>', 'JSON config file (default ./haven.config.json when present)')
    .action(async (flags: CreateUserFlags) => {
      if (!flags.passwordStdin) {
        process.stderr.write('haven: give the password on standard input with --password-stdin\n');
        process.exit(EXIT.usage);
      }
      const config = loadConfigOrExit({ file: flags.config, overrides: { dataDir: flags.dataDir, database: { url: flags.databaseUrl } } });
      const parsed = CreateUserRequest.safeParse({ handle: flags.handle, birthDate: flags.birthDate, role: flags.role, password: await readStdin() });
      if (!parsed.success) {
        const what = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        exitWithError(new HavenError('request.invalid', `Invalid input: ${what}.`));
      }
      const { createAccount, openStorage, pgliteDirOf, adminSocketPath, ADMIN_SOCKET_ROUTE } = await import('@haven/server');
      // A running server holds the embedded database: ask it through its owner-only local socket (decision 0006).
      if (!config.database.url) {
        const viaServer = await createThroughSocket(adminSocketPath(config.dataDir), ADMIN_SOCKET_ROUTE, parsed.data).catch((e: unknown) => {
          if (e instanceof HavenError) exitWithError(e);
          return undefined; // no server listening there (stale or absent socket): open the database directly
        });
        if (viaServer) return printJson(viaServer);
      }
      const storage = await openStorage({ databaseUrl: config.database.url, pgliteDir: pgliteDirOf(config.dataDir) });
      try {
        printJson(await createAccount(storage.db, new Date(), parsed.data));
      } catch (e) {
        await storage.close();
        exitWithError(e);
      }
      await storage.close();
    });

  registerSafetyAdmin(admin);
}

/** POSTs the new account to a running server's local admin socket; `undefined` when nothing listens there. */
async function createThroughSocket(socketPath: string, route: { method: string; path: string }, body: unknown): Promise<unknown> {
  if (!existsSync(socketPath)) return undefined;
  const json = JSON.stringify(body);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpRequest({ socketPath, method: route.method, path: route.path, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(json);
  });
  const parsed = JSON.parse(text) as unknown;
  if (status === 201) return parsed;
  const err = ErrorBody.safeParse(parsed);
  if (err.success && isErrorCode(err.data.error.code)) throw new HavenError(err.data.error.code, err.data.error.message, err.data.error.details);
  throw new HavenError('server.internal', `The running server answered ${status}.`);
}

interface AdminHttpOptions extends ProfileOptions {
  json?: boolean;
  reason?: string;
}

function reasonOf(opts: AdminHttpOptions): string {
  const r = opts.reason?.trim() ?? '';
  if (r.length < 3) throw new UsageError('say why with --reason "…": every admin action is written to the audit log');
  return r;
}

/** A signed-in admin's actions over HTTP (the profile must be an admin's); each is audited on the server. */
function registerSafetyAdmin(admin: Command): void {
  const http = (cmd: Command) => withProfile(cmd).option('--json', 'print JSON for scripts');
  http(admin.command('hashlists').description('list the hash lists and whether each is enabled')).action(async (opts: AdminHttpOptions) => {
    const { client } = await signedIn(opts);
    const lists = await client.adminHashLists();
    if (opts.json) return printJson(lists);
    if (lists.length === 0) return printLine('No hash lists: import one with `haven hashlist import`.');
    printTable([['name', 'kind', 'entries', 'enabled', 'source'], ...lists.map((l) => [l.name, l.kind, String(l.count), l.enabled ? 'yes' : 'no', l.source ?? ''])]);
  });
  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    http(admin.command(`${verb}-hashlist`).description(`${verb} a hash list on the running server`).argument('<name>', 'the list').requiredOption('--reason <why>', 'why (audited)')).action(
      async (name: string, opts: AdminHttpOptions) => {
        const reason = reasonOf(opts);
        const { client } = await signedIn(opts);
        const l = await client.adminSetHashList(name, enabled, reason);
        if (opts.json) return printJson(l);
        printLine(`Hash list ${l.name} is now ${l.enabled ? 'enabled' : 'disabled'}.`);
      },
    );
  }
  http(
    admin
      .command('set-age')
      .description("change an account's age assurance, and correct its birth date (the only way it changes after sign-up)")
      .argument('<handle>', 'the account')
      .requiredOption('--assurance <level>', 'self-declared, estimated or verified')
      .option('--birth-date <YYYY-MM-DD>', 'the corrected birth date')
      .requiredOption('--reason <why>', 'why (audited)'),
  ).action(async (handle: string, opts: AdminHttpOptions & { assurance: string; birthDate?: string }) => {
    const reason = reasonOf(opts);
    if (!['self-declared', 'estimated', 'verified'].includes(opts.assurance)) throw new UsageError('--assurance is self-declared, estimated or verified');
    const { client } = await signedIn(opts);
    const a = await client.adminSetAge(handleArg(handle), {
      ageAssurance: opts.assurance as 'verified',
      ...(opts.birthDate ? { birthDate: opts.birthDate } : {}),
      reason,
    });
    if (opts.json) return printJson(a);
    printLine(`${a.handle}: ${a.ageBand}, age ${a.ageAssurance}.`);
  });
  http(
    admin
      .command('lift-restriction')
      .description('let an account send media again after a review')
      .argument('<handle>', 'the account')
      .requiredOption('--reason <why>', 'the outcome of the review (audited)'),
  ).action(async (handle: string, opts: AdminHttpOptions) => {
    const reason = reasonOf(opts);
    const { client } = await signedIn(opts);
    const a = await client.adminLiftRestriction(handleArg(handle), reason);
    if (opts.json) return printJson(a);
    printLine(`${a.handle} can send media again.`);
  });
  http(admin.command('account').description('an account as the safety policy sees it').argument('<handle>', 'the account')).action(async (handle: string, opts: AdminHttpOptions) => {
    const { client } = await signedIn(opts);
    const a = await client.adminAccount(handleArg(handle));
    if (opts.json) return printJson(a);
    printLine(`${a.handle}: ${a.ageBand} (born ${a.birthDate}, age ${a.ageAssurance})${a.mediaRestricted ? ', restricted from sending media pending review' : ''}`);
  });
  http(admin.command('audit').description('the audit log, and whether its hash chain is intact (exit 1 if not)')).action(async (opts: AdminHttpOptions) => {
    const { client } = await signedIn(opts);
    const log = await client.adminAudit();
    if (opts.json) printJson(log);
    else {
      printTable([['seq', 'when', 'who', 'what', 'target', 'why'], ...log.entries.map((e) => [String(e.seq), e.at, e.actor, e.action, e.target, e.reason])]);
      printLine(log.chain.message);
    }
    if (!log.chain.ok) {
      printError(`haven: ${log.chain.message}`);
      process.exit(EXIT.failed);
    }
  });
}
