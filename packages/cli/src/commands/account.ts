import type { Command } from 'commander';
import { HavenError, IsoDate, type SessionResponse } from '@haven/protocol';
import { normaliseServerUrl, type Profile } from '@haven/client/node';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { clientFor, e2eeOf, handleArg, profileStore, signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { acceptLink } from './devices';
import { UsageError, printJson, printLine } from '../output';
import { readPassword } from '../password';

interface AuthOptions extends ProfileOptions {
  server?: string;
  handle: string;
  passwordStdin?: boolean;
  deviceName?: string;
  json?: boolean;
}

/** register, login, logout, whoami. */
export function register(program: Command): void {
  withJson(
    withProfile(
      program
        .command('register')
        .description('create an account and sign in on this device')
        .option('--server <url>', 'server address, e.g. http://127.0.0.1:8080 (remembered in the profile)')
        .requiredOption('--handle <handle>', 'your handle: 3–32 letters, digits, "_" or "."')
        .requiredOption('--birth-date <YYYY-MM-DD>', 'your date of birth (Haven is for people aged 13 and over)')
        .option('--password-stdin', 'read the password from standard input instead of prompting')
        .option('--region <region>', 'your region (a police force area, Scotland, Northern Ireland, elsewhere); never shown to others; change it with `haven region`'),
    ),
  ).action(async (opts: AuthOptions & { birthDate: string; region?: string }) => {
    const prev = opts.server ? undefined : await profileStore(opts).load().catch(() => undefined);
    const server = opts.server ? serverArg(opts.server) : prev?.server;
    if (!server) throw new UsageError('which server? pass --server URL (it is remembered afterwards)');
    const handle = handleArg(opts.handle);
    const birth = IsoDate.safeParse(opts.birthDate);
    if (!birth.success) throw new UsageError(`--birth-date ${opts.birthDate}: ${birth.error.issues[0]?.message ?? 'invalid'}`);
    const password = await readPassword({ stdin: !!opts.passwordStdin, prompt: 'Choose a password: ', confirm: true });
    const client = clientFor(server);
    // The server signs in on a new device at sign-up.
    const session = await client.register({ handle: handle as never, password, birthDate: birth.data, ...(opts.region ? { region: opts.region } : {}) });
    // The account's first device makes the account identity key (issue 15).
    await saveSession(opts, server, session, { first: true });
    if (opts.json) printJson(sessionSummary(server, session));
    else printLine(`Registered ${session.account.handle} (${session.account.ageBand}) on ${server}; signed in on device ${session.deviceId}.`);
  });

  withJson(
    withProfile(
      program
        .command('login')
        .description('sign in (re-uses this profile\'s device when it is the same account)')
        .option('--server <url>', 'server address (default: the one in the profile)')
        .requiredOption('--handle <handle>', 'your handle')
        .option('--password-stdin', 'read the password from standard input instead of prompting')
        .option('--device-name <name>', 'a name for this device when it is new')
        .option('--link <code>', 'link this new device with the code `haven devices link` shows on one of your linked devices'),
    ),
  ).action(async (opts: AuthOptions & { link?: string }) => {
    const store = profileStore(opts);
    const prev = await store.load().catch(() => undefined);
    const server = opts.server ? serverArg(opts.server) : prev?.server;
    if (!server) throw new UsageError('which server? pass --server URL (it is remembered afterwards)');
    const handle = handleArg(opts.handle);
    const password = await readPassword({ stdin: !!opts.passwordStdin, prompt: `Password for ${handle}: ` });
    const client = clientFor(server);
    const sameAccount = prev && prev.server === server && prev.handle === handle;
    let session: SessionResponse;
    try {
      session = await client.login({ handle, password, deviceId: sameAccount ? prev.deviceId : undefined, deviceName: opts.deviceName });
    } catch (e) {
      // The remembered device may be gone (removed on another device); sign in as a new one.
      if (!(e instanceof HavenError && e.code === 'device.not_found')) throw e;
      session = await client.login({ handle, password, deviceName: opts.deviceName });
    }
    const linked = await saveSession(opts, server, session);
    if (opts.json) printJson({ ...sessionSummary(server, session), linked });
    else printLine(`Signed in as ${session.account.handle} on ${server} (device ${session.deviceId}).`);
    if (opts.link) {
      const { e2ee } = await signedIn(opts);
      await acceptLink(await e2ee(), opts.link);
    } else if (!linked && !opts.json) {
      printLine('This device is not linked yet, so it cannot join or read end-to-end encrypted conversations.');
      printLine('On one of your linked devices run `haven devices link`, then here: haven devices accept CODE');
    }
  });

  withProfile(program.command('logout').description('end this session on the server and forget its token')).action(
    async (opts: ProfileOptions) => {
      const store = profileStore(opts);
      const profile = await store.load();
      if (!profile?.token) {
        printLine('Not signed in.');
        return;
      }
      const client = clientFor(profile.server, profile.token);
      try {
        await client.logout();
      } catch (e) {
        // A token the server no longer knows is as good as logged out; anything else is reported.
        if (!(e instanceof HavenError && (e.code === 'auth.invalid_token' || e.code === 'auth.expired_token'))) throw e;
      }
      // Logging out removes this device (issue 13 item 8): its keys and decrypted messages go too.
      if (profile.deviceId) await rm(join(store.dir, `e2ee-${profile.deviceId}`), { recursive: true, force: true });
      const { token: _token, expiresAt: _expiresAt, deviceId: _deviceId, ...rest } = profile;
      await store.save(rest);
      printLine(`Signed out ${profile.handle ?? ''} from ${profile.server}.`.replace('  ', ' '));
    },
  );

  withJson(withProfile(program.command('whoami').description('show the signed-in account'))).action(
    async (opts: ProfileOptions & { json?: boolean }) => {
      const { client, profile } = await signedIn(opts);
      const me = await client.me();
      if (opts.json) {
        printJson({ ...me, server: profile.server, deviceId: profile.deviceId ?? null });
        return;
      }
      printLine(`${me.handle}${me.displayName ? ` (${me.displayName})` : ''} on ${profile.server}`);
      printLine(`  account ${me.id}, device ${profile.deviceId ?? 'unknown'}`);
      printLine(`  ${me.ageBand}, age ${me.ageAssurance}, role ${me.role}`);
    },
  );
}

function serverArg(raw: string): string {
  try {
    return normaliseServerUrl(raw);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** Saves the session and uploads key packages; answers whether this device is linked. */
async function saveSession(opts: ProfileOptions, server: string, s: SessionResponse, how: { first?: boolean } = {}): Promise<boolean> {
  const profile: Profile = {
    v: 1,
    server,
    handle: s.account.handle,
    accountId: s.account.id,
    deviceId: s.deviceId,
    token: s.token,
    expiresAt: s.expiresAt,
  };
  const store = profileStore(opts);
  await store.save(profile);
  // This device's MLS key packages, so others can start end-to-end encrypted conversations with it.
  try {
    const engine = await e2eeOf(store, clientFor(server, s.token), profile)();
    if (how.first) await engine.createAccountKey();
    await engine.ensureKeyPackages();
    return engine.linked;
  } catch (e) {
    process.stderr.write(`haven: could not upload this device's encryption keys yet (${e instanceof Error ? e.message : String(e)}); they are uploaded on the next send or inbox\n`);
    return false;
  }
}

/** What scripts may see of a session: never the token. */
function sessionSummary(server: string, s: SessionResponse) {
  return { server, account: s.account, deviceId: s.deviceId, expiresAt: s.expiresAt };
}
