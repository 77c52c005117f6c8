import { Option, type Command } from 'commander';
import { Handle, HavenError } from '@haven/protocol';
import { FileProfileStore, HavenClient, Messenger, defaultCodecs, defaultProfileDir, type CodecSelector, type Profile } from '@haven/client/node';
import { UsageError } from './output';

/** Options every account command takes. */
export interface ProfileOptions {
  profile?: string;
}

/** Adds `--profile DIR` (default HAVEN_PROFILE, else ~/.config/haven). */
export function withProfile(cmd: Command): Command {
  return cmd.addOption(
    new Option('--profile <dir>', 'profile directory with the session (default: $HAVEN_PROFILE or ~/.config/haven)'),
  );
}

export function withJson(cmd: Command, what = 'print JSON for scripts'): Command {
  return cmd.option('--json', what);
}

export function profileStore(opts: ProfileOptions): FileProfileStore {
  return new FileProfileStore(opts.profile ?? defaultProfileDir(process.env));
}

export interface SignedIn {
  store: FileProfileStore;
  profile: Profile & { token: string; handle: string };
  client: HavenClient;
  messenger: Messenger;
}

/** The signed-in session of the profile, or a clear error telling how to sign in. */
export async function signedIn(opts: ProfileOptions): Promise<SignedIn> {
  const store = profileStore(opts);
  const profile = await store.load();
  if (!profile?.token || !profile.handle) {
    throw new HavenError('auth.required', `Not signed in with the profile in ${store.dir}: run \`haven login\` or \`haven register\` first.`);
  }
  if (profile.expiresAt && Date.parse(profile.expiresAt) <= Date.now()) {
    throw new HavenError('auth.expired_token', 'The session has expired; sign in again with `haven login`.');
  }
  const client = new HavenClient({ serverUrl: profile.server, token: profile.token });
  const messenger = new Messenger(client, { codecs: codecsFor(store, client) });
  return { store, profile: profile as SignedIn['profile'], client, messenger };
}

/**
 * The codecs this CLI reads and writes messages with. The one place the e2ee (MLS) codec plugs in: it
 * keeps its state beside the profile (`store.dir`) and needs the client for key packages.
 */
export function codecsFor(store: FileProfileStore, client: HavenClient): CodecSelector {
  void store;
  void client;
  return defaultCodecs;
}

/** Parses a handle from the command line; a malformed one is a usage error (exit 2). */
export function handleArg(raw: string): string {
  const r = Handle.safeParse(raw.replace(/^@/, ''));
  if (!r.success) throw new UsageError(`"${raw}" is not a handle: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}
