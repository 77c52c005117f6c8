import { postgres } from '../../../testing/env';
import { openStorage, type Storage } from '../src/storage/connect';

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
