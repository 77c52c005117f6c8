import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  it('allows a burst, then refills over time, per key', () => {
    const rl = new RateLimiter(3, 60);
    expect([rl.take('a', 0), rl.take('a', 0), rl.take('a', 0), rl.take('a', 0)]).toEqual([true, true, true, false]);
    expect(rl.take('b', 0)).toBe(true);
    expect(rl.take('a', 500)).toBe(false);
    expect(rl.take('a', 1000)).toBe(true);
  });

  it('keeps memory bounded', () => {
    const rl = new RateLimiter(1, 1, 10);
    for (let i = 0; i < 100; i++) rl.take(`k${i}`, 0);
    expect(rl.take('k99', 0)).toBe(false);
  });
});
