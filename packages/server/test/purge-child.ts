// A purge as a separate process (test/moderation.test.ts kills it with SIGKILL half-way): opens the
// server on a PostgreSQL URL and message key given in the environment, purges one case per batch and
// prints a line per purged case.
import { loadConfig } from '../src/config/load';
import { startServer } from '../src/server';
import { purgeExpired } from '../src/moderation/evidence.node.ts';

const config = loadConfig({
  env: {},
  overrides: {
    dataDir: process.env.PURGE_DATA_DIR!,
    database: { url: process.env.PURGE_DATABASE_URL! },
    storage: { messageKey: process.env.PURGE_MESSAGE_KEY! },
    log: { level: 'silent' },
    server: { host: '127.0.0.1', port: 0 },
  },
});
const server = await startServer(config);
process.stdout.write('ready\n');
await purgeExpired(server.services, { id: null, handle: 'system:retention' }, 5, (id) => process.stdout.write(`purged ${id}\n`));
await server.close();
process.stdout.write('done\n');
