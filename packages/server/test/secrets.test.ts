import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load';
import { natsFanout } from '../src/fanout/nats';
import { startTestServer } from '../src/testing.node.ts';
import { call, registerUser } from './http-client';

// Issue 13, item 17: secrets never reach stderr or the log. A bad secret value is not echoed, URLs lose
// their password, and invite tokens (bearer secrets) are not in request paths.

const SECRET = 'hunter2-Sup3rSecret';
const dir = () => mkdtempSync(join(tmpdir(), 'haven-secrets-'));

function configMessage(options: Parameters<typeof loadConfig>[0]): string {
  try {
    loadConfig({ cwd: dir(), ...options });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('the config was accepted');
}

describe('config errors never print a secret (item 17)', () => {
  it('a malformed message key names the key, not the value', () => {
    const m = configMessage({ env: { HAVEN_MESSAGE_KEY: SECRET } });
    expect(m).toMatch(/storage\.messageKey/);
    expect(m).not.toContain(SECRET);
  });

  it('a malformed franking secret names the key, not the value', () => {
    const m = configMessage({ env: {}, overrides: { franking: { secrets: { k1: SECRET } } } });
    expect(m).toMatch(/franking\.secrets/);
    expect(m).not.toContain(SECRET);
  });

  it('a database or NATS URL keeps its host but loses its password', () => {
    const db = configMessage({ env: { HAVEN_DATABASE_URL: `mysql://haven:${SECRET}@db.example:3306/x` } });
    expect(db).toMatch(/database\.url/);
    expect(db).toContain('db.example');
    expect(db).not.toContain(SECRET);
    const nats = configMessage({ env: { HAVEN_NATS_URL: `http://haven:${SECRET}@nats.example:4222` } });
    expect(nats).not.toContain(SECRET);
  });

  it('a config file that is not JSON is not quoted back', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'haven.config.json'), `{ "storage": { "messageKey": ${SECRET} } }`);
    const m = configMessage({ cwd, env: {} });
    expect(m).toMatch(/not valid JSON/);
    // Not even a piece of it (JSON.parse quotes the text around the mistake).
    expect(m).not.toMatch(/hunter2|Sup3r|messageKey/);
  });
});

describe('NATS credentials are not printed or logged (item 17)', () => {
  it('a failed connection names the host without the password', async () => {
    let log = '';
    const logger = pino({ level: 'trace' }, new Writable({ write: (c: Buffer, _e, done) => ((log += c.toString()), done()) }));
    const err = await natsFanout(`nats://haven:${SECRET}@127.0.0.1:1`, logger).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain('127.0.0.1');
    expect(err!.message).not.toContain(SECRET);
    expect(log).not.toContain(SECRET);
  });
});

describe('invite tokens stay out of request paths and logs (item 17)', () => {
  it('joining by invite sends the token in the body; the trace log never holds it', async () => {
    let log = '';
    const sink = new Writable({ write: (c: Buffer, _e, done) => ((log += c.toString()), done()) });
    const server = await startTestServer({ log: { level: 'trace' } }, { logDestination: sink });
    try {
      const a = await registerUser(server.url);
      const b = await registerUser(server.url);
      const group = await call(server.url, 'POST', '/v1/conversations', { kind: 'group', title: 'secret club', members: [] }, a.token);
      expect(group.status).toBe(201);
      const invite = await call(server.url, 'POST', `/v1/conversations/${group.body.id}/invites`, undefined, a.token);
      expect(invite.status).toBe(201);
      const token = invite.body.token as string;
      // The old route with the token in the path no longer exists.
      expect((await call(server.url, 'POST', `/v1/invites/${token}/join`, undefined, b.token)).status).toBe(404);
      const joined = await call(server.url, 'POST', '/v1/invites/join', { token }, b.token);
      expect(joined.status, JSON.stringify(joined.body)).toBe(200);
      expect(log).toContain('/v1/invites/join');
      // The 404 above logged its URL: only requests to a route that does not exist may carry it, and none is made by clients.
      const lines = log.split('\n').filter((l) => l.includes(token));
      expect(lines.every((l) => l.includes('"statusCode":404') || l.includes(`/v1/invites/${token}/join`))).toBe(true);
      const sdkLines = log.split('\n').filter((l) => l.includes('/v1/invites/join') && l.includes(token));
      expect(sdkLines).toEqual([]);
    } finally {
      await server.close();
    }
  }, 120_000);
});
