import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@haven/server';
import { FileProfileStore, HavenClient, openProfileE2ee } from '@haven/client/node';
import { haven, jsonLines, startHaven } from './run';

// The CLI as a user runs it (`node packages/cli/bin/haven.js …`) against a real server in this process.

const PASSWORD = 'correct horse battery staple';
let server: TestServer;
let dir: string;
let n = 0;
const uniq = (base: string) => `${base}${process.pid % 1000}c${++n}`;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'haven-cli-'));
}, 180_000);
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * A signed-in profile, made through the SDK for speed (each CLI run costs a process start); the first
 * test registers through the CLI itself.
 */
async function user(base: string, birthDate = '1990-01-01') {
  const handle = uniq(base);
  const profile = join(dir, handle);
  const s = await new HavenClient({ serverUrl: server.url }).register({ handle: handle as never, password: PASSWORD, birthDate });
  await new FileProfileStore(profile).save({ v: 1, server: server.url, handle, accountId: s.account.id, deviceId: s.deviceId, token: s.token, expiresAt: s.expiresAt });
  // What `haven register` does too: this device's MLS key packages, so adults' conversations are e2ee.
  // The account's first device makes the account identity key (issue 15), as `haven register` does.
  const engine = await openProfileE2ee(profile, new HavenClient({ serverUrl: server.url, token: s.token }), { accountId: s.account.id, deviceId: s.deviceId });
  await engine.createAccountKey();
  await engine.ensureKeyPackages();
  return { handle, profile, session: s };
}

