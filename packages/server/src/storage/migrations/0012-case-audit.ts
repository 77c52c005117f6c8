import { sql, type Kysely, type Migration } from 'kysely';

// The audit trail of one moderation case (issue 14 item 5): the log is read by target (`case:<id>`,
// `decision:<id>`, `evidence:<id>`) and by the case id that decisions and appeals carry in their details.
// Never edit once landed.

export const caseAudit: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`create index audit_log_target on audit_log (target)`.execute(db);
    await sql`create index audit_log_case on audit_log ((details::jsonb ->> 'caseId'))`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop index audit_log_case`.execute(db);
    await sql`drop index audit_log_target`.execute(db);
  },
};
