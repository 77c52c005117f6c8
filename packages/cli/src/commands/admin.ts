import type { Command } from 'commander';
import { CreateUserRequest, HavenError } from '@haven/protocol';
import { createAccount, openStorage, pgliteDirOf } from '@haven/server';
import { EXIT, exitWithError, printJson } from '../output';
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
    .description('Create an account (e.g. the first admin) straight in the database; run it while the server is stopped when using the embedded database.')
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
      const storage = await openStorage({ databaseUrl: config.database.url, pgliteDir: pgliteDirOf(config.dataDir) });
      try {
        printJson(await createAccount(storage.db, new Date(), parsed.data));
      } catch (e) {
        await storage.close();
        exitWithError(e);
      }
      await storage.close();
    });
}
