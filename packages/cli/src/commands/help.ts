import type { Command } from 'commander';
import { AgeBand } from '@haven/protocol';
import { profileStore, signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { UsageError, helpLines, printJson, printLine } from '../output';

interface HelpOptions extends ProfileOptions {
  json?: boolean;
  region?: string;
  band?: string;
}

/**
 * `haven help`: where to get help (Childline for under-18s, the NSPCC helpline for adults, or the
 * server's resources for the account's region) and which safety policy the server runs.
 * `haven help COMMAND` shows that command's usage, as commander's own help command did.
 */
export function register(program: Command): void {
  program.helpCommand(false);
  withJson(
    withProfile(
      program
        .command('help')
        .description('where to get help, and how this server keeps people safe; `haven help COMMAND` for a command')
        .argument('[command]', 'show the usage of this command instead')
        .option('--region <region>', "another region's resources (e.g. GB)")
        .option('--band <band>', "another age group's resources: child or adult"),
    ),
  ).action(async (command: string | undefined, opts: HelpOptions) => {
    if (command) {
      const sub = program.commands.find((c) => c.name() === command || c.aliases().includes(command));
      if (!sub) throw new UsageError(`no command "${command}"; \`haven --help\` lists them`);
      sub.outputHelp();
      return;
    }
    if (opts.band !== undefined && !AgeBand.safeParse(opts.band).success) throw new UsageError('--band is child or adult');
    const profile = await profileStore(opts).load();
    if (!profile?.token) {
      // Not signed in: the UK defaults are still worth showing.
      printLine('If you are under 18: Childline, 0800 1111, or 1-2-1 chat at https://www.childline.org.uk/get-support/1-2-1-counsellor-chat/');
      printLine('If you are worried about a child: the NSPCC helpline, 0808 800 5000.');
      printLine('Sign in (`haven login`) to see the help this server offers for your region.');
      return;
    }
    const { client } = await signedIn(opts);
    const page = await client.help({
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.band ? { band: opts.band as 'child' | 'adult' } : {}),
    });
    if (opts.json) {
      printJson(page);
      return;
    }
    for (const line of helpLines(page)) printLine(line);
    printLine();
    printLine(`This server's safety policy (${page.preset}): ${page.policySummary}`);
  });
}
