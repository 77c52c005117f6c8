import { chmodSync, existsSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { CreateUserRequest, HavenError, errorBody } from '@haven/protocol';
import type { Logger } from 'pino';
import { issueDetails } from '../http/errors';
import { createAccount } from '../services/accounts';
import type { Services } from '../services/context';

// The embedded database belongs to one process. While the server holds it, `haven admin create-user`
// reaches it through this socket instead (docs/decisions/0006-hardening.md): a Unix socket in the data
// directory, mode 0600, so only the operating-system user who owns the data, and could open the database
// directly when the server is stopped, can use it. It does one thing: create an account.

/** `<dataDir>/admin.sock`. */
export const adminSocketPath = (dataDir: string): string => join(dataDir, 'admin.sock');

/** The one request the socket serves. */
export const ADMIN_SOCKET_ROUTE = { method: 'POST', path: '/admin/users' } as const;

const MAX_BODY = 64 * 1024;
// Unix socket paths are limited to about 107 bytes.
const MAX_SOCKET_PATH = 100;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HavenError('request.too_large');
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HavenError('request.malformed_json');
  }
}

/**
 * Listens on `<dataDir>/admin.sock` (not on Windows, nor where the path is too long for a socket);
 * returns its close function, or `undefined` when it does not listen.
 */
export async function listenAdminSocket(s: Services, log: Logger): Promise<(() => Promise<void>) | undefined> {
  const path = adminSocketPath(s.config.dataDir);
  if (process.platform === 'win32' || Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    log.warn({ path }, 'no local admin socket (unsupported platform or path too long): stop the server to run `haven admin create-user`');
    return undefined;
  }
  // This process holds the data directory's lock, so a socket file left there is stale.
  if (existsSync(path)) rmSync(path, { force: true });
  const server: Server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      try {
        if (req.method !== ADMIN_SOCKET_ROUTE.method || req.url !== ADMIN_SOCKET_ROUTE.path) throw new HavenError('request.not_found');
        const parsed = CreateUserRequest.safeParse(await readJson(req));
        if (!parsed.success) throw new HavenError('request.invalid', 'The account is not valid.', issueDetails(parsed.error));
        const account = await createAccount(s.db, s.now(), parsed.data, s.policy.timeZone);
        log.info({ account: account.id, role: account.role }, 'account created through the local admin socket');
        answer(201, account);
      } catch (e) {
        if (e instanceof HavenError) return answer(e.status, e.toBody());
        log.error({ err: e }, 'local admin socket request failed');
        answer(500, errorBody('server.internal'));
      }
    })();
  });
  // Created owner-only from the start (umask), and set so again in case the umask was ignored.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } catch (err) {
    log.warn({ err, path }, 'no local admin socket: stop the server to run `haven admin create-user`');
    return undefined;
  } finally {
    process.umask(oldMask);
  }
  chmodSync(path, 0o600);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        rmSync(path, { force: true });
        resolve();
      });
      server.closeAllConnections();
    });
}
