import { z } from 'zod';
import { AccountId, DeviceId } from '@haven/protocol';

/**
 * What a client remembers between runs: which server, who is signed in, and on which device. The token
 * is a secret: stores keep it out of reach of other users (files 0600) and never log it.
 */
export const Profile = z.object({
  v: z.literal(1).default(1),
  server: z.string().url(),
  handle: z.string().optional(),
  accountId: AccountId.optional(),
  /** Kept after logout, so the next login re-uses this device (and its queue and keys). */
  deviceId: DeviceId.optional(),
  token: z.string().optional(),
  expiresAt: z.string().optional(),
});
export type Profile = z.infer<typeof Profile>;

/** Where a profile lives: a directory in Node, IndexedDB or memory in the browser. */
export interface ProfileStore {
  /** `undefined` when nothing was saved yet; throws when what is there is unreadable. */
  load(): Promise<Profile | undefined>;
  save(profile: Profile): Promise<void>;
}

/** A profile kept in memory only (tests, the browser before IndexedDB). */
export class MemoryProfileStore implements ProfileStore {
  #profile: Profile | undefined;
  constructor(initial?: Profile) {
    this.#profile = initial;
  }
  async load(): Promise<Profile | undefined> {
    return this.#profile && { ...this.#profile };
  }
  async save(profile: Profile): Promise<void> {
    this.#profile = Profile.parse(profile);
  }
}
