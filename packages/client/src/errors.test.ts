import { describe, expect, it } from 'vitest';
import { HavenError } from '@haven/protocol';
import { errorFromResponse, unreachable } from './errors';

describe('errors from the server', () => {
  it("keeps the server's code and sentence", () => {
    const e = errorFromResponse(401, { error: { code: 'auth.bad_credentials', message: 'The handle or the password is wrong.' } });
    expect(e).toBeInstanceOf(HavenError);
    expect(e.code).toBe('auth.bad_credentials');
    expect(e.message).toBe('The handle or the password is wrong.');
  });

  it('names a code this client does not know instead of dropping it', () => {
    const e = errorFromResponse(403, { error: { code: 'future.thing', message: 'Something new.' } });
    expect(e.code).toBe('request.invalid');
    expect(e.message).toBe('Something new. (future.thing)');
  });

  it('copes with an answer that has no error body', () => {
    expect(errorFromResponse(502, '<html>').code).toBe('server.internal');
    expect(errorFromResponse(404, undefined).code).toBe('request.not_found');
  });

  it('says the server is unreachable, with the system code when there is one', () => {
    const cause = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
    const e = unreachable('http://127.0.0.1:1', new TypeError('fetch failed', { cause }));
    expect(e.code).toBe('server.unavailable');
    expect(e.message).toContain('http://127.0.0.1:1');
    expect(e.message).toContain('ECONNREFUSED');
  });
});
