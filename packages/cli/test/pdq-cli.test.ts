// `haven hash`, `haven hashlist`, `haven match` run as a user runs them: a child process on a data directory.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedPath } from '../../../testing/env';

const run = promisify(execFile);
const ref = sharedPath('pdq-reference', 'expected-cpp-reference.csv');
const img = (f: string): string => join(ref.value, '..', 'images', f);

async function haven(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', ['packages/cli/bin/haven.js', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'haven-cli-pdq-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!ref.available)(`haven hash / hashlist / match (${ref.reason || 'reference data present'})`, () => {
  it('CLI1 hash prints hash,quality,filename; bad files go to stderr, the rest carry on, exit 1', async () => {
    const empty = join(dir, 'empty.jpg');
    await writeFile(empty, '');
    const r = await haven(['hash', img('bridge-original.jpg'), empty, join(dir, 'missing.png'), img('exact-synthetic-4x4.png')]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      `d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,100,${img('bridge-original.jpg')}`,
      `${'0'.repeat(64)},0,${img('exact-synthetic-4x4.png')}`,
    ]);
    expect(r.stderr).toContain(`${empty}: file is empty`);
    expect(r.stderr).toContain('missing.png: no such file');
  });

  it('CLI2 --dihedral prints the eight hashes as the reference tool does; --md5/--sha256 add columns', async () => {
    const row = (await import('node:fs')).readFileSync(ref.value, 'utf8').split('\n').find((l) => l.endsWith(',pytx-LA.png'))!;
    const r = await haven(['hash', '--dihedral', '--md5', '--sha256', img('pytx-LA.png')]);
    expect(r.code).toBe(0);
    const cols = r.stdout.trim().split(',');
    expect(cols.slice(0, 9)).toEqual(row.split(',').slice(0, 9));
    expect(cols[9]).toMatch(/^[0-9a-f]{32}$/);
    expect(cols[10]).toMatch(/^[0-9a-f]{64}$/);
    expect(cols[11]).toBe(img('pytx-LA.png'));
  });

  it('CLI3 import validates every line (nothing imported on error), ls, disable, match with distance', async () => {
    const data = join(dir, 'data');
    const bad = join(dir, 'bad.txt');
    await writeFile(bad, `${'a'.repeat(64)}\nnope\n`);
    const b = await haven(['hashlist', 'import', bad, '--name', 'bad', '--data-dir', data]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('line 2: not a PDQ hash');
    const list = join(dir, 'known.csv');
    await writeFile(list, `hash,label\nd8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b23,bridge\n${'0'.repeat(64)},zero\n`);
    const i = await haven(['hashlist', 'import', list, '--name', 'known', '--source', 'test'], { HAVEN_DATA_DIR: data });
    expect(i).toMatchObject({ code: 0, stdout: 'imported 2 pdq hashes as known (2 labels)\n' });
    const ls = JSON.parse((await haven(['hashlist', 'ls', '--json', '--data-dir', data])).stdout) as unknown[];
    expect(ls).toEqual([expect.objectContaining({ name: 'known', kind: 'pdq', count: 2, enabled: true, source: 'test' })]);
    const m = await haven(['match', img('bridge-original.jpg'), img('misc-small.jpg'), '--list', 'known', '--data-dir', data]);
    expect(m.code).toBe(0);
    expect(m.stdout).toBe(`${img('bridge-original.jpg')},known,1,bridge,d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b23\n`);
    expect(m.stderr).toContain('quality 0 is under 50');
    expect((await haven(['hashlist', 'disable', 'known', '--data-dir', data])).code).toBe(0);
    const none = await haven(['match', img('bridge-original.jpg'), '--data-dir', data]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no hash lists');
    const unknown = await haven(['match', img('bridge-original.jpg'), '--list', 'nope', '--data-dir', data]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no hash list named "nope"');
  });

  it('issue 13 (9): match applies the one rule by default (all eight variants): a known image turned 90° matches; --no-dihedral does not', async () => {
    const data = join(dir, 'data-rule');
    await writeFile(join(dir, 'orig.txt'), 'd8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b23\n');
    expect((await haven(['hashlist', 'import', join(dir, 'orig.txt'), '--name', 'orig', '--data-dir', data])).code).toBe(0);
    const [rule, plain] = await Promise.all([
      haven(['match', img('bridge-dih-2-rotate-90.jpg'), '--json', '--data-dir', data]),
      haven(['match', img('bridge-dih-2-rotate-90.jpg'), '--json', '--no-dihedral', '--data-dir', data]),
    ]);
    expect(rule.code, rule.stderr).toBe(0);
    const hit = (JSON.parse(rule.stdout) as { matches: { list: string; distance: number; variant?: string }[] }).matches[0]!;
    expect(hit).toMatchObject({ list: 'orig', variant: expect.stringMatching(/^rot(90|270)$/) });
    expect(hit.distance).toBeLessThanOrEqual(31);
    expect((JSON.parse(plain.stdout) as { matches: unknown[] }).matches).toEqual([]);
  });

  it('CLI5 match --json --dihedral against a PDQ list and an MD5 list', async () => {
    const data = join(dir, 'data5');
    const rows = (await import('node:fs')).readFileSync(ref.value, 'utf8').split('\n');
    const rot = rows.find((l) => l.endsWith(',bridge-dih-2-rotate-90.jpg'))!.split(',')[0]!;
    await writeFile(join(dir, 'rot.txt'), `${rot}\n`);
    await writeFile(join(dir, 'md5.csv'), 'md5,label\nd35c785545392755e7e4164457657269,the bridge\n');
    expect((await haven(['hashlist', 'import', join(dir, 'rot.txt'), '--name', 'rot', '--data-dir', data])).code).toBe(0);
    expect((await haven(['hashlist', 'import', join(dir, 'md5.csv'), '--name', 'md5s', '--data-dir', data])).code).toBe(0);
    const r = await haven(['match', img('bridge-original.jpg'), '--dihedral', '--json', '--data-dir', data]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { matches: { list: string; variant?: string; distance: number; label?: string }[] };
    expect(out.matches).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ list: 'md5s', distance: 0, label: 'the bridge' }),
        expect.objectContaining({ list: 'rot', variant: expect.any(String) }),
      ]),
    );
    expect(out.matches.find((m) => m.list === 'rot')!.distance).toBeLessThanOrEqual(31);
  });

  it('CLI4 every command has --help', async () => {
    for (const c of [['hash'], ['hashlist'], ['hashlist', 'import'], ['match']]) {
      const r = await haven([...c, '--help']);
      expect(r.code, c.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: haven');
    }
  });
});
