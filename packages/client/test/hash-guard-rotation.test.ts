import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HashListSync } from '@haven/protocol';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../testing/env';
import { HavenClient } from '../src/http-client';
import { HashListGuard } from '../src/safety/hash-guard';
import { nodeAttachmentHasher } from '../src/safety/hasher.node.ts';

// Issue 13 (9): the device-side guard applies the same rule as the server (all eight dihedral variants),
// so a known image turned 90° is caught on the device too. Published PDQ reference images and hashes.

const ref = sharedPath('pdq-reference', 'expected-cpp-reference.csv');
const img = (f: string): Buffer => readFileSync(join(ref.value, '..', 'images', f));

/** The reference's hash of the original image, from its published CSV (not from the code under test). */
function referenceHash(file: string): string {
  const row = readFileSync(ref.value, 'utf8').split('\n').find((l) => l.endsWith(`,${file}`));
  if (!row) throw new Error(`${file} is not in the reference CSV`);
  return row.split(',')[0]!;
}

function pdqEntry(hex: string): Uint8Array {
  // The sync form: 16 little-endian words, word 0 = the last 4 hex digits.
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  for (let w = 0; w < 16; w++) view.setUint16(w * 2, parseInt(hex.slice(60 - 4 * w, 64 - 4 * w), 16), true);
  return out;
}

function guardHolding(hash: string) {
  const sync: HashListSync = {
    holdsLists: true,
    version: 'v1',
    maxDistance: 31,
    minQuality: 50,
    lists: [{ name: 'known', kind: 'pdq', count: 1, entries: Buffer.from(pdqEntry(hash)).toString('base64') }],
  };
  const reports: unknown[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    if (String(url).endsWith('/v1/hashlists/sync')) return new Response(JSON.stringify(sync), { status: 200 });
    reports.push(JSON.parse(String(init?.body)));
    return new Response(JSON.stringify({ detectionId: 'd1', help: { moment: 'media_blocked', region: 'GB', headline: 'h', resources: [] } }), { status: 201 });
  }) as typeof globalThis.fetch;
  return { guard: new HashListGuard(new HavenClient({ serverUrl: 'http://127.0.0.1:1', token: 't', fetch }), nodeAttachmentHasher), reports };
}

const conv = { id: '11111111-1111-4111-8111-111111111111', mode: 'e2ee' } as never;

describe.skipIf(!ref.available)(`the device guard catches rotated and mirrored known images${ref.available ? '' : ` (skipped: ${ref.reason})`}`, () => {
  it.each(['bridge-dih-2-rotate-90.jpg', 'bridge-dih-4-rotate-270.jpg', 'bridge-dih-5-flipx.jpg'])('a known image (bridge-original) as %s is blocked before sending and reported', async (file) => {
    const { guard, reports } = guardHolding(referenceHash('bridge-original.jpg'));
    await guard.sync();
    await expect(guard.guardOutgoing(conv, img(file))).rejects.toMatchObject({ code: 'media.blocked' });
    expect(reports).toEqual([expect.objectContaining({ source: 'client-outgoing', list: 'known', entryIndex: 0, distance: expect.any(Number) })]);
    expect((reports[0] as { distance: number }).distance).toBeLessThanOrEqual(31);
    // And before showing, when it arrives.
    const v = await guard.guardIncoming(conv, '22222222-2222-4222-8222-222222222222', img(file));
    expect(v.blocked).toBe(true);
  });

  it('an unrelated image passes', async () => {
    const { guard, reports } = guardHolding(referenceHash('bridge-original.jpg'));
    await guard.sync();
    await expect(guard.guardOutgoing(conv, img('exact-labelme-q2821-256x256.png'))).resolves.toMatchObject({ sha256: expect.any(String) });
    expect(reports).toEqual([]);
  });
});
