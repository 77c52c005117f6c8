import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HavenError } from '@haven/protocol';
import { DecodeSlots } from '../src/detection/decode-slots';
import { scanMedia } from '../src/detection/scan.node.ts';
import { ConfigSchema } from '../src/config/schema';
import { startTestServer, type TestServer } from '../src/testing.node.ts';
import { directConversation, registerUser } from './http-client';

// Issue 13, item 14: image decoding is bounded. A small file that declares 9,999 x 9,999 pixels cost the
// server ~380 MB when decoded whole; now it is shrunk on load (or refused past media.maxPixels), at most
// media.decodeConcurrency decode at once, and uploads beyond the queue get server.busy.

const EMPTY_LISTS = { lists: [], version: 'none' } as never;
const defaults = ConfigSchema.parse({}).media;

/** A PNG of `w` x `h` pixels: a few hundred KB on disk whatever its pixel count. */
const bigPng = (w: number, h: number) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 120, b: 40 } } })
    .png({ compressionLevel: 9 })
    .toBuffer();

/** Runs `work` and returns the largest growth of the process's resident memory seen meanwhile. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ value: T; growthMb: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 2);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, growthMb: (peak - base) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

let huge: Buffer;
beforeAll(async () => {
  sharp.cache(false);
  huge = await bigPng(9999, 9999);
}, 120_000);

describe('bounded decoding (item 14)', () => {
  it('a 9,999 x 9,999 PNG is hashed from a shrunk decode: memory grows far less than its 300 MB of pixels', async () => {
    expect(huge.length).toBeLessThan(2 * 2 ** 20);
    const { value, growthMb } = await peakRssGrowth(() =>
      scanMedia(huge, 'image/png', EMPTY_LISTS, { maxBytes: defaults.maxScanBytes, maxPixels: defaults.maxPixels, referencePixels: defaults.referencePixels }),
    );
    expect(value.pdq).toMatch(/^[0-9a-f]{64}$/);
    // The whole decode is 9999 * 9999 * 3 bytes = 286 MiB; the bounded one stays well under half of that.
    expect(growthMb).toBeLessThan(120);
  }, 120_000);

  it('an image over media.maxPixels is refused from its header, before decoding', async () => {
    const over = await bigPng(12_000, 9_000);
    const { value, growthMb } = await peakRssGrowth(() =>
      scanMedia(over, 'image/png', EMPTY_LISTS, { maxBytes: defaults.maxScanBytes, maxPixels: defaults.maxPixels, referencePixels: defaults.referencePixels }).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(value).toBeInstanceOf(HavenError);
    expect((value as HavenError).code).toBe('media.too_large');
    expect(growthMb).toBeLessThan(60);
  }, 120_000);

  it('DecodeSlots: at most `concurrency` run, `queue` wait, the rest get server.busy', async () => {
    const slots = new DecodeSlots(1, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = slots.run(() => gate);
    const second = slots.run(async () => 'second');
    const third = slots.run(async () => 'third').catch((e: unknown) => e);
    expect(await third).toMatchObject({ code: 'server.busy', status: 503 });
    expect(slots.running).toBe(1);
    expect(slots.waiting).toBe(1);
    release();
    await first;
    expect(await second).toBe('second');
    expect(slots.running).toBe(0);
  });
});

describe('uploads past the decode queue get server.busy (item 14)', () => {
  let server: TestServer;
  beforeAll(async () => {
    // No e2ee on this server: every conversation is visible, so every upload is decoded and scanned.
    server = await startTestServer({ mls: { enabled: false }, media: { decodeConcurrency: 1, decodeQueue: 0 } });
  }, 180_000);
  afterAll(() => server.close());

  it('two large images at once: one is checked, the other answered 503 server.busy', async () => {
    const a = await registerUser(server.url);
    const b = await registerUser(server.url);
    const c = await directConversation(server.url, a.token, b.account.handle);
    const upload = () =>
      fetch(`${server.url}/v1/media?conversationId=${c.id}`, { method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'image/png' }, body: new Uint8Array(huge) });
    const answers = await Promise.all([upload(), upload()]);
    const bodies = await Promise.all(answers.map(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: string } } })));
    const statuses = bodies.map((x) => x.status).sort();
    expect(statuses, JSON.stringify(bodies)).toEqual([201, 503]);
    expect(bodies.find((x) => x.status === 503)!.body.error!.code).toBe('server.busy');
  }, 120_000);
});
