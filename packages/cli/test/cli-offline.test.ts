import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haven } from './run';

// What the CLI does before (or without) a server: help, usage errors, refusing passwords in argv, and
// a clear message when the server is down.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'haven-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const COMMANDS = [
  ['register'],
  ['login'],
  ['logout'],
  ['whoami'],
  ['contacts'],
  ['contacts', 'add'],
  ['contacts', 'accept'],
  ['contacts', 'decline'],
  ['contacts', 'block'],
  ['contacts', 'unblock'],
  ['contacts', 'list'],
  ['send'],
  ['inbox'],
  ['conversations'],
  ['groups'],
  ['groups', 'create'],
  ['groups', 'add'],
  ['groups', 'remove'],
  ['groups', 'list'],
  ['mod', 'queue'],
  ['referrals', 'export'],
  ['audit', 'verify'],
];

describe('haven CLI without a server', () => {
  it('every command answers --help with exit 0', async () => {
    // Two at a time: CI has two cores, and each run starts a Node process.
    for (let i = 0; i < COMMANDS.length; i += 2) {
      const batch = COMMANDS.slice(i, i + 2);
      const runs = await Promise.all(batch.map((cmd) => haven([...cmd, '--help'], { timeoutMs: 60_000 })));
      runs.forEach((r, j) => {
        const cmd = batch[j]!.join(' ');
        expect(r.code, cmd).toBe(0);
        expect(r.stdout).toContain(`Usage: haven ${cmd}`);
      });
    }
  }, 180_000);

  it('script-facing commands offer --json', async () => {
    const cmds = [['whoami'], ['contacts', 'list'], ['send'], ['inbox'], ['conversations'], ['groups', 'list'], ['groups', 'create']];
    for (const cmd of cmds) expect((await haven([...cmd, '--help'], { timeoutMs: 60_000 })).stdout, cmd.join(' ')).toContain('--json');
  }, 120_000);

  it('refuses a password on the command line (exit 2) and never contacts a server', async () => {
    for (const flag of ['--password=hunter2hunter2', '--password', '--passwd=x']) {
      const r = await haven(['login', '--server', 'http://127.0.0.1:1', '--handle', 'alice', flag, 'hunter2hunter2']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('passwords are never taken from the command line');
      expect(r.stderr).not.toContain('Cannot reach');
    }
  });

  it('asks for --password-stdin when there is no terminal to prompt on', async () => {
    const r = await haven(['login', '--server', 'http://127.0.0.1:1', '--handle', 'alice', '--profile', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--password-stdin');
  });

  it('usage mistakes exit 2 with a sentence: bad handle, bad date, bad server, no target, empty text', async () => {
    const cases: [string[], RegExp][] = [
      [['register', '--server', 'http://127.0.0.1:1', '--handle', 'A!', '--birth-date', '1990-01-01', '--password-stdin'], /is not a handle/],
      [['register', '--server', 'http://127.0.0.1:1', '--handle', 'alice', '--birth-date', '1990-02-30', '--password-stdin'], /not a real calendar date/],
      [['register', '--server', 'ftp://x', '--handle', 'alice', '--birth-date', '1990-01-01', '--password-stdin'], /http:\/\/ or https:\/\//],
      [['send', 'hello'], /either --to HANDLE or --group ID/],
      [['send', '--to', 'bob', '   '], /the message is empty/],
      [['send', '--group', 'not-an-id', 'hi'], /not-an-id/],
      [['inbox', '--timeout', 'soon'], /--timeout/],
      [['frobnicate'], /unknown command/],
    ];
    for (const [args, msg] of cases) {
      const r = await haven([...args, '--profile', dir], { input: 'a long enough password\n' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
  });

  it('says how to sign in when the profile has no session (exit 1)', async () => {
    for (const cmd of [['whoami'], ['inbox'], ['conversations'], ['contacts', 'list'], ['send', '--to', 'bob', 'hi']]) {
      const r = await haven([...cmd, '--profile', join(dir, 'empty')]);
      expect(r.code, cmd.join(' ')).toBe(1);
      expect(r.stderr).toContain('haven login');
      expect(r.stderr).toContain('(auth.required)');
    }
  });

  it('reports a server that is down in one line, without a stack trace (exit 1)', async () => {
    const r = await haven(['register', '--server', 'http://127.0.0.1:1', '--handle', 'alice', '--birth-date', '1990-01-01', '--password-stdin', '--profile', dir], {
      input: 'a long enough password\n',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^haven: Cannot reach the Haven server at http:\/\/127\.0\.0\.1:1.*\(server\.unavailable\)\n$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
