import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStateStore } from './file-store.node';
import { MemoryStateStore, type StateStore } from './state-store';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'haven-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every value written by the crash child is n (u32) followed by bytes all equal to n & 0xff. */
function wellFormed(v: Uint8Array): boolean {
  const n = new DataView(v.buffer, v.byteOffset).getUint32(0);
  for (let i = 4; i < v.length; i++) if (v[i] !== (n & 0xff)) return false;
  return true;
}

describe.each([
  ['memory', async (): Promise<StateStore> => new MemoryStateStore()],
  ['file', async (): Promise<StateStore> => FileStateStore.open(join(dir, 'store'))],
] as const)('StateStore (%s)', (_, make) => {
  it('gets, puts, overwrites, lists and deletes', async () => {
    const s = await make();
    expect(await s.get('device')).toBeUndefined();
    await s.put('device', Uint8Array.of(1, 2));
    await s.put('kp.aa', Uint8Array.of(3));
    await s.put('kp.bb', Uint8Array.of(4));
    expect(await s.get('device')).toEqual(Uint8Array.of(1, 2));
    await s.put('device', Uint8Array.of(9));
    expect(await s.get('device')).toEqual(Uint8Array.of(9));
    expect(await s.list('kp.')).toEqual(['kp.aa', 'kp.bb']);
    await s.delete('kp.aa');
    await s.delete('kp.aa');
    expect(await s.list('')).toEqual(['device', 'kp.bb']);
    await s.put('empty', new Uint8Array());
    expect(await s.get('empty')).toEqual(new Uint8Array());
  });

  it('refuses keys that could escape or collide', async () => {
    const s = await make();
    for (const k of ['', '../x', 'a/b', 'a\0b', 'x'.repeat(129), 'é']) {
      await expect(s.put(k, Uint8Array.of(1))).rejects.toThrow(RangeError);
    }
  });
});

describe('FileStateStore', () => {
  it('writes files 0600 in a 0700 directory', async () => {
    const s = await FileStateStore.open(join(dir, 'store'));
    await s.put('device', Uint8Array.of(1));
    expect((await stat(join(dir, 'store'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'store', 'device.state'))).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'store'))).toEqual(['device.state']);
  });

  it('a crash between writing the temporary file and the rename leaves the old value; open cleans up', async () => {
    const d = join(dir, 'store');
    const s = await FileStateStore.open(d);
    await s.put('group.g', Uint8Array.of(1, 1, 1));
    // what a crash mid-put leaves: a half-written temporary file
    await writeFile(join(d, '.group.g.0123456789ab.tmp'), Uint8Array.of(2, 2));
    expect(await s.get('group.g')).toEqual(Uint8Array.of(1, 1, 1));
    expect(await s.list('')).toEqual(['group.g']);
    const again = await FileStateStore.open(d);
    expect(await readdir(d)).toEqual(['group.g.state']);
    expect(await again.get('group.g')).toEqual(Uint8Array.of(1, 1, 1));
  });

  it('a process killed (SIGKILL) in the middle of writes never leaves a torn value', async () => {
    const d = join(dir, 'store');
    const child = resolve(import.meta.dirname, '../test/file-store-crash-child.ts');
    let tornWrites = 0;
    let rounds = 0;
    // Kill at varied moments until at least two kills landed mid-write (bounded).
    for (let round = 0; round < 30 && tornWrites < 2; round++, rounds++) {
      const p = spawn(process.execPath, ['--import', 'tsx', child, d, String(8_000_000)], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((ok, no) => {
        p.stdout.once('data', () => ok());
        p.once('exit', (code) => no(new Error(`crash child exited early (${code})`)));
      });
      await new Promise((r) => setTimeout(r, 20 + ((round * 37) % 90)));
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
      if ((await readdir(d)).some((f) => f.endsWith('.tmp'))) tornWrites++;
      const s = await FileStateStore.open(d);
      const v = await s.get('group.g');
      if (v !== undefined) {
        expect(v.length).toBe(8_000_000);
        expect(wellFormed(v)).toBe(true);
      }
      expect((await readdir(d)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    }
    // The kills did land in the middle of writes (a temporary file was left behind).
    console.log(`crash test: ${tornWrites}/${rounds} kills interrupted a write`);
    expect(tornWrites).toBeGreaterThan(0);
  }, 60_000);
});
