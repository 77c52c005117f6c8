import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@haven/server';
import { haven, jsonLines, startHaven } from './run';

// Issue 15 and issue 13 item 8 through the CLI as a user runs it: a password login is pending until it is
// linked with the code another device shows; `conversations devices` lists every device with who added
// it; `verify` shows the same safety code on both sides; `devices remove` and `logout` remove a device,
// and every member sees it in `inbox`.

const PASSWORD = 'correct horse battery staple';
const FAST_SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';
let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer({ mls: { allowedSuites: [FAST_SUITE] } });
  dir = await mkdtemp(join(tmpdir(), 'haven-devices-cli-'));
}, 120_000);
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const p = (name: string) => join(dir, name);

async function ok(args: string[], input?: string) {
  const r = await haven(args, { ...(input ? { input } : {}), timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`haven ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r;
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('haven devices', () => {
  it('link, list, conversations devices, verify, remove and logout', async () => {
    const a = `dv${process.pid % 1000}a`;
    const b = `dv${process.pid % 1000}b`;
    await ok(['register', '--server', server.url, '--profile', p('a1'), '--handle', a, '--birth-date', '1990-01-01', '--password-stdin'], `${PASSWORD}\n`);
    await ok(['register', '--server', server.url, '--profile', p('b'), '--handle', b, '--birth-date', '1990-01-01', '--password-stdin'], `${PASSWORD}\n`);

    // A second device of a, by password only: pending.
    const login = await ok(['login', '--server', server.url, '--profile', p('a2'), '--handle', a, '--device-name', 'laptop', '--password-stdin'], `${PASSWORD}\n`);
    expect(login.stdout).toContain('not linked yet');
    const pending = await ok(['devices', 'list', '--profile', p('a1'), '--json']);
    expect((JSON.parse(pending.stdout) as { name: string | null; linked: boolean; current: boolean }[]).map((d) => [d.name, d.linked, d.current])).toEqual([
      [null, true, true],
      ['laptop', false, false],
    ]);
    const refused = await haven(['send', '--profile', p('a2'), '--to', b, 'hi from the laptop']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('device.not_linked');

    // Link it: the code is shown on a1 and entered on a2.
    const linker = startHaven(['devices', 'link', '--profile', p('a1')]);
    await until(() => /Link code: (\S+)/.test(linker.out.stdout), 60_000, 'the link code');
    const code = /Link code: (\S+)/.exec(linker.out.stdout)![1]!;
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await ok(['devices', 'accept', code, '--profile', p('a2')]);
    expect(await linker.exited).toBe(0);
    expect(linker.out.stdout).toContain('Linked device');

    // b writes to a: both of a's devices read it; each lists every device with who added it.
    const sent = await ok(['send', '--profile', p('b'), '--to', a, '--json', 'hello a']);
    const convo = (JSON.parse(sent.stdout) as { conversation: string }).conversation;
    for (const prof of ['a1', 'a2']) {
      const inbox = await ok(['inbox', '--profile', p(prof), '--json']);
      const lines = jsonLines(inbox.stdout) as { text?: string; notice?: { kind: string; text: string } }[];
      expect(lines.filter((l) => l.text).map((l) => l.text)).toEqual(['hello a']);
      expect(lines.some((l) => l.notice?.kind === 'joined')).toBe(true);
    }
    const devices = await ok(['conversations', 'devices', convo, '--profile', p('b'), '--json']);
    const listed = JSON.parse(devices.stdout) as { devices: { handle: string; deviceName: string; addedBy: string; trusted: boolean }[] };
    expect(listed.devices.map((d) => [d.handle, d.deviceName]).sort()).toEqual([[a, '(unnamed)'], [a, 'laptop'], ['you', '(unnamed)']].sort());
    expect(listed.devices.every((d) => d.trusted && d.addedBy)).toBe(true);
    const table = await ok(['conversations', 'devices', convo, '--profile', p('b')]);
    expect(table.stdout).toContain(`${a}'s device “laptop” was added to this conversation’s encryption by this device.`);

    // Safety codes: the same on both sides.
    const fromB = (await ok(['verify', a, '--profile', p('b'), '--json'])).stdout;
    const fromA = (await ok(['verify', b, '--profile', p('a2'), '--json'])).stdout;
    expect((JSON.parse(fromB) as { code: string }).code).toBe((JSON.parse(fromA) as { code: string }).code);
    const confirmed = await ok(['verify', a, '--confirm', '--profile', p('b')]);
    expect(confirmed.stdout).toContain('is verified on this device');

    // a2 logs out: its local state goes, and b's next action removes it, with a notice for everyone.
    const a2Id = (JSON.parse((await ok(['devices', 'list', '--profile', p('a1'), '--json'])).stdout) as { id: string; name: string | null }[]).find((d) => d.name === 'laptop')!.id;
    await ok(['logout', '--profile', p('a2')]);
    expect((await readdir(p('a2'))).filter((f) => f.startsWith('e2ee-'))).toEqual([]);
    await ok(['send', '--profile', p('b'), '--to', a, 'after the logout']);
    const after = await ok(['inbox', '--profile', p('a1')]);
    expect(after.stdout).toContain('after the logout');
    expect(after.stdout).toContain('“laptop” was removed from this conversation’s encryption by');
    const bInbox = await ok(['inbox', '--profile', p('b')]);
    expect(bInbox.stdout).toContain(`${a}'s device “laptop” was removed`);
    expect((JSON.parse((await ok(['devices', 'list', '--profile', p('a1'), '--json'])).stdout) as { id: string }[]).map((d) => d.id)).not.toContain(a2Id);
    const gone = await haven(['devices', 'remove', a2Id, '--profile', p('a1')]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('device.not_found');
  }, 600_000);
});
