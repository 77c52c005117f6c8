// The config entry point on its own (`@haven/server/config`), so the CLI can show `serve --help` and
// validate config without loading the whole server.
export { ConfigSchema, type Config, type ConfigInput } from './schema';
export { ConfigError, ENV_KEYS, loadConfig, type LoadConfigOptions } from './load';
