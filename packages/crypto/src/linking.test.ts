import type { AccountId, DeviceId } from '@haven/protocol';
import { describe, expect, it } from 'vitest';
import { generateAccountKeys } from './device-certificate';
import { answerLinkRequest, completeLink, formatLinkCode, linkIdOf, makeLinkRequest, newLinkSecret, openLinkRequest, parseLinkCode } from './linking';
import { uuid } from './test-helpers';

const sigKey = () => globalThis.crypto.getRandomValues(new Uint8Array(32));

describe('device linking (code shown on the old device, entered on the new)', () => {
  it('codes are 16 base32 characters that read back in any case, with or without dashes', () => {
    const s = newLinkSecret();
    const code = formatLinkCode(s);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(parseLinkCode(code)).toEqual(s);
    expect(parseLinkCode(code.toLowerCase().replace(/-/g, ' '))).toEqual(s);
    expect(parseLinkCode(formatLinkCode(Uint8Array.from([255, 0, 255, 0, 255, 0, 255, 0, 255, 0])))).toEqual(Uint8Array.from([255, 0, 255, 0, 255, 0, 255, 0, 255, 0]));
    expect(parseLinkCode('ABCD-EFGH')).toBeUndefined();
    expect(parseLinkCode('ABCD-EFGH-UUUU-EFGH')).toBeUndefined(); // U is not in the alphabet
    expect(linkIdOf(s)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('the new device receives the account key and a certificate for exactly its own signature key', () => {
    const accountId = uuid() as AccountId;
    const account = generateAccountKeys(accountId);
    const secret = newLinkSecret();
    const device = { accountId, deviceId: uuid() as DeviceId };
    const key = sigKey();
    const req = makeLinkRequest(secret, device, key);
    const ans = answerLinkRequest(secret, req.request, account, Date.now());
    if (!ans.ok) throw new Error(ans.error.message);
    expect(ans.value.device).toEqual(device);
    const done = completeLink(secret, req, ans.value.response, device, key);
    if (!done.ok) throw new Error(done.error.message);
    expect(done.value.account).toEqual(account);
  });

  it('a relaying server cannot substitute its own key in either direction, nor answer without the code', () => {
    const accountId = uuid() as AccountId;
    const account = generateAccountKeys(accountId);
    const secret = newLinkSecret();
    const device = { accountId, deviceId: uuid() as DeviceId };
    const key = sigKey();
    const req = makeLinkRequest(secret, device, key);
    // The server makes its own request (its own device and key) with a guessed code: the old device refuses it.
    const forged = makeLinkRequest(newLinkSecret(), { accountId, deviceId: uuid() as DeviceId }, sigKey());
    expect(openLinkRequest(secret, forged.request)).toBeUndefined();
    expect(answerLinkRequest(secret, forged.request, account, Date.now())).toMatchObject({ ok: false, error: { code: 'device.link_failed' } });
    // It swaps the signature key inside the genuine request: the MAC no longer matches.
    const swapped = req.request.slice();
    swapped[60]! ^= 1;
    expect(openLinkRequest(secret, swapped)).toBeUndefined();
    // It answers the new device with a certificate under its own account key: refused.
    const evil = answerLinkRequest(newLinkSecret(), req.request, generateAccountKeys(accountId), Date.now());
    expect(evil.ok).toBe(false);
    const genuine = answerLinkRequest(secret, req.request, account, Date.now());
    if (!genuine.ok) throw new Error('genuine answer refused');
    const tampered = genuine.value.response.slice();
    tampered[20]! ^= 1;
    expect(completeLink(secret, req, tampered, device, key)).toMatchObject({ ok: false, error: { code: 'device.link_failed' } });
    // An answer made for another request (replayed to this one) does not verify either.
    const other = makeLinkRequest(secret, device, key);
    expect(completeLink(secret, other, genuine.value.response, device, key).ok).toBe(false);
    // A device from another account cannot be linked.
    const stranger = makeLinkRequest(secret, { accountId: uuid() as AccountId, deviceId: uuid() as DeviceId }, sigKey());
    expect(answerLinkRequest(secret, stranger.request, account, Date.now()).ok).toBe(false);
  });
});
