import { describe, expect, it } from 'vitest';
import { ServerUrls, backoffMs, serverUrlsOf } from './server-urls';

describe('server addresses', () => {
  it('serverUrl and serverUrls are merged, normalised and deduplicated; none is a request.invalid', () => {
    expect(serverUrlsOf({ serverUrl: 'http://a:1/' })).toEqual(['http://a:1']);
    expect(serverUrlsOf({ serverUrls: ['http://a:1', 'https://b/x/'], serverUrl: 'http://a:1/' })).toEqual(['http://a:1', 'https://b/x']);
    for (const bad of [{}, { serverUrls: [] }, { serverUrls: [42 as never] }]) {
      expect(() => serverUrlsOf(bad)).toThrow(expect.objectContaining({ code: 'request.invalid' }));
    }
    expect(() => serverUrlsOf({ serverUrls: ['ws://a'] })).toThrow(/http:\/\/ or https:\/\//);
  });

  it('a failed address moves to the next, round robin; a stale failure report does not move again', () => {
    const urls = new ServerUrls(['a', 'b', 'c'], 1);
    expect(urls.current).toBe('b');
    urls.failed('b');
    expect(urls.current).toBe('c');
    urls.failed('b'); // a second request that failed on b, reported late
    expect(urls.current).toBe('c');
    urls.failed('c');
    expect(urls.current).toBe('a');
  });

  it('backoff has full jitter under an exponential ceiling', () => {
    expect(backoffMs(0, 100, 1000, () => 1)).toBe(100);
    expect(backoffMs(3, 100, 1000, () => 1)).toBe(800);
    expect(backoffMs(10, 100, 1000, () => 1)).toBe(1000);
    expect(backoffMs(10, 100, 1000, () => 0)).toBe(0);
  });
});
