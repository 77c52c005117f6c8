import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMessageKey, messageSealer } from './message-key.node.ts';

describe('message bodies at rest', () => {
  const key = new Uint8Array(32).fill(7);
  const sealer = messageSealer(key);
  const body = new TextEncoder().encode('marker-text-at-rest');

  it('round-trips and hides the plaintext', () => {
    const sealed = sealer.seal(body, 'm1', 'c1');
    expect(Buffer.from(sealed).includes(Buffer.from('marker-text'))).toBe(false);
    expect(new TextDecoder().decode(sealer.open(sealed, 'm1', 'c1'))).toBe('marker-text-at-rest');
  });

  it('never uses a nonce twice, across the refills of its random pool', () => {
    // 2,000 seals span several 4 KiB refills (341 nonces each); every nonce differs and every body opens.
    const nonces = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const sealed = sealer.seal(body, `m${i}`, 'c1');
      nonces.add(Buffer.from(sealed.subarray(0, 12)).toString('hex'));
      expect(new TextDecoder().decode(sealer.open(sealed, `m${i}`, 'c1'))).toBe('marker-text-at-rest');
    }
    expect(nonces.size).toBe(2000);
  });

  it('is bound to its message and conversation, and detects tampering', () => {
    const sealed = sealer.seal(body, 'm1', 'c1');
    expect(() => sealer.open(sealed, 'm2', 'c1')).toThrow();
    expect(() => sealer.open(sealed, 'm1', 'c2')).toThrow();
    const flipped = Uint8Array.from(sealed);
    flipped[14]! ^= 1;
    expect(() => sealer.open(flipped, 'm1', 'c1')).toThrow();
    expect(() => sealer.open(sealed.subarray(0, 10), 'm1', 'c1')).toThrow(/truncated/);
  });

  it('generates the key once into the data directory with mode 0600, then reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'haven-key-'));
    const k1 = loadMessageKey(undefined, dir);
    const k2 = loadMessageKey(undefined, dir);
    expect(Buffer.from(k1).equals(Buffer.from(k2))).toBe(true);
    expect(statSync(join(dir, 'message.key')).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(join(dir, 'message.key'), 'utf8').trim(), 'base64')).toHaveLength(32);
  });

  it('prefers the configured key', () => {
    const configured = Buffer.alloc(32, 9).toString('base64');
    expect(Buffer.from(loadMessageKey(configured, '/nonexistent')).equals(Buffer.alloc(32, 9))).toBe(true);
  });
});
