import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { printableConfigValue } from './redact';
import { ConfigSchema, type Config, type ConfigInput } from './schema';

/** A configuration that cannot be used; the CLI prints `message` and exits with code 2. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Kind = 'string' | 'int' | 'bool';
/** Environment variables and the config key each sets. */
export const ENV_KEYS = {
  HAVEN_HOST: { key: 'server.host', kind: 'string' },
  HAVEN_PORT: { key: 'server.port', kind: 'int' },
  HAVEN_TRUST_PROXY: { key: 'server.trustProxy', kind: 'bool' },
  HAVEN_DATA_DIR: { key: 'dataDir', kind: 'string' },
  HAVEN_DATABASE_URL: { key: 'database.url', kind: 'string' },
  HAVEN_DATABASE_POOL_SIZE: { key: 'database.poolSize', kind: 'int' },
  HAVEN_SEND_CONTEXT_CACHE_SIZE: { key: 'database.sendContextCacheSize', kind: 'int' },
  HAVEN_NATS_URL: { key: 'nats.url', kind: 'string' },
  HAVEN_LOG_LEVEL: { key: 'log.level', kind: 'string' },
  HAVEN_BODY_LIMIT: { key: 'limits.bodyBytes', kind: 'int' },
  HAVEN_FRAME_LIMIT: { key: 'limits.frameBytes', kind: 'int' },
  HAVEN_MESSAGE_LIMIT: { key: 'limits.messageBytes', kind: 'int' },
  HAVEN_GROUP_MEMBERS: { key: 'limits.groupMembers', kind: 'int' },
  HAVEN_SESSION_TTL: { key: 'sessions.ttlSeconds', kind: 'int' },
  HAVEN_MESSAGE_KEY: { key: 'storage.messageKey', kind: 'string' },
  HAVEN_E2EE: { key: 'mls.enabled', kind: 'bool' },
  HAVEN_MEDIA_LIMIT: { key: 'media.maxBytes', kind: 'int' },
  HAVEN_FRANKING_KEY_ID: { key: 'franking.currentKeyId', kind: 'string' },
  HAVEN_TRANSPARENCY_PUBLIC: { key: 'transparency.public', kind: 'bool' },
  HAVEN_WEB: { key: 'web.enabled', kind: 'bool' },
  HAVEN_IP_CAPTURE: { key: 'moderation.ipCapture.enabled', kind: 'bool' },
  HAVEN_WEB_DIR: { key: 'web.dir', kind: 'string' },
} as const satisfies Record<string, { key: string; kind: Kind }>;

export interface LoadConfigOptions {
  /** Path of a JSON config file; without it `haven.config.json` in `cwd` is read when present. */
  file?: string | undefined;
  cwd?: string;
  /** Defaults to `process.env`; pass `{}` in tests for isolation. */
  env?: Record<string, string | undefined>;
  /** Highest precedence (CLI flags, test settings), already typed. */
  overrides?: ConfigInput;
}

/**
 * Reads defaults < config file < HAVEN_* environment < overrides, and validates the result.
 * @example const config = loadConfig({ env: {}, overrides: { server: { port: 0 }, dataDir: tmp } });
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = options.file ?? env.HAVEN_CONFIG;
  let merged: Record<string, unknown> = {};
  const sources = new Map<string, string>();

  const path = file ? resolve(cwd, file) : resolve(cwd, 'haven.config.json');
  if (file && !existsSync(path)) throw new ConfigError(`config file ${path} does not exist`, 'config');
  if (existsSync(path)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      // JSON.parse quotes the text around the mistake, which may be a secret: say only where it is.
      const at = /position (\d+)/.exec((e as Error).message)?.[1];
      throw new ConfigError(`config file ${path} is not valid JSON${at ? ` (at character ${at})` : ''}`, 'config');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file ${path} must hold a JSON object`, 'config');
    }
    merged = deepMerge(merged, parsed as Record<string, unknown>);
  }

  for (const [name, { key, kind }] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(merged, key, convert(raw, kind));
    sources.set(key, name);
  }
  if (options.overrides) merged = deepMerge(merged, options.overrides as Record<string, unknown>);

  const result = ConfigSchema.safeParse(merged);
  if (result.success) return { ...result.data, dataDir: resolve(cwd, result.data.dataDir) };
  const issue = result.error.issues[0]!;
  const key = issue.path.join('.') || 'config';
  const from = sources.get(key);
  // A secret's bad value is never printed; a URL's credentials are cut out (redact.ts).
  const got = printableConfigValue(key, getPath(merged, key));
  throw new ConfigError(
    `invalid config ${key}${from ? ` (from ${from})` : ''}: ${describeIssue(issue)}${got === undefined ? '' : `; got ${JSON.stringify(got)}`}`,
    key,
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key(s) ${issue.keys.join(', ')}`;
    case 'invalid_value':
      return `allowed: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'invalid_type':
      return `expected ${issue.expected}`;
    default:
      return issue.message;
  }
}

function convert(raw: string, kind: Kind): unknown {
  if (kind === 'int') return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (kind === 'bool') return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
  return raw;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isObject(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = value;
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
}
