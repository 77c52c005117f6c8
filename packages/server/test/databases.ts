import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { postgres } from '../../../testing/env';
import { openStorage, type Storage } from '../src/storage/connect';
import type { ConversationRow, Database } from '../src/storage/database';
import { insertAccount } from '../src/storage/repos/accounts';
import { insertConversation } from '../src/storage/repos/conversations';
import { insertDevice } from '../src/storage/repos/devices';
import type { PlainMessage } from '../src/storage/repos/messages';

// Each test gets its own database: PGlite in memory, or a fresh uniquely named PostgreSQL database
// (several helpers share one PostgreSQL server), dropped afterwards.

export const PG = postgres();

import { createPgDatabase } from '../../../testing/postgres';

export { createPgDatabase };

export interface Target {
  name: 'pglite' | 'postgres';
  skip: boolean;
  reason: string;
  open(): Promise<Storage & { dispose(): Promise<void> }>;
}

export const TARGETS: Target[] = [
  {
    name: 'pglite',
    skip: false,
    reason: '',
    async open() {
      const s = await openStorage({});
      return { ...s, dispose: () => s.close() };
    },
  },
  {
    name: 'postgres',
    skip: !PG.available,
    reason: PG.reason,
    async open() {
      const database = await createPgDatabase();
      const s = await openStorage({ databaseUrl: database.url, poolSize: 10 });
      return {
        ...s,
        async dispose() {
          await s.close();
          await database.drop();
        },
      };
    },
  },
];

/** The database of the test that is running, in a suite of `describeOnDatabases`. */
export interface TestDatabase {
  readonly db: Kysely<Database>;
  readonly kind: Storage['kind'];
}

/**
 * Declares `suite` once per target (PGlite, and PostgreSQL when it is available), each test on a fresh
 * database opened before it and dropped after it; with `{ shared: true }`, one database for the whole
 * suite, opened before its first test and dropped after its last (for suites whose tests keep apart by
 * their own ids). `storage` reads the running test's database.
 *
 * @example describeOnDatabases('storage', (storage) => { it('…', async () => { await insertAccount(storage.db, …); }); });
 */
export function describeOnDatabases(title: string, suite: (storage: TestDatabase) => void, opts: { shared?: boolean } = {}): void {
  for (const target of TARGETS) {
    describe.skipIf(target.skip)(`${title} on ${target.name}${target.skip ? ` (skipped: ${target.reason})` : ''}`, () => {
      let open: (Storage & { dispose(): Promise<void> }) | undefined;
      const before = opts.shared ? beforeAll : beforeEach;
      const after = opts.shared ? afterAll : afterEach;
      before(async () => {
        open = await target.open();
      });
      after(async () => {
        await open?.dispose();
        open = undefined;
      });
      const running = (): Storage => {
        if (!open) throw new Error('The test database exists only while a test runs.');
        return open;
      };
      suite({
        get db() {
          return running().db;
        },
        get kind() {
          return running().kind;
        },
      });
    });
  }
}

/** An adult account with one device, for storage tests: `{ id, device }`. */
export async function seedAccount(db: Kysely<Database>, handle: string): Promise<{ id: string; device: string }> {
  const a = await insertAccount(db, {
    id: randomUUID(),
    handle,
    display_name: null,
    password_hash: 'x',
    birth_date: '1990-01-01',
    age_assurance: 'self-declared',
    role: 'user',
    region: null,
  });
  if (!a) throw new Error(`The handle ${handle} is taken.`);
  const d = await insertDevice(db, { id: randomUUID(), account_id: a.id, name: null });
  return { id: a.id, device: d.id };
}

/** The `visible` direct conversation of `a` and `b` (created, or the one that exists). */
export async function seedDirect(db: Kysely<Database>, a: string, b: string): Promise<ConversationRow> {
  const c = await insertConversation(
    db,
    { id: randomUUID(), kind: 'direct', title: null, mode: 'visible', mode_reason_code: 'mode.default_visible', created_by: a, direct_key: [a, b].sort().join(':') },
    [a, b],
  );
  return c.row;
}

/** A three-byte message from `sender`'s device into `conversation`, with the client's id `clientId`. */
export function plainMessage(conversation: string, sender: { id: string; device: string }, clientId: string): PlainMessage {
  return {
    id: randomUUID(),
    conversation_id: conversation,
    sender_account_id: sender.id,
    sender_device_id: sender.device,
    client_message_id: clientId,
    content_type: 'application/octet-stream',
    body: new Uint8Array([1, 2, 3]),
    sent_at: new Date(),
  };
}
