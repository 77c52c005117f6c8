import { describe, expect, it } from 'vitest';
import type { HashListSync } from '@haven/protocol';
import { HavenClient } from '../http-client';
import { HashListGuard, decodeSyncedLists, type AttachmentHashes } from './hash-guard';

// The device-side list handling on its own: the compact form, matching rules, and what a device does
// when the server's policy puts no lists on it.

const pdq = 'f'.repeat(32) + '0'.repeat(32);
function pdqEntry(hex: string): Uint8Array {
  // 16 little-endian words, word 0 = the last 4 hex digits.
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  for (let w = 0; w < 16; w++) view.setUint16(w * 2, parseInt(hex.slice(60 - 4 * w, 64 - 4 * w), 16), true);
  return out;
}
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const sha = 'ab'.repeat(32);

function syncOf(holds = true, extra: Partial<HashListSync> = {}): HashListSync {
  return {
    holdsLists: holds,
    version: holds ? 'v1' : 'none',
    maxDistance: 31,
    minQuality: 50,
    lists: holds
      ? [
          { name: 'pdq-list', kind: 'pdq', count: 1, entries: b64(pdqEntry(pdq)) },
          { name: 'sha-list', kind: 'sha256', count: 1, entries: b64(Buffer.from(sha, 'hex')) },
        ]
      : [],
    ...extra,
  };
}

/** A client whose fetch answers sync and records reports: the guard's HTTP seam, without a server. */
function fakeClient(sync: HashListSync) {
  const reports: unknown[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    if (String(url).endsWith('/v1/hashlists/sync')) return new Response(JSON.stringify(sync), { status: 200 });
    reports.push(JSON.parse(String(init?.body)));
    return new Response(JSON.stringify({ detectionId: 'd1', help: { moment: 'media_blocked', region: 'GB', headline: 'h', resources: [] } }), { status: 201 });
  }) as typeof globalThis.fetch;
  return { client: new HavenClient({ serverUrl: 'http://127.0.0.1:1', token: 't', fetch }), reports };
}

const flip = (hex: string, bits: number) => {
  let v = BigInt(`0x${hex}`);
  for (let i = 0; i < bits; i++) v ^= 1n << BigInt(i * 7);
  return v.toString(16).padStart(64, '0');
};
const hasher = (h: AttachmentHashes) => async () => h;
const CONV_ID = '11111111-1111-4111-8111-111111111111';
const conv = { id: CONV_ID, mode: 'e2ee' } as never;

describe('HashListGuard', () => {
  it('decodes the compact form and refuses damaged lists', () => {
    expect(decodeSyncedLists(syncOf()).map((l) => l.kind)).toEqual(['pdq', 'sha256']);
    expect(() => decodeSyncedLists(syncOf(true, { lists: [{ name: 'x', kind: 'pdq', count: 2, entries: b64(new Uint8Array(32)) }] }))).toThrow(/damaged/);
  });

  it('matches SHA-256 exactly and PDQ within 31 bits at quality >= 50 only', async () => {
    const g = new HashListGuard(fakeClient(syncOf()).client, hasher({ sha256: '00'.repeat(32) }));
    await g.sync();
    expect(g.match({ sha256: sha })).toMatchObject({ list: 'sha-list', distance: 0 });
    expect(g.match({ sha256: '00'.repeat(32), pdq: flip(pdq, 20) as never, quality: 90 })).toMatchObject({ list: 'pdq-list', distance: 20 });
    expect(g.match({ sha256: '00'.repeat(32), pdq: flip(pdq, 40) as never, quality: 90 })).toBeUndefined();
    expect(g.match({ sha256: '00'.repeat(32), pdq: pdq as never, quality: 30 })).toBeUndefined();
  });

  it('an outgoing match is refused with media.blocked and reported with hashes only', async () => {
    const { client, reports } = fakeClient(syncOf());
    const g = new HashListGuard(client, hasher({ sha256: sha }));
    await g.sync();
    await expect(g.guardOutgoing(conv, new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'media.blocked' });
    expect(reports).toEqual([{ source: 'client-outgoing', conversationId: CONV_ID, list: 'sha-list', entryIndex: 0, distance: 0, sha256: sha, size: 3 }]);
  });

  it('without lists (policy e2ee-only or child-devices for an adult) nothing is blocked or reported', async () => {
    const { client, reports } = fakeClient(syncOf(false));
    const g = new HashListGuard(client, hasher({ sha256: sha }));
    await g.sync();
    expect(g.holdsLists).toBe(false);
    await expect(g.guardOutgoing(conv, new Uint8Array([1]))).resolves.toMatchObject({ sha256: sha });
    expect(reports).toEqual([]);
  });
});
