// L1-L8: hash lists on disk, imported all-or-nothing.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashListStore, ListParser, progressBar, type PdqHex } from '../src/index.node.ts';
import { decodeEntries, encodeEntries } from '../src/store.node.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'haven-pdq-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hex = (n: number, i: number): string => Array.from({ length: n }, (_, k) => ((i * 7 + k * 13) & 15).toString(16)).join('');

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

describe('ListParser', () => {
  it('L1 detects kinds, reads headers and labels, skips blanks and comments', () => {
    const p = new ListParser();
    for (const l of ['# a comment', 'hash,label', `${hex(64, 1)},cat-a`, '', `${hex(64, 2)},"cat b"`, `${hex(64, 3)},cat-a`]) p.push(l);
    const r = p.finish();
    expect(r).toMatchObject({ ok: true, kind: 'pdq', count: 3, labels: ['cat-a', 'cat b'] });
    if (r.ok) expect(Array.from(r.labelIds!)).toEqual([1, 2, 1]);
    const m = new ListParser();
    m.push(hex(32, 1).toUpperCase());
    expect(m.finish()).toMatchObject({ ok: true, kind: 'md5', count: 1, labelIds: undefined });
    const s = new ListParser();
    s.push('sha256');
    s.push(hex(64, 4));
    expect(s.finish()).toMatchObject({ ok: true, kind: 'sha256' });
  });

  it('L2 reports every bad line by number, mixed kinds included', () => {
    const p = new ListParser();
    for (const l of [hex(64, 1), 'zz', hex(32, 1), hex(64, 2), `${hex(63, 1)}`]) p.push(l);
    const r = p.finish();
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => e.line)).toEqual([2, 3, 5]);
      expect(r.errorCount).toBe(3);
    }
    expect(new ListParser().finish()).toMatchObject({ ok: false, errors: [{ message: 'no hashes in the file' }] });
  });
});

