import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load';

const dir = () => mkdtempSync(join(tmpdir(), 'haven-config-'));

describe('loadConfig', () => {
  it('defaults: 127.0.0.1:8080, ./data, PGlite, in-process fan-out', () => {
    const cwd = dir();
    const c = loadConfig({ cwd, env: {} });
    expect(c.server).toEqual({ host: '127.0.0.1', port: 8080, trustProxy: false });
    expect(c.dataDir).toBe(join(cwd, 'data'));
    expect(c.database.url).toBeUndefined();
    expect(c.nats.url).toBeUndefined();
  });

  it('file < environment < overrides', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'haven.config.json'), JSON.stringify({ server: { port: 1000, host: '0.0.0.0' }, limits: { groupMembers: 10 } }));
    const key = Buffer.alloc(32).toString('base64');
    const c = loadConfig({ cwd, env: { HAVEN_PORT: '2000', HAVEN_NATS_URL: 'nats://x:4222', HAVEN_MESSAGE_KEY: key }, overrides: { server: { port: 3000 } } });
    expect(c.server.port).toBe(3000);
    expect(c.server.host).toBe('0.0.0.0');
    expect(c.limits.groupMembers).toBe(10);
    expect(c.nats.url).toBe('nats://x:4222');
    expect(loadConfig({ cwd, env: { HAVEN_PORT: '2000' } }).server.port).toBe(2000);
  });

  it('reads --config / HAVEN_CONFIG files', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'other.json'), JSON.stringify({ dataDir: '/srv/haven' }));
    expect(loadConfig({ cwd, env: {}, file: 'other.json' }).dataDir).toBe('/srv/haven');
    expect(loadConfig({ cwd, env: { HAVEN_CONFIG: 'other.json' } }).dataDir).toBe('/srv/haven');
  });

  const bad: [string, Parameters<typeof loadConfig>[0], string, RegExp][] = [
    ['a port that is not a number', { env: { HAVEN_PORT: 'eighty' } }, 'server.port', /HAVEN_PORT.*expected number.*"eighty"/],
    ['a port out of range', { env: { HAVEN_PORT: '70000' } }, 'server.port', /at most 65535/],
    ['an unknown log level', { env: { HAVEN_LOG_LEVEL: 'loud' } }, 'log.level', /allowed: "fatal", "error"/],
    ['a database URL that is not postgres', { env: { HAVEN_DATABASE_URL: 'mysql://x' } }, 'database.url', /postgres:\/\//],
    ['a NATS URL that is not nats', { env: { HAVEN_NATS_URL: 'http://x' } }, 'nats.url', /nats:\/\//],
    ['a message key of the wrong length', { env: { HAVEN_MESSAGE_KEY: 'c2hvcnQ=' } }, 'storage.messageKey', /32 bytes/],
    ['several nodes without a shared message key', { env: { HAVEN_NATS_URL: 'nats://x:4222' } }, 'storage.messageKey', /required when nats.url is set/],
    ['an unknown key', { env: {}, overrides: { limits: { bogus: 1 } as never } }, 'limits', /unknown key\(s\) bogus/],
  ];
  for (const [what, options, key, message] of bad) {
    it(`refuses ${what}, naming ${key}`, () => {
      const cwd = dir();
      try {
        loadConfig({ cwd, ...options });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).key).toBe(key);
        expect((e as Error).message).toMatch(message);
      }
    });
  }

  it('refuses a config file that is not JSON, or missing', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'haven.config.json'), '{ port: 1 ');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ cwd, env: {}, file: 'nope.json' })).toThrow(/does not exist/);
  });
});
