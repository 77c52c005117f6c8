import { hash, verify, type Options } from '@node-rs/argon2';
import { randomUUID } from 'node:crypto';
import { HavenError, foldName, type AccountSelf, type RegisterRequest, type Role, type SessionResponse } from '@haven/protocol';
import { regionFromInput, type RegionCode } from '@haven/safety';
import type { Kysely } from 'kysely';
import type { AccountRow, Database } from '../storage/database';
import { anyHandleFoldsTo, findAccountByHandle, insertAccount, setAccountRegion } from '../storage/repos/accounts';
import { findDevice, insertDevice, touchDevice } from '../storage/repos/devices';
import { deleteSession, findSession, insertSession } from '../storage/repos/sessions';
import { ageBandOf } from './age';
import { removeDeviceOf } from './devices';
import { appendAudit } from '../admin/audit';
import type { Caller, Services } from './context';
import { hashToken, newToken } from './tokens.node.ts';
import { accountSelf } from './views';
import { inTransaction } from '../storage/transaction';

const MIN_PASSWORD = 10;
// Argon2id (the const enum's value 2; const enums cannot be imported under verbatimModuleSyntax).
const ARGON2: Options = { algorithm: 2 };
// Verifying against this when the handle is unknown keeps login time the same for both failures.
let dummyHash: Promise<string> | undefined;

export interface NewAccountInput extends RegisterRequest {
  role?: Role;
}

/**
 * Creates an account (password hashed with argon2id). Works on a bare database, so `haven admin
 * create-user` can use it before the server runs.
 */
export async function createAccount(db: Kysely<Database>, now: Date, input: NewAccountInput, timeZone?: string, actor?: { id: string | null; handle: string }): Promise<AccountSelf> {
  // Creating a moderator or an admin is written to the audit log with the account, in one transaction.
  if ((input.role ?? 'user') === 'user') return accountSelf(await insertNewAccount(db, now, input, timeZone), now, timeZone);
  const row = await inTransaction(db, async (tx) => {
    const a = await insertNewAccount(tx, now, input, timeZone);
    await appendAudit(tx, now, { actorId: actor?.id ?? null, actorHandle: actor?.handle ?? 'cli:admin create-user', action: 'account.create_staff', target: `account:${a.handle}`, reason: `role ${a.role}`, details: { role: a.role } });
    return a;
  });
  return accountSelf(row, now, timeZone);
}

/** Suspended now: a ban (no end) or a suspension that has not ended yet. */
export function isSuspended(a: Pick<AccountRow, 'status' | 'suspended_until'>, now: Date): boolean {
  return a.status === 'suspended' && (a.suspended_until === null || a.suspended_until.getTime() > now.getTime());
}

async function insertNewAccount(db: Kysely<Database>, now: Date, input: NewAccountInput, timeZone?: string): Promise<AccountRow> {
  const age = ageBandOf(input.birthDate, now, timeZone);
  if (!age.ok) throw new HavenError(age.code);
  if (input.password.length < MIN_PASSWORD) throw new HavenError('account.weak_password');
  if (input.displayName !== undefined) await assertNameIsNoHandle(db, input.displayName, input.handle);
  const region = input.region === undefined ? null : regionOf(input.region);
  const row = await insertAccount(db, {
    id: randomUUID(),
    handle: input.handle,
    display_name: input.displayName ?? null,
    password_hash: await hash(input.password, ARGON2),
    birth_date: input.birthDate,
    age_assurance: 'self-declared',
    role: input.role ?? 'user',
    region,
  });
  if (!row) throw new HavenError('account.handle_taken');
  return row;
}

/**
 * A region as a person gives it (a police force area's name in any usual spelling or its ONS code, or
 * Scotland, Northern Ireland, elsewhere), as its code (F3); anything else is `account.unknown_region`.
 */
export function regionOf(input: string): RegionCode {
  const code = regionFromInput(input);
  if (code === undefined) throw new HavenError('account.unknown_region');
  return code;
}

