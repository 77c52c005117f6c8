import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@haven/server';
import { haven, jsonLines } from './run';

// e2ee through the CLI as a user runs it: an attachment encrypted on the sender's device and saved
// decrypted by the recipient, and a franked report. Default (X-Wing) suite, as `haven serve` runs.

const PASSWORD = 'correct horse battery staple';
let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer({ media: { maxBytes: 64 * 1024 } });
  dir = await mkdtemp(join(tmpdir(), 'haven-e2ee-cli-'));
}, 180_000);
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function cliUser(handle: string) {
  const profile = join(dir, handle);
  const r = await haven(['register', '--server', server.url, '--profile', profile, '--handle', handle, '--birth-date', '1990-01-01', '--password-stdin'], { input: `${PASSWORD}\n` });
  expect(r.code).toBe(0);
  return { handle, profile };
}

describe('haven CLI, end-to-end encrypted', () => {
  it('send --attach, inbox --save decrypts it, report sends a verified franked report; limits and bad ids are refused', async () => {
    const a = await cliUser(`att${process.pid % 1000}a`);
    const b = await cliUser(`att${process.pid % 1000}b`);
    const file = join(dir, 'notes.txt');
    const content = 'attached words\n'.repeat(500);
    await writeFile(file, content);
    const sent = await haven(['send', '--profile', a.profile, '--to', b.handle, '--attach', file, '--json', 'see', 'attached']);
    expect(sent.stderr).toBe('');
    expect(JSON.parse(sent.stdout)).toMatchObject({ mode: 'e2ee' });

    const saveDir = join(dir, 'saved');
    const inbox = await haven(['inbox', '--profile', b.profile, '--json', '--save', saveDir]);
    expect(inbox.code).toBe(0);
    // Messages, apart from the notice that this device joined the conversation's encryption (issue 15).
    const [m, ...more] = (jsonLines(inbox.stdout) as Record<string, unknown>[]).filter((l) => !('notice' in l)) as { id: string; text: string; attachments: { name: string; size: number; savedTo: string; key?: string }[] }[];
    expect(more).toEqual([]);
    expect(m).toMatchObject({ text: 'see attached', attachments: [{ name: 'notes.txt', size: content.length, contentType: 'text/plain' }] });
    expect(m!.attachments[0]!.key).toBeUndefined(); // keys stay on the device
    expect(await readFile(m!.attachments[0]!.savedTo, 'utf8')).toBe(content);

    const rep = await haven(['report', m!.id, '--reason', 'spam', '--profile', b.profile, '--json']);
    expect(rep.code).toBe(0);
    expect(JSON.parse(rep.stdout)).toMatchObject({ verified: true });
    const unknown = await haven(['report', '00000000-0000-4000-8000-000000000000', '--reason', 'other', '--profile', b.profile]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('(message.not_found)');

    // Over the server's media limit (64 KiB here): refused before anything is sent.
    const big = join(dir, 'big.bin');
    await writeFile(big, Buffer.alloc(100 * 1024, 1));
    const tooBig = await haven(['send', '--profile', a.profile, '--to', b.handle, '--attach', big]);
    expect(tooBig.code).toBe(1);
    expect(tooBig.stderr).toContain('(media.too_large)');
    expect((await haven(['inbox', '--profile', b.profile, '--json'])).stdout).toBe('');
  }, 120_000);

  it('issue 13 item 20: a member who joined by invite can send once another member merely runs inbox', async () => {
    const owner = await cliUser(`inv${process.pid % 1000}o`);
    const friend = await cliUser(`inv${process.pid % 1000}f`);
    const newcomer = await cliUser(`inv${process.pid % 1000}n`);
    const g = await haven(['groups', 'create', 'Walkers', '--member', friend.handle, '--profile', owner.profile, '--json']);
    expect(g.code, g.stderr).toBe(0);
    const groupId = (JSON.parse(g.stdout) as { id: string }).id;
    const invite = await haven(['invite', groupId, '--profile', owner.profile]);
    expect(invite.code).toBe(0);
    expect((await haven(['join', invite.stdout.trim(), '--profile', newcomer.profile])).code).toBe(0);
    const early = await haven(['send', '--profile', newcomer.profile, '--group', groupId, 'too early']);
    expect([early.code, early.stderr]).toEqual([1, expect.stringContaining('(mls.not_member)')]);
    // The owner only reads (nothing waiting for them, nothing sent): that adds the newcomer's device.
    const inbox = await haven(['inbox', '--profile', owner.profile, '--json']);
    expect(inbox.code).toBe(0);
    // No message lines; only the notices of what this device changed in the encryption (issue 15).
    const lines = jsonLines(inbox.stdout) as { notice?: { kind: string; text: string } }[];
    expect(lines.filter((l) => !l.notice)).toEqual([]);
    expect(lines.map((l) => l.notice?.kind)).toContain('device_added');
    expect(lines.map((l) => l.notice?.text).join('\n')).toContain(`${newcomer.handle}'s device`);
    const sent = await haven(['send', '--profile', newcomer.profile, '--group', groupId, 'hello walkers']);
    expect(sent.code, sent.stderr).toBe(0);
    const got = jsonLines((await haven(['inbox', '--profile', friend.profile, '--json'])).stdout) as { text?: string; notice?: unknown }[];
    expect(got.filter((m) => !m.notice).map((m) => m.text)).toEqual(['hello walkers']);
  }, 300_000);
});
