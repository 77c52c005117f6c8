import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import type { Config } from './config/schema';
import type { Fanout } from './fanout/fanout';
import { localFanout } from './fanout/local';
import { natsFanout } from './fanout/nats';
import { buildApp } from './http/app';
import { createLogger } from './log';
import type { Services } from './services/context';
import { loadMessageKey, messageSealer } from './services/message-key.node.ts';
import { openStorage, pgliteDirOf, type Storage } from './storage/connect';
import { deleteExpiredSessions } from './storage/repos/sessions';
import { attachGateway } from './ws/gateway';
import { serverPolicy } from './policy/config';
import { HashLists } from './detection/hashlists.node.ts';
import { frankingKeyring } from './mls/franking-keys';
import { createMetrics } from './metrics';
import { observeHotPath } from './storage/hot-path';
import { listenAdminSocket } from './admin/local-socket.node.ts';
import { purgeExpired } from './moderation/evidence.node.ts';
import { queueSignalCases } from './moderation/signal-queue';

export interface RunningServer {
  /** `http://host:port` it listens on (the real port when 0 was asked for). */
  url: string;
  app: FastifyInstance;
  services: Services;
  storage: Storage;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where logs go (default stdout); tests pass a stream to inspect them. */
  logDestination?: DestinationStream;
  logger?: Logger;
  /** The clock (tests move it to expire sessions). */
  now?: () => Date;
  /**
   * Test-only hooks that play a malicious server (issue 15's ghost-device test). Only `startTestServer`
   * passes it; it is not part of the config file or environment, so no deployment can turn it on.
   */
  testHooks?: boolean;
}

/**
 * Opens storage (migrating it), builds the HTTP app and WebSocket gateway, and listens.
 * @example const server = await startServer(loadConfig({ env: {}, overrides: { server: { port: 0 }, dataDir } }));
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.logger ?? createLogger(config.log.level, options.logDestination);
  const storage = await openStorage({ databaseUrl: config.database.url, pgliteDir: pgliteDirOf(config.dataDir), poolSize: config.database.poolSize, sendContextCacheSize: config.database.sendContextCacheSize });
  let fanout: Fanout | undefined;
  try {
    const fan = (fanout = config.nats.url ? await natsFanout(config.nats.url, log) : localFanout());
    const now = options.now ?? (() => new Date());
    const messageKey = loadMessageKey(config.storage.messageKey, config.dataDir);
    const services: Services = {
      config,
      db: storage.db,
      now,
      log,
      fanout: fan,
      policy: serverPolicy(config.safety),
      hashLists: await HashLists.open(config.dataDir, log),
      sealer: messageSealer(messageKey),
      franking: frankingKeyring(config, messageKey),
      metrics: createMetrics(storage.poolStats, storage.sendContexts),
    };
    observeHotPath(storage.db, (kind, size, ms) => {
      services.metrics.batchSize.observe({ kind }, size);
      services.metrics.commitSeconds.observe({ kind }, ms / 1000);
    });
    await deleteExpiredSessions(storage.db, now());
    // Expired sessions are refused anyway; this only keeps the table small.
    const sweeper = setInterval(() => {
      deleteExpiredSessions(storage.db, now()).catch((err: unknown) => log.warn({ err }, 'could not delete expired sessions'));
    }, 3600_000);
    sweeper.unref();
    // Evidence past its retention period (and not on legal hold) is purged, with proof in the audit log.
    const purger = setInterval(() => {
      purgeExpired(services, { id: null, handle: 'system:retention' }).catch((err: unknown) => log.warn({ err }, 'could not purge expired evidence'));
    }, config.moderation.purgeIntervalMinutes * 60_000);
    purger.unref();
    // Risk-signal hits become case items in the moderators' queue.
    const signalQueue = setInterval(() => {
      queueSignalCases(services).catch((err: unknown) => log.warn({ err }, 'could not queue risk-signal cases'));
    }, config.moderation.signalQueueSeconds * 1000);
    signalQueue.unref();
    const app = buildApp(services, { testHooks: options.testHooks === true });
    const gateway = attachGateway(app.server, services);
    await app.listen({ host: config.server.host, port: config.server.port });
    // The embedded database is this process's alone: `haven admin create-user` comes through a local socket.
    const closeAdminSocket = storage.kind === 'pglite' ? await listenAdminSocket(services, log) : undefined;
    const addr = app.server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${host}:${addr.port}`;
    log.info({ url, database: storage.kind, fanout: fan.kind }, 'Haven is listening');
    let closed: Promise<void> | undefined;
    return {
      url,
      app,
      services,
      storage,
      close: () =>
        (closed ??= (async () => {
          clearInterval(sweeper);
          await closeAdminSocket?.();
          clearInterval(purger);
          clearInterval(signalQueue);
          await gateway.close();
          await app.close();
          await fan.close();
          await storage.close();
        })()),
    };
  } catch (e) {
    await fanout?.close().catch(() => undefined);
    await storage.close();
    throw e;
  }
}
