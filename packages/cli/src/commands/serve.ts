import type { Command } from 'commander';
import { ConfigError, ENV_KEYS, loadConfig, type Config, type ConfigInput, type LoadConfigOptions } from '@haven/server/config';
import { EXIT } from '../output';

interface ServeFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
  natsUrl?: string;
  logLevel?: string;
  config?: string;
  stopWithParent?: boolean;
}

/** How long a graceful stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 15_000;

/** A flag's integer, or the raw text so that validation names the key and what is allowed. */
const int = (v: string | undefined): number | string | undefined => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v);

/** CLI flags as config overrides (they win over the file and the environment). */
export function flagsToConfig(f: ServeFlags): ConfigInput {
  return {
    server: { host: f.host, port: int(f.port) as number | undefined },
    dataDir: f.dataDir,
    database: { url: f.databaseUrl },
    nats: { url: f.natsUrl },
    log: { level: f.logLevel as never },
  };
}

/** Loads and validates the config; a wrong value exits 2 with the key and what is allowed. */
export function loadConfigOrExit(options: LoadConfigOptions): Config {
  try {
    return loadConfig(options);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`haven: ${e.message}\n`);
    process.exit(EXIT.usage);
  }
}

const envHelp = Object.entries(ENV_KEYS)
  .map(([name, { key }]) => `  ${name.padEnd(26)} ${key}`)
  .join('\n');

export function register(program: Command): void {
  program
    .command('serve')
    .description('Start the Haven server (HTTP + WebSocket). Embedded database in <data-dir>/db unless --database-url is given.')
    .option('--port <n>', 'port to listen on (default 8080; 0 picks a free one)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--data-dir <dir>', 'data directory: embedded database and message key (default ./data)')
    .option('--database-url <url>', 'PostgreSQL URL (postgres://…) instead of the embedded database')
    .option('--nats-url <url>', 'NATS URL (nats://…) to share delivery between several nodes')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default info)')
    .option('--config <file>', 'JSON config file (default ./haven.config.json when present)')
    .option('--stop-with-parent', 'stop when the process that started this one exits (used by `npm start`)')
    .addHelpText(
      'after',
      `\nPrecedence: defaults < config file < environment < flags.\nEnvironment variables:\n  HAVEN_CONFIG               config file\n${envHelp}\n`,
    )
    .action(async (flags: ServeFlags) => {
      const config = loadConfigOrExit({ file: flags.config, overrides: flagsToConfig(flags) });
      // Loaded only here: every other command starts faster without the server's dependencies.
      const { startServer } = await import('@haven/server');
      const server = await startServer(config);
      process.stdout.write(`Haven is listening on ${server.url} (database: ${server.storage.kind === 'pglite' ? `embedded, ${config.dataDir}/db` : 'PostgreSQL'})\n`);
      // SIGTERM/SIGINT: stop taking work, finish what is in flight (requests, WebSocket closes, the
      // database), then exit; a stop that hangs past the deadline exits anyway.
      let stopping = false;
      const stop = (why: string): void => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`Haven is stopping (${why}).\n`);
        setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGHUP', () => stop('SIGHUP'));
      if (flags.stopWithParent) {
        // A parent that dies (killed, or its signal not passed on) re-parents this process: stop with it.
        const parent = process.ppid;
        setInterval(() => {
          if (process.ppid !== parent) stop('its parent exited');
        }, 500).unref();
      }
    });
}
