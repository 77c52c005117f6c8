import sharp from 'sharp';

// Test images made here (never real imagery): a seeded pattern of blocks and gradients with enough
// structure for PDQ quality >= 50, as PNG, and JPEG re-encodings of it.

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** A 320x240 RGB image, different for every seed. */
export async function patternImage(seed: number): Promise<Buffer> {
  const w = 320;
  const h = 240;
  const rnd = prng(seed);
  const blocks = Array.from({ length: 12 }, () => ({ x: rnd() * w, y: rnd() * h, r: 20 + rnd() * 60, c: [rnd() * 255, rnd() * 255, rnd() * 255] }));
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let px = [(x * 255) / w, (y * 255) / h, 128 + 100 * Math.sin((x + y) / (10 + seed % 7))];
      for (const b of blocks) if ((x - b.x) ** 2 + (y - b.y) ** 2 < b.r ** 2) px = b.c;
      const o = (y * w + x) * 3;
      data[o] = px[0]!;
      data[o + 1] = px[1]!;
      data[o + 2] = px[2]!;
    }
  }
  return sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

export const jpeg = (image: Buffer, quality: number): Promise<Buffer> => sharp(image).jpeg({ quality }).toBuffer();
