import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileProfileStore, defaultProfileDir } from './profile.node.ts';
import type { Profile } from './profile';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'haven-profile-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const profile: Profile = {
  v: 1,
  server: 'http://127.0.0.1:8080',
  handle: 'alice',
  accountId: '00000000-0000-4000-8000-000000000001' as Profile['accountId'],
  deviceId: '00000000-0000-4000-8000-000000000002' as Profile['deviceId'],
  token: 'secret-token',
  expiresAt: '2030-01-01T00:00:00.000Z',
};

describe('FileProfileStore', () => {
  it('creates the directory 0700 and the file 0600, and reads back what it wrote', async () => {
    const dir = join(root, 'nested', 'haven');
    const store = new FileProfileStore(dir);
    expect(await store.load()).toBeUndefined();
    await store.save(profile);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect(await store.load()).toEqual(profile);
  });

  it('replaces the file atomically and leaves no temporary files', async () => {
    const store = new FileProfileStore(root);
    await store.save(profile);
    await store.save({ ...profile, token: 'second' });
    expect(await readdir(root)).toEqual(['profile.json']);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await store.load())?.token).toBe('second');
  });

  it('does not loosen or tighten a directory the user already has', async () => {
    const store = new FileProfileStore(root);
    const before = (await stat(root)).mode & 0o777;
    await store.save(profile);
    expect((await stat(root)).mode & 0o777).toBe(before);
  });

  it('refuses a corrupt or foreign profile with a sentence naming the file', async () => {
    const store = new FileProfileStore(root);
    await writeFile(store.path, '{ not json');
    await expect(store.load()).rejects.toThrow(/profile\.json is not valid JSON/);
    await writeFile(store.path, JSON.stringify({ server: 'not a url' }));
    await expect(store.load()).rejects.toThrow(/not a Haven profile/);
  });

  it('never writes anything but the profile fields', async () => {
    const store = new FileProfileStore(root);
    await store.save({ ...profile, extra: 'x' } as Profile);
    expect(JSON.parse(await readFile(store.path, 'utf8'))).not.toHaveProperty('extra');
  });
});

describe('defaultProfileDir', () => {
  it('prefers HAVEN_PROFILE, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(defaultProfileDir({ HAVEN_PROFILE: '/p', XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/p');
    expect(defaultProfileDir({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/haven');
    expect(defaultProfileDir({ HOME: '/h' })).toBe('/h/.config/haven');
  });
});
