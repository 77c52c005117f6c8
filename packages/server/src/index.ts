// Public API of @haven/server: curated exports only.
export { ConfigSchema, type Config, type ConfigInput } from './config/schema';
export { ConfigError, ENV_KEYS, loadConfig, type LoadConfigOptions } from './config/load';
export { startServer, type RunningServer, type StartOptions } from './server';
export { openStorage, migrate, pgliteDirOf, type Storage, type StorageOptions } from './storage/connect';
export type { Database } from './storage/database';
export { createAccount, type NewAccountInput } from './services/accounts';
export { decideMode, type ModeDecision, type Participant } from './services/mode';
export { ageBandOf, ageOn } from './services/age';
export type { Fanout, FanoutEvent } from './fanout/fanout';
export { startTestServer, type TestServer } from './testing.node.ts';
export { ADMIN_SOCKET_ROUTE, adminSocketPath } from './admin/local-socket.node.ts';
export { recordIncident, type IncidentInput } from './stats/service';
export { takeSignalCases, markSignalCasesQueued, type SignalCase } from './signals/moderation-feed';
export { flushSignals } from './signals/record';
export { assessAccount, type Assessment } from './signals/assess';
export { setTextClassifier } from './signals/text';
