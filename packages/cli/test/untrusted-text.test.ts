import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@haven/server';
import { FileProfileStore, HavenClient } from '@haven/client/node';
import { encodePayload } from '@haven/protocol';
import { haven } from './run';

// Issue 13, item 16: a message cannot rewrite the reader's terminal. `haven inbox` prints message text
// through the CLI's one sanitizer: escape sequences arrive as visible text, never as control bytes.

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer({ mls: { enabled: false } });
  dir = await mkdtemp(join(tmpdir(), 'haven-untrusted-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the CLI prints untrusted text safely', () => {
  it('OSC, CSI, C1, bidi and newline tricks in a message are shown escaped by `haven inbox`', async () => {
    const a = await new HavenClient({ serverUrl: server.url }).register({ handle: 'esc.sender' as never, password: 'a long password', birthDate: '1990-01-01' });
    const b = await new HavenClient({ serverUrl: server.url }).register({ handle: 'esc.reader' as never, password: 'a long password', birthDate: '1990-01-01' });
    const profile = join(dir, 'reader');
    await new FileProfileStore(profile).save({ v: 1, server: server.url, handle: 'esc.reader', accountId: b.account.id, deviceId: b.deviceId, token: b.token, expiresAt: b.expiresAt });
    const sender = new HavenClient({ serverUrl: server.url, token: a.token });
    const conversation = await sender.createConversation({ kind: 'direct', with: 'esc.reader' as never });
    const hostile = 'hi\u001b]0;pwned\u0007\u001b[2J\u001b[H\u009b31m\u202etxt.exe\nesc.sender: fake line';
    await sender.sendMessage(conversation.id, { clientMessageId: 'hostile-text-1', body: Buffer.from(encodePayload({ v: 1, text: hostile })).toString('base64') });

    const r = await haven(['inbox', '--profile', profile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // No control byte, C1 control or bidi override reaches the terminal; the text is there, escaped.
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(r.stdout).toContain('hi\\x1b]0;pwned\\x07\\x1b[2J\\x1b[H\\x9b31m\\u{202e}txt.exe\\nesc.sender: fake line');
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  }, 120_000);
});
