import type { Command } from 'commander';

type CommandModule = { register(program: Command): void };

/**
 * Every command module, in the order `haven --help` lists them, with the top-level commands it adds.
 * A module is imported only when it is needed, so a command loads its own dependencies and no others
 * (the compiled CLI puts each module in its own chunk). index.test.ts checks `names` against `register`.
 */
export const COMMAND_MODULES: ReadonlyArray<{ names: readonly string[]; load: () => Promise<CommandModule> }> = [
  { names: ['serve'], load: () => import('./serve') },
  { names: ['admin'], load: () => import('./admin') },
  { names: ['register', 'login', 'logout', 'whoami'], load: () => import('./account') },
  { names: ['contacts'], load: () => import('./contacts') },
  { names: ['send'], load: () => import('./send') },
  { names: ['inbox'], load: () => import('./inbox') },
  { names: ['conversations'], load: () => import('./conversations') },
  { names: ['groups'], load: () => import('./groups') },
  { names: ['hash'], load: () => import('./hash') },
  { names: ['hashlist'], load: () => import('./hashlist') },
  { names: ['match'], load: () => import('./match') },
  { names: ['help'], load: () => import('./help') },
  { names: ['invite', 'join'], load: () => import('./invites') },
  { names: ['report', 'reports'], load: () => import('./report') },
  { names: ['stats', 'compliance', 'region'], load: () => import('./stats') },
  { names: ['mod', 'referrals', 'decisions', 'appeal', 'audit'], load: () => import('./moderation') },
  { names: ['self-report'], load: () => import('./self-report') },
  { names: ['devices', 'verify'], load: () => import('./devices') },
];

/**
 * The modules whose commands `args` (the arguments after `haven`) can reach: none for `--version`; only
 * the named command's module when the first argument names one; all of them otherwise (`haven`,
 * `--help`, `help COMMAND`, an unknown command), so help and usage errors read as they always have.
 */
export function modulesFor(args: readonly string[]): ReadonlyArray<(typeof COMMAND_MODULES)[number]> {
  if (args.length > 0 && args.every((a) => a === '-V' || a === '--version')) return [];
  const first = args[0];
  if (first !== undefined && first !== 'help' && !first.startsWith('-')) {
    const named = COMMAND_MODULES.find((m) => m.names.includes(first));
    if (named) return [named];
  }
  return COMMAND_MODULES;
}

/** Registers the commands `args` can run (see {@link modulesFor}), in help order. */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const modules = await Promise.all(modulesFor(args).map((m) => m.load()));
  for (const m of modules) m.register(program);
}
