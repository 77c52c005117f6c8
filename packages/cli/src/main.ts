import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index';
import { EXIT, exitWithError } from './output';
import { refusePasswordInArgv } from './password';

// The `haven` command. Each command lives in its own file under commands/ and registers itself.
const program = new Command('haven')
  .description('Haven: end-to-end encrypted messaging that keeps children safe.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  refusePasswordInArgv(process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version exit through here with code 0; usage errors with 1 become 2.
    process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  exitWithError(e);
}