describe('HashListStore', () => {
  it('L3 imports a PDQ list and loads it as an index that matches', async () => {
    const store = await HashListStore.open(dir);
    const hashes = Array.from({ length: 100 }, (_, i) => hex(64, i));
    const r = await store.import(await file('l.txt', hashes.join('\n') + '\n'), { name: 'known', source: 'test', now: new Date('2026-01-02T03:04:05Z') });
    expect(r).toMatchObject({ ok: true, manifest: { name: 'known', kind: 'pdq', count: 100, enabled: true, source: 'test', createdAt: '2026-01-02T03:04:05.000Z' } });
    const list = await store.load('known');
    expect(list.kind).toBe('pdq');
    if (list.kind === 'pdq') {
      expect(list.index.size).toBe(100);
      expect(list.index.query(hashes[5] as PdqHex, 0).map((m) => m.index)).toContain(5);
    }
    expect((await store.list()).map((m) => m.name)).toEqual(['known']);
  });

  it('L4 a file with bad lines imports nothing and names the lines', async () => {
    const store = await HashListStore.open(dir);
    const path = await file('bad.txt', [hex(64, 1), 'not a hash', hex(64, 2), ''].join('\n'));
    const r = await store.import(path, { name: 'bad' });
    expect(r).toMatchObject({ ok: false, errorCount: 1, errors: [{ line: 2 }] });
    if (!r.ok) expect(r.message).toMatch(/line 2: not a hash.*nothing imported|nothing imported.*line 2/);
    expect(await store.list()).toEqual([]);
    expect(await readdir(join(dir, 'hashlists'))).toEqual([]);
  });

  it('L5 exact lists with labels; kind given for SHA-256', async () => {
    const store = await HashListStore.open(dir);
    const md5 = [hex(32, 1), hex(32, 2)];
    await store.import(await file('m.csv', `${md5[0]},alpha\n${md5[1]},beta\n`), { name: 'm' });
    const m = await store.load('m');
    expect(m.kind).toBe('md5');
    if (m.kind !== 'pdq') {
      expect(m.set.indexOf(md5[1]!)).toBe(1);
      expect(m.labelOf(0)).toBe('alpha');
      expect(m.labelOf(1)).toBe('beta');
    }
    const r = await store.import(await file('s.txt', `${hex(64, 9)}\n`), { name: 's', kind: 'sha256' });
    expect(r).toMatchObject({ ok: true, manifest: { kind: 'sha256' } });
    async function* lines(): AsyncGenerator<string> {
      yield `${hex(64, 9)},from a stream`;
    }
    const fromStream = await store.import(lines(), { name: 'streamed', kind: 'sha256' });
    expect(fromStream).toMatchObject({ ok: true, manifest: { kind: 'sha256', count: 1, source: 'stream', labels: ['from a stream'] } });
  });

  it('L6 names are checked, duplicates refused unless replacing', async () => {
    const store = await HashListStore.open(dir);
    const path = await file('l.txt', `${hex(64, 1)}\n`);
    await expect(store.import(path, { name: '../escape' })).rejects.toMatchObject({ code: 'hashlist.bad_name' });
    await store.import(path, { name: 'a' });
    await expect(store.import(path, { name: 'a' })).rejects.toMatchObject({ code: 'hashlist.exists' });
    const two = await file('two.txt', `${hex(64, 1)}\n${hex(64, 2)}\n`);
    expect(await store.import(two, { name: 'a', replace: true })).toMatchObject({ ok: true, manifest: { count: 2 } });
    expect((await store.list()).map((x) => x.count)).toEqual([2]);
    await expect(store.load('nope')).rejects.toMatchObject({ code: 'hashlist.not_found' });
  });

  it('L7 enable and disable; loadEnabled skips disabled lists', async () => {
    const store = await HashListStore.open(dir);
    const path = await file('l.txt', `${hex(64, 1)}\n`);
    await store.import(path, { name: 'a' });
    await store.import(path, { name: 'b' });
    await store.setEnabled('a', false);
    expect((await store.list()).map((m) => [m.name, m.enabled])).toEqual([['a', false], ['b', true]]);
    expect((await store.loadEnabled()).map((l) => l.manifest.name)).toEqual(['b']);
  });

  it('L8 a damaged hashes.bin is reported, not misread', async () => {
    const store = await HashListStore.open(dir);
    await store.import(await file('l.txt', `${hex(64, 1)}\n`), { name: 'a' });
    await writeFile(join(dir, 'hashlists', 'a', 'hashes.bin'), 'garbage');
    await expect(store.load('a')).rejects.toMatchObject({ code: 'hashlist.corrupt' });
    await writeFile(join(dir, 'hashlists', 'a', 'manifest.json'), '{"name":"a","kind":"pdq","count":"many"}');
    await expect(store.manifest('a')).rejects.toMatchObject({ code: 'hashlist.corrupt' });
    expect(await store.list()).toEqual([]);
  });
});

describe('progressBar', () => {
  it('L9 draws on a terminal, stays silent otherwise', () => {
    const written: string[] = [];
    const fake = (isTTY: boolean) => ({ isTTY, write: (s: string) => written.push(s) }) as unknown as NodeJS.WriteStream;
    let t = 0;
    const bar = progressBar('importing', fake(true), () => (t += 200));
    bar.update(50, 100);
    bar.update(100, 100);
    bar.finish();
    expect(written[0]).toContain('importing [###############...............]  50%');
    expect(written.at(-1)).toBe('\n');
    written.length = 0;
    const quiet = progressBar('importing', fake(false));
    quiet.update(1, 2);
    quiet.finish();
    expect(written).toEqual([]);
  });
});

describe('hashes.bin', () => {
  it('L10 decodes from aligned and unaligned buffers alike, labels included', () => {
    const entries = Uint8Array.from({ length: 3 * 16 }, (_, i) => i);
    const encoded = encodeEntries('md5', entries, 3, Uint32Array.from([2, 0, 1]));
    for (const shift of [0, 1, 2, 4]) {
      const holder = new Uint8Array(encoded.length + shift);
      holder.set(encoded, shift);
      const d = decodeEntries(holder.subarray(shift))!;
      expect(d.kind).toBe('md5');
      expect(Array.from(d.entries)).toEqual(Array.from(entries));
      expect(Array.from(d.labelIds!)).toEqual([2, 0, 1]);
    }
    expect(decodeEntries(encoded.subarray(0, encoded.length - 1))).toBeUndefined();
  });
});
