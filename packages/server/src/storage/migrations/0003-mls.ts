import { sql, type Kysely, type Migration } from 'kysely';

// MLS Delivery/Authentication Service: the device directory (pinned signature keys), key packages, each
// conversation's group (epoch + public roster), device-targeted messages and franking tags on messages,
// and verified franked reports. Never edit once landed.

export const mls: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('mls_devices')
      .addColumn('device_id', 'uuid', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
      .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('signature_key', 'bytea', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('mls_devices_account').on('mls_devices').column('account_id').execute();

    await db.schema
      .createTable('mls_key_packages')
      .addColumn('ref', 'text', (c) => c.primaryKey())
      .addColumn('device_id', 'uuid', (c) => c.notNull().references('devices.id').onDelete('cascade'))
      .addColumn('suite', 'text', (c) => c.notNull())
      .addColumn('last_resort', 'boolean', (c) => c.notNull())
      .addColumn('not_after', 'bigint', (c) => c.notNull())
      .addColumn('key_package', 'bytea', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('mls_key_packages_device').on('mls_key_packages').columns(['device_id', 'last_resort', 'suite']).execute();

    await db.schema
      .createTable('mls_groups')
      .addColumn('conversation_id', 'uuid', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
      .addColumn('epoch', 'integer', (c) => c.notNull())
      .addColumn('roster', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();

    await db.schema.alterTable('messages').addColumn('recipient_device_id', 'uuid').execute();
    await db.schema.alterTable('messages').addColumn('franking_key_id', 'text').execute();
    await db.schema.alterTable('messages').addColumn('franking_tag', 'bytea').execute();
    // SHA-256 of an MLS application message's bytes: the same ciphertext twice is a replay.
    await db.schema.alterTable('messages').addColumn('mls_digest', 'bytea').execute();
    await db.schema.createIndex('messages_mls_digest').on('messages').columns(['conversation_id', 'mls_digest']).execute();

    await db.schema
      .createTable('franked_reports')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('reporter_account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('reporter_device_id', 'uuid', (c) => c.notNull())
      .addColumn('message_id', 'uuid', (c) => c.notNull())
      .addColumn('conversation_id', 'uuid', (c) => c.notNull())
      .addColumn('sender_account_id', 'uuid', (c) => c.notNull())
      .addColumn('sender_device_id', 'uuid', (c) => c.notNull())
      .addColumn('message_sent_at', 'timestamptz', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('franking_key_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
};
