import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { loadConfig } from './config/load';
import type { ConfigInput } from './config/schema';
import { startServer, type RunningServer } from './server';

const withoutRateLimits = ({ rateLimits: _, ...rest }: ConfigInput): ConfigInput => rest;

export interface TestServer extends RunningServer {
  dataDir: string;
}

/**
 * A real server for tests, in one call: port 0 on 127.0.0.1, PGlite in a fresh temp dir, quiet logs,
 * generous rate limits. `close()` also deletes the temp dir.
 * @example const server = await startTestServer(); const res = await fetch(`${server.url}/healthz`);
 */
export async function startTestServer(overrides: ConfigInput = {}, options: { logDestination?: DestinationStream; now?: () => Date; testHooks?: boolean } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'haven-test-'));
  const config = loadConfig({
    env: {},
    cwd: dataDir,
    overrides: {
      dataDir,
      log: { level: options.logDestination ? 'info' : 'silent' },
      rateLimits: {
        register: { burst: 10_000, perMinute: 10_000 },
        login: { burst: 10_000, perMinute: 10_000 },
        groups: { burst: 10_000, perMinute: 10_000 },
        contactRequests: { burst: 10_000, perMinute: 10_000 },
        reports: { burst: 10_000, perMinute: 10_000 },
        loginAccount: { freeFailures: 1000 },
        ...overrides.rateLimits,
      },
      ...withoutRateLimits(overrides),
      server: { host: '127.0.0.1', port: 0, ...overrides.server },
    },
  });
  const server = await startServer(config, options);
  return {
    ...server,
    dataDir,
    close: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
