import { sql, type Kysely, type Migration } from 'kysely';

// Devices (issue 15 and issue 13 item 8, docs/decisions/0011-device-linking.md): a removed device stays
// as a row (who removed it, when) so history can name it; each account's identity key; each linked
// device's certificate; and device links relayed between an existing device and a new one. Never edit
// once landed.

export const devices: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('devices').addColumn('removed_at', 'timestamptz').execute();
    await db.schema.alterTable('devices').addColumn('removed_by_device_id', 'uuid').execute();

    await db.schema
      .createTable('account_keys')
      .addColumn('account_id', 'uuid', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
      .addColumn('public_key', 'bytea', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();

    await db.schema
      .createTable('device_certificates')
      .addColumn('device_id', 'uuid', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
      .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('account_key', 'bytea', (c) => c.notNull())
      .addColumn('certificate', 'bytea', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('device_certificates_account').on('device_certificates').column('account_id').execute();

    await db.schema
      .createTable('device_links')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('offered_by_device_id', 'uuid', (c) => c.notNull())
      .addColumn('request', 'bytea')
      .addColumn('requested_by_device_id', 'uuid')
      .addColumn('response', 'bytea')
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
};
