// Bad and unusual input: each gives a clear error or a documented result, never a crash or an OOM.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hashImageBuffer, ImageHashError, PDQ_ZERO, pdqFromPixels } from '../src/index.node.ts';
import { pngClaiming, texturedPng } from './images';

async function failure(input: Uint8Array): Promise<ImageHashError> {
  const e = await hashImageBuffer(input).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ImageHashError);
  return e as ImageHashError;
}

describe('bad input', () => {
  it('B1 a zero-byte file is refused as empty', async () => {
    expect((await failure(new Uint8Array(0))).code).toBe('image.empty');
  });

  it('B2 a non-image is refused as unsupported', async () => {
    const e = await failure(Buffer.from('this is a text file, not an image\n'));
    expect(e.code).toBe('image.unsupported');
    expect(e.message).toMatch(/not an image/);
  });

  it('B3 a truncated PNG and JPEG are refused as corrupt', async () => {
    const png = await texturedPng(200, 150);
    expect((await failure(png.subarray(0, png.length >> 1))).code).toBe('image.corrupt');
    const jpg = await sharp(png).jpeg().toBuffer();
    const e = await failure(jpg.subarray(0, jpg.length >> 1));
    expect(e.code).toBe('image.corrupt');
    expect(e.message).toMatch(/truncated|premature/i);
  });

  it('B4 a corrupt header is refused', async () => {
    const png = Buffer.from(await texturedPng(50, 50));
    png[13] = 0x7f; // IHDR length field
    expect(['image.corrupt', 'image.unsupported']).toContain((await failure(png)).code);
  });

  it('B5 a decompression bomb is refused by the pixel limit before decoding', async () => {
    const bomb = await pngClaiming(100_000, 100_000);
    expect(bomb.length).toBeLessThan(200);
    const e = await failure(bomb);
    expect(e.code).toBe('image.too_many_pixels');
    // A caller may lower the limit.
    const small = await texturedPng(100, 100);
    await expect(hashImageBuffer(small, { maxPixels: 9_999 })).rejects.toMatchObject({ code: 'image.too_many_pixels' });
    await expect(hashImageBuffer(small, { maxPixels: 10_000 })).resolves.toMatchObject({ quality: expect.any(Number) });
  });

  it('B6 images under 5 px hash to zero with quality 0; 5 px is hashable', async () => {
    for (const [w, h] of [[4, 100], [100, 4], [1, 1]] as const) {
      const r = await hashImageBuffer(await texturedPng(w, h), { dihedral: true });
      expect(r).toMatchObject({ hash: PDQ_ZERO, quality: 0 });
      expect(new Set(Object.values(r.dihedral!))).toEqual(new Set([PDQ_ZERO]));
    }
    const r5 = await hashImageBuffer(await texturedPng(5, 5));
    expect(r5.hash).not.toBe(PDQ_ZERO);
  });

  it('B7 16-bit images are scaled to 8 bits (high byte) before hashing', async () => {
    const w = 96;
    const h = 80;
    const u16 = new Uint16Array(w * h);
    for (let i = 0; i < u16.length; i++) u16[i] = (Math.sin(i / 17) * 30000 + 32768 + (i % 97) * 7) & 0xffff;
    const png16 = await sharp(u16, { raw: { width: w, height: h, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const r = await hashImageBuffer(png16);
    const own = pdqFromPixels({ data: Uint8Array.from(u16, (v) => v >> 8), width: w, height: h, channels: 1 });
    expect(r.hash).toBe(own.hash);
    expect(r.quality).toBe(own.quality);
  });

  it('B8 animated images hash their first frame', async () => {
    const f1 = await texturedPng(120, 90, 1);
    const f2 = await texturedPng(120, 90, 5);
    const anim = await sharp([f1, f2], { join: { animated: true } }).webp({ lossless: true }).toBuffer();
    expect((await sharp(anim).metadata()).pages).toBe(2);
    const [a, one, two] = await Promise.all([hashImageBuffer(anim), hashImageBuffer(f1), hashImageBuffer(f2)]);
    expect(a.hash).toBe(one.hash);
    expect(a.hash).not.toBe(two.hash);
    expect([a.width, a.height]).toEqual([120, 90]);
  });

  it('B9 alpha is dropped, not composited', async () => {
    const rgb = await texturedPng(64, 48);
    const { data } = await sharp(rgb).raw().toBuffer({ resolveWithObject: true });
    const rgba = new Uint8Array(64 * 48 * 4);
    for (let i = 0; i < 64 * 48; i++) {
      rgba.set(data.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = i % 3 === 0 ? 0 : 255;
    }
    const png = await sharp(rgba, { raw: { width: 64, height: 48, channels: 4 } }).png().toBuffer();
    expect((await hashImageBuffer(png)).hash).toBe((await hashImageBuffer(rgb)).hash);
  });
});
