import { describe, expect, it, vi } from 'vitest';
import { NudityGuard, type NudityClassifier } from './nudity';

// Nudity warnings on children's devices (issue 11, point 5), with a stand-in classifier: the guard's
// rules, not the model's accuracy (bench/README.md says what can and cannot be measured).

const IMG = new Uint8Array([1, 2, 3]);
const fixed = (nudity: number): (() => Promise<NudityClassifier>) => async () => ({ name: 'fixed', classify: async () => ({ nudity }) });

describe('NudityGuard', () => {
  it('a flagged incoming image is blurred for a child, with "it\'s OK not to look" and help; a clear one is shown', async () => {
    const v = await new NudityGuard({ band: 'child', loader: fixed(0.9) }).incoming(IMG);
    expect(v).toMatchObject({ blurred: true, reason: 'flagged' });
    expect(v.blurred && v.message).toMatch(/It's OK not to look/);
    expect(v.blurred && v.help.join(' ')).toMatch(/0800 1111/);
    expect(await new NudityGuard({ band: 'child', loader: fixed(0.1) }).incoming(IMG)).toEqual({ blurred: false });
  });

  it('before a child sends a flagged image, a warning asks them to think again and offers help', async () => {
    const v = await new NudityGuard({ band: 'child', loader: fixed(0.8) }).outgoing(IMG);
    expect(v).toMatchObject({ warn: true, reason: 'flagged' });
    expect(v.warn && v.message).toMatch(/Think before you send/);
    expect(await new NudityGuard({ band: 'child', loader: fixed(0.2) }).outgoing(IMG)).toEqual({ warn: false });
  });

  it('on for children by default; adults only when the operator says everyone; nobody turns it off', async () => {
    expect(await new NudityGuard({ band: 'adult', loader: fixed(0.9) }).incoming(IMG)).toEqual({ blurred: false });
    expect(await new NudityGuard({ band: 'adult', loader: fixed(0.9), enabledFor: 'everyone' }).incoming(IMG)).toMatchObject({ blurred: true });
    expect(await new NudityGuard({ band: 'child', loader: fixed(0.9), enabledFor: 'nobody' }).incoming(IMG)).toEqual({ blurred: false });
  });

  it("forAccount follows the operator's answer on the account; without one, children only (stricter, never looser)", async () => {
    const blurred = async (me: Parameters<typeof NudityGuard.forAccount>[0]) => (await NudityGuard.forAccount(me, fixed(0.9)).incoming(IMG)).blurred;
    expect(await blurred({ ageBand: 'child', nudityWarnings: true })).toBe(true);
    expect(await blurred({ ageBand: 'adult', nudityWarnings: false })).toBe(false);
    expect(await blurred({ ageBand: 'adult', nudityWarnings: true })).toBe(true);
    expect(await blurred({ ageBand: 'child', nudityWarnings: false })).toBe(false);
    expect(await blurred({ ageBand: 'child' })).toBe(true);
    expect(await blurred({ ageBand: 'adult' })).toBe(false);
    expect(await blurred(null)).toBe(true);
    // The threshold still applies: a low score is clear for an account with warnings on.
    expect(await NudityGuard.forAccount({ ageBand: 'child', nudityWarnings: true }, fixed(0.3), 0.5).incoming(IMG)).toEqual({ blurred: false });
  });

  it('a classifier that fails to load, throws, or answers nonsense: blurred with an explanation, never unblurred by accident', async () => {
    const failing = new NudityGuard({ band: 'child', loader: () => Promise.reject(new Error('no weights')) });
    const v = await failing.incoming(IMG);
    expect(v).toMatchObject({ blurred: true, reason: 'unchecked' });
    expect(v.blurred && v.message).toMatch(/couldn't check this image/);
    expect(await failing.outgoing(IMG)).toMatchObject({ warn: true, reason: 'unchecked' });
    const throwing = new NudityGuard({ band: 'child', loader: async () => ({ name: 't', classify: () => Promise.reject(new Error('decode')) }) });
    expect(await throwing.incoming(IMG)).toMatchObject({ blurred: true, reason: 'unchecked' });
    for (const bad of [Number.NaN, -1, 2, Number.POSITIVE_INFINITY]) expect(await new NudityGuard({ band: 'child', loader: fixed(bad) }).incoming(IMG)).toMatchObject({ blurred: true, reason: 'unchecked' });
  });

  it('a failed load is retried on the next image', async () => {
    let calls = 0;
    const guard = new NudityGuard({ band: 'child', loader: async () => (++calls === 1 ? Promise.reject(new Error('busy')) : { name: 'ok', classify: async () => ({ nudity: 0 }) }) });
    expect(await guard.incoming(IMG)).toMatchObject({ blurred: true });
    expect(await guard.incoming(IMG)).toEqual({ blurred: false });
  });

  it('nothing about a classification is sent anywhere', async () => {
    const spy = vi.spyOn(globalThis, 'fetch');
    const guard = new NudityGuard({ band: 'child', loader: fixed(0.95) });
    await guard.incoming(IMG);
    await guard.outgoing(IMG);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});
