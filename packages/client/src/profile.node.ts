import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Profile, type ProfileStore } from './profile';
import { ensurePrivateDir, writeFileAtomic } from './files.node.ts';

export const PROFILE_FILE = 'profile.json';

/**
 * A profile in a directory: `DIR/profile.json`, the directory 0700 when created here, the file 0600,
 * written atomically. Other per-device state (MLS keys) goes beside it through {@link writeFileAtomic}.
 *
 * @example
 * const store = new FileProfileStore(defaultProfileDir(process.env));
 */
export class FileProfileStore implements ProfileStore {
  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, PROFILE_FILE);
  }

  async load(): Promise<Profile | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`the profile ${this.path} is not valid JSON; sign in again or remove it`);
    }
    const r = Profile.safeParse(json);
    if (!r.success) throw new Error(`the profile ${this.path} is not a Haven profile; sign in again or remove it`);
    return r.data;
  }

  async save(profile: Profile): Promise<void> {
    await ensurePrivateDir(this.dir);
    await writeFileAtomic(this.path, `${JSON.stringify(Profile.parse(profile), null, 2)}\n`);
  }
}

/** `HAVEN_PROFILE`, else `$XDG_CONFIG_HOME/haven`, else `~/.config/haven`. */
export function defaultProfileDir(env: Record<string, string | undefined>): string {
  if (env.HAVEN_PROFILE) return env.HAVEN_PROFILE;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'haven');
}
