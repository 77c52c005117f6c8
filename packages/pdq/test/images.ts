// Generated test images (no reference data needed).
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** A deterministic textured RGB image (a few sine gratings), PNG-encoded. */
export async function texturedPng(width: number, height: number, seed = 1): Promise<Buffer> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = 128 + 120 * Math.sin((x * seed) / 7 + y / 11);
      data[o + 1] = 128 + 120 * Math.cos((x + y * seed) / 13);
      data[o + 2] = (x * 3 + y * seed) & 255;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** A valid PNG whose header claims `width` x `height`: a decompression bomb as far as a decoder can tell. */
export async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).png().toBuffer());
  // IHDR data starts at byte 16 (8 signature + 4 length + 4 type); CRC covers type + data (17 bytes).
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}
