import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index';
import { EXIT } from './exit';
import { refusePasswordInArgv } from './password';

// The `haven` command. Each command lives in its own file under commands/ and registers itself; only
// the modules the arguments name are loaded (commands/index.ts), so `haven --version` loads commander
// alone and each command only its own dependencies.
const program = new Command('haven')
  .description('Haven: end-to-end encrypted messaging that keeps children safe.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

try {
  refusePasswordInArgv(process.argv.slice(2));
  await registerCommands(program, process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version exit through here with code 0; usage errors with 1 become 2.
    process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  // Loaded only here: the error printer needs @haven/protocol's errors (and zod), which --version does not.
  const { exitWithError } = await import('./output');
  exitWithError(e);
}
