import { Option, type Command } from 'commander';
import { Handle, HavenError } from '@haven/protocol';
import {
  FileProfileStore,
  HavenClient,
  Messenger,
  defaultProfileDir,
  nodeFetch,
  e2eeCodecs,
  type CodecSelector,
  type E2eeEngine,
  type Profile,
} from '@haven/client/node';
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

/**
 * A client of the server at `serverUrl`. Its JSON calls go over node:http: Node's fetch takes a command
 * about a quarter of a second to load and to let go of (http.node.ts in the SDK).
 */
export function clientFor(serverUrl: string, token?: string): HavenClient {
  return new HavenClient({ serverUrl, token, fetch: nodeFetch });
}

export interface SignedIn {
  store: FileProfileStore;
  profile: Profile & { token: string; handle: string };
  client: HavenClient;
  messenger: Messenger;
  /** This device's end-to-end encryption (opened on first use). */
  e2ee: () => Promise<E2eeEngine>;
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
  const client = clientFor(profile.server, profile.token);
  const e2ee = e2eeOf(store, client, profile);
  const messenger = new Messenger(client, { codecs: codecsFor(e2ee) });
  return { store, profile: profile as SignedIn['profile'], client, messenger, e2ee };
}

/**
 * The profile device's e2ee engine, opened once on first use (state in `<profile>/e2ee-<deviceId>/`);
 * the MLS code loads then too (see e2ee.ts).
 */
export function e2eeOf(store: FileProfileStore, client: HavenClient, profile: Profile): () => Promise<E2eeEngine> {
  let engine: Promise<E2eeEngine> | undefined;
  return () => {
    const { accountId, deviceId } = profile;
    if (!accountId || !deviceId) {
      return Promise.reject(new HavenError('auth.required', 'The profile names no device; sign in again with `haven login`.'));
    }
    return (engine ??= import('./e2ee').then(({ openProfileE2ee }) => openProfileE2ee(store.dir, client, { accountId, deviceId })));
  };
}

/**
 * The codecs this CLI reads and writes messages with: visible payloads, and MLS for e2ee conversations
 * (state beside the profile, see {@link e2eeOf}).
 */
export function codecsFor(e2ee: () => Promise<E2eeEngine>): CodecSelector {
  return e2eeCodecs(e2ee);
}

/** Parses a handle from the command line; a malformed one is a usage error (exit 2). */
export function handleArg(raw: string): string {
  const r = Handle.safeParse(raw.replace(/^@/, ''));
  if (!r.success) throw new UsageError(`"${raw}" is not a handle: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}
