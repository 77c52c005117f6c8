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

  it('a clock that steps back neither drains the bucket nor stops its refill', () => {
    const rl = new RateLimiter(2, 60);
    const t = 1_000_000_000;
    expect(rl.take('a', t)).toBe(true);
    // Six months back: the one token left is still there (it was refused before the fix: months of debt).
    expect(rl.take('a', t - 180 * 24 * 3600_000)).toBe(true);
    expect(rl.take('a', t - 180 * 24 * 3600_000)).toBe(false);
    // And it refills from the new time on, not only once the clock is past the old one.
    expect(rl.take('a', t - 180 * 24 * 3600_000 + 1000)).toBe(true);
  });

  it('keeps memory bounded', () => {
    const rl = new RateLimiter(1, 1, 10);
    for (let i = 0; i < 100; i++) rl.take(`k${i}`, 0);
    expect(rl.take('k99', 0)).toBe(false);
  });
});
