import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/services/accounts';
import type { TestServer } from '../src/testing.node.ts';
import { Handle } from '@haven/protocol';
import { SERVER_TARGETS, inject, newUser, type Res } from './hardening-targets';
import { FrameClient } from './ws-client';

// Issue 13, item 11: input the schemas accepted but storage could not hold reached a 500. Each attack
// below must be refused as bad input (400 request.invalid, 415 for the upload), on both databases.

const TOO_BIG_SEQ = 2 ** 31; // one past PostgreSQL's integer

function expectInvalid(r: Res, what: string) {
  expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(400);
  expect(r.body.error.code, what).toBe('request.invalid');
}

for (const target of SERVER_TARGETS) {
  describe.skipIf(target.skip)(`schemas match storage on ${target.name}${target.skip ? ` (skipped: ${target.reason})` : ''}`, () => {
    let server: TestServer;
    let a: Awaited<ReturnType<typeof newUser>>;
    let b: Awaited<ReturnType<typeof newUser>>;
    let conversationId: string;
    let adminToken: string;
    beforeAll(async () => {
      server = await target.start({ mls: { enabled: false } });
      a = await newUser(server);
      b = await newUser(server);
      const c = await inject(server, 'POST', '/v1/conversations', { kind: 'direct', with: b.handle }, a.token);
      conversationId = c.body.id;
      await createAccount(server.services.db, new Date(), { handle: Handle.parse(`root${target.name}`), password: 'a long password', birthDate: '1970-01-01', role: 'admin' });
      adminToken = (await inject(server, 'POST', '/v1/sessions', { handle: `root${target.name}`, password: 'a long password' })).body.token;
    }, 180_000);
    afterAll(() => server?.close());

    it('sequence numbers past 2^31 - 1: HTTP after and ack are refused; the largest integer still works', async () => {
      expectInvalid(await inject(server, 'GET', `/v1/conversations/${conversationId}/messages?after=${TOO_BIG_SEQ}`, undefined, a.token), 'after');
      expectInvalid(await inject(server, 'GET', `/v1/conversations/${conversationId}/messages?after=1e300`, undefined, a.token), 'after 1e300');
      expectInvalid(await inject(server, 'POST', `/v1/conversations/${conversationId}/ack`, { seq: TOO_BIG_SEQ }, a.token), 'ack');
      expect((await inject(server, 'GET', `/v1/conversations/${conversationId}/messages?after=${TOO_BIG_SEQ - 1}`, undefined, a.token)).status).toBe(200);
    });

    it('sequence numbers past 2^31 - 1 over the WebSocket: request.invalid, and the connection stays usable', async () => {
      const ws = await FrameClient.connect(server.url, a.token);
      try {
        ws.send({ type: 'ack', conversationId, seq: TOO_BIG_SEQ });
        ws.send({ type: 'ping', ref: 'after-ack' });
        const err = await ws.next((f) => f.type === 'error');
        expect(err).toMatchObject({ type: 'error', error: { code: 'request.invalid' } });
        await ws.next((f) => f.type === 'pong');
        expect(ws.frames.some((f) => f.type === 'error' && f.error.code === 'server.internal')).toBe(false);
      } finally {
        ws.close();
      }
    });

    it('NUL and other control characters in every stored text field are refused', async () => {
      const nul = 'ab\u0000cd';
      const esc = 'ab\u001b[2Jcd';
      for (const bad of [nul, esc]) {
        expectInvalid(await inject(server, 'GET', `/v1/accounts/search?q=${encodeURIComponent(bad)}`, undefined, a.token), 'search q');
        expectInvalid(await inject(server, 'POST', '/v1/accounts', { handle: `nul${bad === nul ? 'a' : 'b'}${target.name}`, password: 'a long password', birthDate: '1990-01-01', displayName: bad }), 'display name');
        expectInvalid(await inject(server, 'POST', '/v1/accounts', { handle: `nul${bad === nul ? 'c' : 'd'}${target.name}`, password: 'a long password', birthDate: '1990-01-01', region: bad }), 'region');
        expectInvalid(await inject(server, 'POST', '/v1/sessions', { handle: a.handle, password: 'a long password', deviceName: bad }), 'device name');
        expectInvalid(await inject(server, 'POST', '/v1/conversations', { kind: 'group', title: bad, members: [b.handle] }, a.token), 'group title');
        expectInvalid(
          await inject(server, 'POST', `/v1/conversations/${conversationId}/messages`, { clientMessageId: 'nul-content-1', body: 'aGk=', contentType: `text/plain${bad}` }, a.token),
          'content type',
        );
        expectInvalid(await inject(server, 'GET', `/v1/help?region=${encodeURIComponent(bad)}`, undefined, a.token), 'help region');
        expectInvalid(await inject(server, 'POST', `/v1/admin/accounts/${a.handle}/age`, { ageAssurance: 'verified', reason: `checked ${bad}` }, adminToken), 'admin reason');
      }
      // Nothing half-stored: the account list and the conversation are as before.
      const me = await inject(server, 'GET', '/v1/me', undefined, a.token);
      expect(me.body.displayName).toBeNull();
      // A reason may span lines (people write them so); only control characters beyond newline and tab are refused.
      const ok = await inject(server, 'POST', `/v1/admin/accounts/${a.handle}/age`, { ageAssurance: 'self-declared', reason: 'line one\nline two' }, adminToken);
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    });

    it("a display name may not be another account's handle, a look-alike of it, or Haven's (item 16)", async () => {
      const register = (handle: string, displayName: string) =>
        inject(server, 'POST', '/v1/accounts', { handle, password: 'a long password', birthDate: '1990-01-01', displayName });
      // b's handle is hardNNNxM: as it is, with "@", in capitals, and with 4 for a.
      for (const [i, name] of [b.handle, `@${b.handle}`, b.handle.toUpperCase(), b.handle.replace('a', '4')].entries()) {
        const r = await register(`imp${i}${target.name}`, name);
        expect(r.status, `${name}: ${JSON.stringify(r.body)}`).toBe(422);
        expect(r.body.error.code).toBe('account.display_name_taken');
      }
      expectInvalid(await register(`impx${target.name}`, 'Haven Safety Team ✔'), 'Haven Safety Team ✔');
      expectInvalid(await register(`impy${target.name}`, 'Bob\u202e'), 'bidi override');
      // One's own handle, or an ordinary name, is fine.
      expect((await register(`own${target.name}`, `own${target.name}`)).status).toBe(201);
      expect((await register(`plain${target.name}`, 'Zoë Smith')).status).toBe(201);
    });

    it('the upload route takes only its own content types: a JSON body is refused and nothing is stored', async () => {
      for (const body of ['"just a string"', '{"a":1}']) {
        const r = await inject(server, 'POST', `/v1/media?conversationId=${conversationId}`, body, a.token, { 'content-type': 'application/json' });
        expect(r.status, JSON.stringify(r.body)).toBe(415);
        expect(r.body.error.code).toBe('request.unsupported_media_type');
      }
      const rows = await server.services.db.selectFrom('media').select('id').where('conversation_id', '=', conversationId).execute();
      expect(rows).toEqual([]);
    });
  });
}
