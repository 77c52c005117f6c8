import { startTestServer, type TestServer } from '@haven/server';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Servers start slowly on a loaded 2-core machine: generous limits for this file.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });
import { HashListGuard, HavenClient, nodeAttachmentHasher, selfReportHashes, selfReportImage } from '../src/index.node';
import { account } from './helpers';

// Issue 11, point 6: a child's own image, blocked everywhere, through a real server and the SDK. The
// image never leaves the device (every request is inspected); matching media is blocked in a visible
// conversation by the server, and devices get the platform list for e2ee.

const NOW = new Date('2026-06-01T12:00:00Z');
const CHILD = '2011-03-01';

/** A test image with structure (PDQ quality >= 50). */
async function photo(seed: number): Promise<Buffer> {
  const w = 300;
  const h = 220;
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const box = (x > 30 + seed && x < 150 && y > 40 && y < 130) || (x - 220) ** 2 + (y - 150) ** 2 < 2200;
      data[o] = box ? 210 : (x * 255) / w;
      data[o + 1] = box ? 40 : (y * 255) / h;
      data[o + 2] = 128 + 100 * Math.sin((x + seed * y) / 11);
    }
  return sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

async function upload(client: HavenClient, conversationId: string, bytes: Buffer) {
  const res = await fetch(`${client.serverUrl}/v1/media?conversationId=${conversationId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(bytes),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { now: () => NOW });
}, 180_000);
afterAll(() => server.close());

describe('self-reported images', () => {
  it('the image never leaves the device; the hashes block it in a visible conversation and are synced to devices; the child is told what was and was not done', async () => {
    const image = await photo(3);
    // Every request the child's SDK makes is captured, bodies included.
    const sent: { url: string; body: Uint8Array }[] = [];
    const spy: typeof fetch = async (input, init) => {
      const body = init?.body;
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body instanceof Uint8Array ? body : new Uint8Array();
      sent.push({ url: String(input), body: bytes });
      return fetch(input, init);
    };
    const child = new HavenClient({ serverUrl: server.url, fetch: spy });
    const session = await child.register({ handle: 'selfie1' as never, password: 'correct horse battery staple', birthDate: CHILD });
    const r = await selfReportImage(child, image);
    expect(r.hashes).toBe(10); // 8 PDQ variants (distinct for this image), SHA-256, MD5
    expect(r.done.join(' ')).toMatch(/never left your device/);
    expect(r.notDone.join(' ')).toMatch(/outside Haven/);
    expect(r.next.map((n) => n.contact)).toEqual([expect.stringMatching(/^https:\/\/www\.childline\.org\.uk\//), '0800 1111']);
    // The proof: no request carries the image, nor any 64-byte run of it, raw or base64.
    const needle = image.subarray(100, 164);
    const b64 = image.toString('base64').slice(200, 280);
    for (const s of sent) {
      expect(Buffer.from(s.body).includes(needle), s.url).toBe(false);
      expect(Buffer.from(s.body).toString('latin1').includes(b64), s.url).toBe(false);
      expect(s.body.length).toBeLessThan(2000);
    }
    expect(sent.some((s) => s.url.endsWith('/v1/self-reports'))).toBe(true);

    // An adult contact tries to send it, re-encoded as JPEG: blocked by the server, flagged for moderators.
    const a = await account(server.url, 'sharer');
    await child.requestContact(a.handle);
    await a.client.acceptContact(session.account.handle);
    const convo = await a.client.createDirect(session.account.handle);
    expect(convo.mode).toBe('visible');
    const blocked = await upload(a.client, convo.id, await sharp(image).jpeg({ quality: 70 }).toBuffer());
    expect(blocked.status).toBe(451);
    expect(blocked.body.error?.code).toBe('media.blocked');
    const detections = await server.services.db.selectFrom('detections').selectAll().where('sender_account_id', '=', a.session.account.id).execute();
    expect(detections.map((d) => d.list_name)).toEqual(['haven-self-reports']);
    // A rotated copy matches too (all eight variants were reported); another image does not.
    const b = await account(server.url, 'sharer2');
    await child.requestContact(b.handle);
    await b.client.acceptContact(session.account.handle);
    const convo2 = await b.client.createDirect(session.account.handle);
    expect((await upload(b.client, convo2.id, await photo(40))).status).toBe(201);
    expect((await upload(b.client, convo2.id, await sharp(image).rotate(90).png().toBuffer())).status).toBe(451);

    // Devices hold the platform list like any other (e2ee conversations are checked there).
    const guard = new HashListGuard(a.client, nodeAttachmentHasher);
    await guard.sync();
    expect(guard.match(await nodeAttachmentHasher(await sharp(image).jpeg({ quality: 60 }).toBuffer()))?.list).toBe('haven-self-reports');

    // Retained until the child removes it; then the image is no longer blocked, and the list is empty.
    const [mine] = await child.selfReports();
    expect(mine).toMatchObject({ id: r.id, hashes: 10 });
    const c = await account(server.url, 'sharer3');
    await child.requestContact(c.handle);
    await c.client.acceptContact(session.account.handle);
    const convo3 = await c.client.createDirect(session.account.handle);
    await expect(a.client.removeSelfReport(r.id)).rejects.toMatchObject({ code: 'selfreport.not_found' });
    await child.removeSelfReport(r.id);
    expect(await child.selfReports()).toEqual([]);
    expect((await upload(c.client, convo3.id, image)).status).toBe(201);
    await expect(child.removeSelfReport(r.id)).rejects.toMatchObject({ code: 'selfreport.not_found' });
  });

  it('wrong-length or non-hex hashes are refused; a flood is rate-limited', async () => {
    const k = await account(server.url, 'flood', CHILD);
    const good = await selfReportHashes(await photo(7));
    for (const bad of [
      { ...good, sha256: good.sha256.slice(2) },
      { ...good, md5: `${good.md5}00` },
      { ...good, pdq: [good.pdq[0]!.slice(0, 63)] },
      { ...good, pdq: [...good.pdq, good.pdq[0]!] },
      { ...good, pdq: [] },
      { ...good, sha256: 'Z'.repeat(64) },
    ])
      await expect(k.client.selfReport(bad)).rejects.toMatchObject({ code: 'request.invalid', status: 400 });
    for (let i = 0; i < 10; i++) await k.client.selfReport(good);
    await expect(k.client.selfReport(good)).rejects.toMatchObject({ code: 'request.rate_limited', status: 429 });
  });
});