/** Registers through the CLI; returns the handle and its profile directory. */
async function cliUser(base: string, birthDate = '1990-01-01') {
  const handle = uniq(base);
  const profile = join(dir, handle);
  const r = await haven(['register', '--server', server.url, '--profile', profile, '--handle', handle, '--birth-date', birthDate, '--password-stdin', '--json'], {
    input: `${PASSWORD}\n`,
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { handle, profile, session: JSON.parse(r.stdout) as { deviceId: string; account: { handle: string } } };
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at \S/);

describe('haven CLI with a server', () => {
  it('register keeps the session in a private profile (dir 0700, file 0600) and never prints the token', async () => {
    const a = await cliUser('alice');
    expect(a.session.account.handle).toBe(a.handle);
    expect(JSON.stringify(a.session)).not.toContain('token');
    expect((await stat(a.profile)).mode & 0o777).toBe(0o700);
    const file = join(a.profile, 'profile.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ server: server.url, handle: a.handle, deviceId: a.session.deviceId });
    expect(typeof saved.token).toBe('string');
    expect(JSON.stringify(saved)).not.toContain(PASSWORD);
    const who = await haven(['whoami', '--profile', a.profile, '--json']);
    expect(JSON.parse(who.stdout)).toMatchObject({ handle: a.handle, ageBand: 'adult', deviceId: a.session.deviceId });
  });

  it('send --to, then inbox --json shows it once with its fields, and acknowledges it', async () => {
    const a = await user('amy');
    const b = await user('ben');
    const marker = `marker-${Date.now()}`;
    const sent = await haven(['send', '--profile', a.profile, '--to', b.handle, '--json', marker]);
    expect(sent.code).toBe(0);
    const m = JSON.parse(sent.stdout) as { id: string; conversation: string; seq: number };

    const inbox = await haven(['inbox', '--profile', b.profile, '--json']);
    expect(inbox.code).toBe(0);
    const all = jsonLines(inbox.stdout) as Record<string, unknown>[];
    // The reader's device also says, once, that it joined the conversation's encryption (issue 15).
    expect(all.filter((l) => 'notice' in l)).toEqual([{ notice: expect.objectContaining({ kind: 'joined', conversationId: m.conversation }) }]);
    const lines = all.filter((l) => !('notice' in l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ id: m.id, conversation: m.conversation, seq: m.seq, from: a.handle, text: marker, mode: 'e2ee', kind: 'direct' });
    expect(typeof lines[0]!.sentAt).toBe('string');

    const again = await haven(['inbox', '--profile', b.profile, '--json']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');

    // The readable listing.
    await haven(['send', '--profile', b.profile, '--to', a.handle, 'hi', 'there']);
    const readable = await haven(['inbox', '--profile', a.profile]);
    expect(readable.stdout).toMatch(new RegExp(`${b.handle}: hi there\\n$`));
    expect((await haven(['inbox', '--profile', a.profile])).stdout).toBe('No new messages.\n');
  });

  it('groups create/add/list and send --group reach every member', async () => {
    const a = await user('cora');
    const b = await user('dan');
    const c = await user('eve');
    const created = await haven(['groups', 'create', 'Book club', '--member', b.handle, '--profile', a.profile]);
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await haven(['groups', 'add', id, c.handle, '--profile', a.profile])).code).toBe(0);
    const list = JSON.parse((await haven(['groups', 'list', '--json', '--profile', c.profile])).stdout) as { id: string; members: { handle: string }[] }[];
    expect(list.map((g) => g.id)).toEqual([id]);
    expect(list[0]!.members.map((m) => m.handle).sort()).toEqual([a.handle, b.handle, c.handle].sort());

    expect((await haven(['send', '--group', id, 'hello group', '--profile', a.profile])).code).toBe(0);
    for (const u of [b, c]) {
      const lines = jsonLines((await haven(['inbox', '--json', '--profile', u.profile])).stdout) as Record<string, unknown>[];
      expect(lines.filter((l) => !('notice' in l))).toEqual([expect.objectContaining({ conversation: id, kind: 'group', title: 'Book club', text: 'hello group', from: a.handle })]);
      expect(lines.filter((l) => 'notice' in l).length).toBeGreaterThan(0); // joined the group's encryption
    }
    const removed = await haven(['groups', 'remove', id, c.handle, '--profile', a.profile]);
    expect(removed.code).toBe(0);
    const refused = await haven(['send', '--group', id, 'am I still in?', '--profile', c.profile]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('(conversation.not_found)');
  });

  it('conversations --json lists mode, reason and members; the listing shows the reason', async () => {
    const a = await user('fay');
    const b = await user('gus');
    await haven(['send', '--profile', a.profile, '--to', b.handle, 'hello']);
    const r = await haven(['conversations', '--json', '--profile', b.profile]);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    // Two adults under the default preset (nspcc): end-to-end encrypted, with that reason (issue 13 item 18).
    expect(list[0]).toMatchObject({
      kind: 'direct',
      title: null,
      mode: 'e2ee',
      modeReasonCode: 'mode.adults_only',
      modeReason: '🔒 end-to-end encrypted: every member is an adult',
    });
    expect((list[0]!.members as { handle: string }[]).map((m) => m.handle).sort()).toEqual([a.handle, b.handle].sort());
    const text = (await haven(['conversations', '--profile', b.profile])).stdout;
    expect(text).toContain('🔒 end-to-end encrypted: every member is an adult');
    expect(text).not.toMatch(/visible to safety checks: visible to safety checks/i);
  });

  it('contacts add, accept, list, block, unblock', async () => {
    const a = await user('hal');
    const b = await user('ida');
    expect((await haven(['contacts', 'add', b.handle, '--profile', a.profile])).code).toBe(0);
    const pending = JSON.parse((await haven(['contacts', 'list', '--json', '--profile', b.profile])).stdout) as { account: { handle: string }; state: string }[];
    expect(pending.map((c) => [c.account.handle, c.state])).toEqual([[a.handle, 'pending_incoming']]);
    expect((await haven(['contacts', 'accept', a.handle, '--profile', b.profile])).code).toBe(0);
    expect((await haven(['contacts', 'list', '--profile', a.profile])).stdout).toContain(`${b.handle}  contact`);
    expect((await haven(['contacts', 'block', b.handle, '--profile', a.profile])).code).toBe(0);
    expect((await haven(['contacts', 'list', '--profile', a.profile])).stdout).toContain('blocked');
    expect((await haven(['contacts', 'unblock', b.handle, '--profile', a.profile])).code).toBe(0);
    const unknown = await haven(['contacts', 'add', 'nosuchperson', '--profile', a.profile]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^haven: .+ \(account\.not_found\)\n$/);
  });

  it('inbox --follow streams new messages until interrupted', async () => {
    const a = await user('jon');
    const b = await user('kay');
    const follow = startHaven(['inbox', '--follow', '--json', '--profile', b.profile]);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect((await haven(['send', '--profile', a.profile, '--to', b.handle, 'streamed'])).code).toBe(0);
      const end = Date.now() + 10_000;
      while (!follow.out.stdout.includes('streamed') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      const lines = jsonLines(follow.out.stdout) as Record<string, unknown>[];
      expect(lines.filter((l) => !('notice' in l))).toEqual([expect.objectContaining({ text: 'streamed', from: a.handle })]);
    } finally {
      follow.child.kill('SIGINT');
    }
    expect(await follow.exited).toBe(0);
    // It acknowledged what it showed.
    expect((await haven(['inbox', '--json', '--profile', b.profile])).stdout).toBe('');
  });

  it('issue 13 item 21: inbox shows a notice made while the child was away first, with its help, once; blocking prints help', async () => {
    const kid = await user('kidn', '2011-05-05');
    const a = await user('adn');
    const b = await user('bdn');
    // A notice made while no device of the child's was reading (through the SDK: the CLI shows its own).
    await new HavenClient({ serverUrl: server.url, token: kid.session.token }).block(a.handle);
    const first = await haven(['inbox', '--profile', kid.profile]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('safety notice (contact.blocked)');
    expect(first.stderr).toContain('Childline');
    expect(first.stdout).not.toContain('No new messages');
    const json = await haven(['inbox', '--profile', kid.profile, '--json']);
    expect(json.stdout).toBe('');
    const again = await haven(['inbox', '--profile', kid.profile]);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('No new messages');
    // Blocking through the CLI prints the help at once, and it is not shown again by inbox.
    const blocked = await haven(['contacts', 'block', b.handle, '--profile', kid.profile]);
    expect(blocked.code).toBe(0);
    expect(blocked.stdout).toContain(`Blocked ${b.handle}.`);
    expect(blocked.stderr).toContain('Childline');
    expect((await haven(['inbox', '--profile', kid.profile])).stderr).toBe('');
  }, 300_000);

  it('bad cases: wrong password, unknown handle, invalid and expired tokens, logout; one line each, no stack', async () => {
    const a = await user('lou');
    const wrong = await haven(['login', '--server', server.url, '--handle', a.handle, '--password-stdin', '--profile', a.profile], { input: 'not my password\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('haven: The handle or the password is wrong. (auth.bad_credentials)\n');

    const unknown = await haven(['send', '--to', 'nosuchperson', 'hi', '--profile', a.profile]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('(account.not_found)');

    const file = join(a.profile, 'profile.json');
    const good = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...good, token: 'forged-token' }));
    const invalid = await haven(['inbox', '--profile', a.profile]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('(auth.invalid_token)');
    noStack(invalid.stderr);

    await writeFile(file, JSON.stringify({ ...good, expiresAt: '2001-01-01T00:00:00.000Z' }));
    const expired = await haven(['whoami', '--profile', a.profile]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain('(auth.expired_token)');

    await writeFile(file, JSON.stringify(good));
    const relogin = await haven(['login', '--handle', a.handle, '--password-stdin', '--profile', a.profile, '--json'], { input: `${PASSWORD}\n` });
    expect(relogin.code).toBe(0);
    expect(JSON.parse(relogin.stdout).deviceId).toBe(good.deviceId); // same device re-used, server remembered
    expect((await haven(['logout', '--profile', a.profile])).code).toBe(0);
    const after = await haven(['whoami', '--profile', a.profile]);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('(auth.required)');
    expect(JSON.parse(await readFile(file, 'utf8'))).not.toHaveProperty('token');
  });

  it('reports refusals from the server: too young, handle taken, empty text, server stopped', async () => {
    const kid = await haven(['register', '--server', server.url, '--profile', join(dir, 'kid'), '--handle', uniq('kid'), '--birth-date', '2020-01-01', '--password-stdin'], {
      input: `${PASSWORD}\n`,
    });
    expect(kid.code).toBe(1);
    expect(kid.stderr).toContain('(account.too_young)');
    const a = await user('max');
    const taken = await haven(['register', '--server', server.url, '--profile', join(dir, 'taken'), '--handle', a.handle, '--birth-date', '1990-01-01', '--password-stdin'], {
      input: `${PASSWORD}\n`,
    });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('(account.handle_taken)');
    const empty = await haven(['send', '--to', a.handle, '', '--profile', a.profile]);
    expect(empty.code).toBe(2);

    // The profile's server has gone away.
    const file = join(a.profile, 'profile.json');
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), server: 'http://127.0.0.1:1' }));
    for (const cmd of [['inbox'], ['send', '--to', a.handle, 'hi'], ['conversations']]) {
      const down = await haven([...cmd, '--profile', a.profile]);
      expect(down.code, cmd.join(' ')).toBe(1);
      expect(down.stderr).toMatch(/^haven: Cannot reach the Haven server at http:\/\/127\.0\.0\.1:1.*\(server\.unavailable\)\n$/);
    }
  });
});