/** Sets or removes the caller's own region; it is never shown to other users. */
export async function updateOwnRegion(s: Services, caller: Caller, region: string | null): Promise<AccountSelf> {
  const row = await setAccountRegion(s.db, caller.accountId, region === null ? null : regionOf(region));
  if (!row) throw new HavenError('auth.invalid_token');
  return accountSelf(row, s.now(), s.policy.timeZone, s.policy.safeguards.nudityWarnings);
}

/**
 * A display name must not pass for another account: not its handle, with or without "@", nor a
 * look-alike of it ("b0b" for "bob"). The rest of the name rules are the protocol's (DisplayName).
 */
async function assertNameIsNoHandle(db: Kysely<Database>, displayName: string, ownHandle: string): Promise<void> {
  const plain = displayName.trim().replace(/^@+/, '').toLowerCase();
  if (!/^[\p{L}\p{N}_.@$!|]{3,32}$/u.test(plain)) return;
  // Both sides folded the same way: "h4rd" and "hard" are one name whichever of them is the handle.
  if (await anyHandleFoldsTo(db, foldName(plain), ownHandle)) throw new HavenError('account.display_name_taken');
}

/** Creates an account and signs it in on a new device (the password is hashed once, not verified again). */
export async function register(s: Services, input: RegisterRequest): Promise<SessionResponse> {
  const account = await insertNewAccount(s.db, s.now(), input, s.policy.timeZone);
  return startSession(s, account, undefined, null);
}

export async function login(s: Services, input: { handle: string; password: string; deviceId?: string | undefined; deviceName?: string | undefined }): Promise<SessionResponse> {
  const account = await findAccountByHandle(s.db, input.handle);
  if (!account) {
    dummyHash ??= hash('not a real password', ARGON2);
    await verify(await dummyHash, input.password);
    throw new HavenError('auth.bad_credentials');
  }
  if (!(await verify(account.password_hash, input.password))) throw new HavenError('auth.bad_credentials');
  if (isSuspended(account, s.now())) throw new HavenError('account.suspended');
  return startSession(s, account, input.deviceId, input.deviceName ?? null);
}

/** A new session on an existing device of the account, or on a new device when `existingDeviceId` is absent. */
async function startSession(s: Services, account: AccountRow, existingDeviceId: string | undefined, deviceName: string | null): Promise<SessionResponse> {
  const now = s.now();
  let deviceId: string;
  if (existingDeviceId) {
    const device = await findDevice(s.db, account.id, existingDeviceId);
    if (!device) throw new HavenError('device.not_found');
    deviceId = device.id;
  } else {
    deviceId = (await insertDevice(s.db, { id: randomUUID(), account_id: account.id, name: deviceName })).id;
  }
  const token = newToken();
  const expiresAt = new Date(now.getTime() + s.config.sessions.ttlSeconds * 1000);
  await insertSession(s.db, { token_hash: hashToken(token), account_id: account.id, device_id: deviceId, expires_at: expiresAt });
  await touchDevice(s.db, deviceId, now);
  return { token, expiresAt: expiresAt.toISOString(), account: accountSelf(account, now, s.policy.timeZone, s.policy.safeguards.nudityWarnings), deviceId: deviceId as SessionResponse['deviceId'] };
}

/** The caller behind a session token; 401 codes for unknown, expired and suspended sessions. */
export async function authenticate(s: Services, token: string): Promise<Caller> {
  const tokenHash = hashToken(token);
  const session = await findSession(s.db, tokenHash);
  if (!session) throw new HavenError('auth.invalid_token');
  if (session.expiresAt.getTime() <= s.now().getTime()) {
    await deleteSession(s.db, tokenHash);
    throw new HavenError('auth.expired_token');
  }
  if (isSuspended(session.account, s.now())) throw new HavenError('account.suspended');
  return { accountId: session.account.id, deviceId: session.deviceId, handle: session.account.handle, displayName: session.account.display_name, role: session.account.role, tokenHash, expiresAt: session.expiresAt };
}

/**
 * Logging out removes the device (issue 13 item 8): every session of it ends, its key packages go, and
 * members' clients commit its removal from every encrypted group. The next login is a new device.
 */
export async function logout(s: Services, caller: Caller): Promise<void> {
  await removeDeviceOf(s, caller, caller.deviceId, { self: true });
}
