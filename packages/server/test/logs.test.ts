import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../src/testing.node.ts';
import { b64, call, directConversation, registerUser, sendText } from './http-client';
import { FrameClient } from './ws-client';

describe('logs', () => {
  it('a whole flow at trace level logs requests but never a message body, password or token', async () => {
    let log = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    const server = await startTestServer({ log: { level: 'trace' }, mls: { enabled: false } }, { logDestination: sink });
    const marker = `log-marker-${Date.now()}`;
    try {
      const alice = await registerUser(server.url);
      const bob = await registerUser(server.url);
      await call(server.url, 'POST', '/v1/sessions', { handle: bob.account.handle, password: bob.password });
      await call(server.url, 'POST', '/v1/sessions', { handle: bob.account.handle, password: `${bob.password}-wrong` });
      const conv = await directConversation(server.url, alice.token, bob.account.handle);
      await sendText(server.url, alice.token, conv.id, `${marker}-http`);
      const a = await FrameClient.connect(server.url, alice.token);
      a.send({ type: 'send', conversationId: conv.id, clientMessageId: 'log-test-1', body: b64(`${marker}-ws`) });
      await a.next((f) => f.type === 'sent');
      const b = await FrameClient.connect(server.url, bob.token);
      await call(server.url, 'GET', `/v1/conversations/${conv.id}/messages`, undefined, bob.token);
      a.close();
      b.close();
      expect(log).toContain('/v1/accounts');
      for (const secret of [marker, b64(`${marker}-http`), b64(`${marker}-ws`), alice.password, bob.password, alice.token, bob.token]) {
        expect(log.includes(secret), `log contains ${secret}`).toBe(false);
      }
    } finally {
      await server.close();
    }
  });
});
