import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, startTestServer, type TestServer } from '@haven/server';
import { FileProfileStore, HavenClient } from '@haven/client/node';
import { haven } from './run';

// Issue 6, point 7: `haven conversations` shows each mode and its reason; refusals print their sentence
// (with help) and exit non-zero; `haven help`; `haven admin …` over HTTP. CLI runs go in pairs (2-core CI).

const PASSWORD = 'correct horse battery staple';
let server: TestServer;
let dir: string;
let n = 0;
const uniq = (base: string) => `${base}${process.pid % 1000}p${++n}`;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'haven-policy-cli-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function user(base: string, birthDate = '1990-01-01', role?: 'admin') {
  const handle = uniq(base);
  const profile = join(dir, handle);
  if (role) await createAccount(server.services.db, new Date(), { handle: handle as never, password: PASSWORD, birthDate, role });
  const client = new HavenClient({ serverUrl: server.url });
  const s = role ? await client.login({ handle, password: PASSWORD }) : await client.register({ handle: handle as never, password: PASSWORD, birthDate });
  await new FileProfileStore(profile).save({ v: 1, server: server.url, handle, accountId: s.account.id, deviceId: s.deviceId, token: s.token, expiresAt: s.expiresAt });
  return { handle, profile, client };
}

describe('haven CLI and the safety policy', () => {
  it('conversations: 🔒 for adults, "visible to safety checks: a member is under 18" with a child, in text and --json; a refused contact prints its sentence and help, exit 1', async () => {
    const [a, b, c] = [await user('ada'), await user('bea'), await user('kid', '2011-05-05')];
    await a.client.createDirect(b.handle);
    await c.client.requestContact(a.handle);
    await a.client.acceptContact(c.handle);
    await a.client.createDirect(c.handle);
    const [text, json] = await Promise.all([haven(['conversations', '--profile', a.profile]), haven(['conversations', '--profile', a.profile, '--json'])]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('🔒 end-to-end encrypted');
    expect(text.stdout).toContain('visible to safety checks: a member is under 18');
    const list = JSON.parse(json.stdout) as { mode: string; modeReason: string; modeReasonCode: string }[];
    expect(list.map((x) => x.mode).sort()).toEqual(['e2ee', 'visible']);
    expect(list.find((x) => x.mode === 'visible')).toMatchObject({ modeReasonCode: 'mode.member_under_18', modeReason: 'visible to safety checks: a member is under 18' });

    const d = await user('kiddo', '2011-05-05');
    const [refused, help, hidden] = await Promise.all([
      haven(['send', '--to', b.handle, 'hello', '--profile', d.profile]),
      haven(['help', '--profile', d.profile]),
      haven(['contacts', 'add', d.handle, '--profile', b.profile]),
    ]);
    // The child is told why, with help.
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/You can message an adult once they accept your contact request.*\(policy\.not_contact\)/);
    expect(refused.stderr).toContain('0800 1111');
    // To an adult, a child they are not connected to is a handle that does not exist (issue 13, 2).
    expect(hidden.code).toBe(1);
    expect(hidden.stderr).toMatch(/account\.not_found/);
    expect(hidden.stderr).not.toMatch(/18|0808 800 5000/);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('0800 1111');
    expect(help.stdout).toContain('nspcc');
  });

  it('issue 13 (19): after an admin corrects an age, `haven conversations` shows the conversation as closed with the reason, not "every member is an adult"', async () => {
    const [x, y, root] = [await user('xena'), await user('yann'), await user('root', '1980-01-01', 'admin')];
    const conv = await x.client.createDirect(y.handle);
    expect(conv.modeReason).toBe('🔒 end-to-end encrypted: every member is an adult');
    await root.client.adminSetAge(x.handle, { ageAssurance: 'verified', birthDate: '2011-01-01', reason: 'ID check' });
    const [text, json] = await Promise.all([haven(['conversations', '--profile', y.profile]), haven(['conversations', '--profile', y.profile, '--json'])]);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith(conv.id));
    expect(lines[at + 1]).toBe('    closed: This conversation is end-to-end encrypted, but it must now be visible to safety checks: a member is under 18. Start a new conversation instead.');
    expect(text.stdout).not.toContain('every member is an adult');
    const listed = (JSON.parse(json.stdout) as { id: string; closed: boolean; closedReason: string | null }[]).find((c) => c.id === conv.id);
    expect(listed).toMatchObject({ closed: true, closedReason: expect.stringMatching(/^This conversation is end-to-end encrypted, but it must now be visible to safety checks/) });
  });

  it('invite links: `haven invite` makes one; a child who does not know the adults cannot `haven join` (exit 1), an adult can', async () => {
    const [a, b, e, kid] = [await user('inva'), await user('invb'), await user('inve'), await user('invk', '2011-05-05')];
    const g = await a.client.createGroup('book club', [b.handle]);
    const made = await haven(['invite', g.id, '--profile', a.profile]);
    expect(made.code).toBe(0);
    const token = made.stdout.trim();
    // Tokens never start with '-' (read as an option on a command line: this test failed 1 time in 64).
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    const link = `${server.url}/#/join/${token}`;
    const [refused, joined] = await Promise.all([haven(['join', token, '--profile', kid.profile]), haven(['join', link, '--profile', e.profile])]);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/policy\.adult_to_child/);
    expect(joined.code, joined.stderr).toBe(0);
    expect(joined.stdout).toContain('book club');
    expect(joined.stdout).toContain('🔒 end-to-end encrypted');
  });

  it('a wrong safety setting stops `haven serve` with exit 2 and names the key', async () => {
    const cwd = await mkdtemp(join(dir, 'cfg-'));
    await writeFile(join(cwd, 'bad.json'), JSON.stringify({ safety: { policy: 'anything-goes' } }));
    const r = await haven(['serve', '--port', '0', '--data-dir', join(cwd, 'data'), '--config', join(cwd, 'bad.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/safety\.policy/);
    expect(r.stderr).toMatch(/nspcc/);
  });

  it('admin: actions need a reason (exit 2), are refused to users (exit 1), and show in `admin audit`', async () => {
    await writeFile(join(dir, 'list.txt'), `${'ab'.repeat(32)}\n`);
    expect((await server.services.hashLists.store.import(join(dir, 'list.txt'), { name: 'clilist', source: 'test' })).ok).toBe(true);
    const root = await user('root', '1980-01-01', 'admin');
    const plain = await user('plain');
    const [noReason, notAdmin] = await Promise.all([
      haven(['admin', 'disable-hashlist', 'clilist', '--reason', '', '--profile', root.profile]),
      haven(['admin', 'disable-hashlist', 'clilist', '--reason', 'trying', '--profile', plain.profile]),
    ]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason/);
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toMatch(/auth\.forbidden/);
    const [disabled, lists] = await Promise.all([
      haven(['admin', 'disable-hashlist', 'clilist', '--reason', 'too many false matches', '--profile', root.profile]),
      haven(['admin', 'hashlists', '--json', '--profile', root.profile]),
    ]);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain('clilist is now disabled');
    expect(JSON.parse(lists.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'clilist' })]));
    const audit = await haven(['admin', 'audit', '--profile', root.profile]);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/hashlist\.disable.*too many false matches/);
    expect(audit.stdout).toMatch(/intact/);
  });
});
