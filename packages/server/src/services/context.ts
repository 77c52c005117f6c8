import type { Policy } from '@haven/safety';
import type { FrankingKeyring } from '@haven/crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import type { Fanout } from '../fanout/fanout';
import type { HashLists } from '../detection/hashlists.node.ts';
import type { Database } from '../storage/database';
import type { MessageSealer } from './message-key.node.ts';
import type { Metrics } from '../metrics';

/** Everything a service needs, passed in: no module reads a global clock, database or config. */
export interface Services {
  config: Config;
  db: Kysely<Database>;
  now: () => Date;
  log: Logger;
  fanout: Fanout;
  sealer: MessageSealer;
  /** The safety policy in force, resolved from `config.safety` at start. */
  policy: Policy;
  /** The enabled hash lists of `<dataDir>/hashlists`, reloaded when they change. */
  hashLists: HashLists;
  /** Server franking secrets by key id (e2ee message tags and report verification). */
  franking: FrankingKeyring;
  /** Prometheus metrics of this server (`GET /metrics`). */
  metrics: Metrics;
}

/** Who is calling: the result of authenticating a session token. */
export interface Caller {
  accountId: string;
  deviceId: string;
  handle: string;
  displayName: string | null;
  role: 'user' | 'moderator' | 'admin';
  tokenHash: string;
  expiresAt: Date;
}
