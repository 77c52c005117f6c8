// `npm run bench -- moderation [cases] [itemsPerCase]`: the moderation queue and case view with 100,000 cases
// and 1,000,000 items in PostgreSQL (HAVEN_TEST_DATABASE_URL), seeded with bulk SQL; and building a referral
// package with ten images. Targets (issue 9): queue first page and case view p99 < 50 ms; package < 1 s.
// Writes bench/results/moderation.json.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import sharp from 'sharp';
import { createAccount, loadConfig, startServer } from '../packages/server/src/index';
import { createPgDatabase } from '../testing/postgres';

const here = dirname(fileURLToPath(import.meta.url));
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export async function main(args: string[]): Promise<void> {
  if (!process.env.HAVEN_TEST_DATABASE_URL) throw new Error('set HAVEN_TEST_DATABASE_URL (PostgreSQL) to run this benchmark');
  const CASES = Number(args[0] ?? 100_000);
  const PER = Number(args[1] ?? 10);
  const SUBJECTS = Math.max(1, Math.floor(CASES / 5));
  const database = await createPgDatabase('haven_bench_mod');
  const dataDir = mkdtempSync(join(tmpdir(), 'haven-bench-mod-'));
  const server = await startServer(loadConfig({ env: {}, overrides: { dataDir, database: { url: database.url }, log: { level: 'silent' }, server: { host: '127.0.0.1', port: 0 } } }));
  try {
    const db = server.services.db;
    const t0 = performance.now();
    // Bulk seed: subjects, one live case for each, the rest closed; PER items per case; one evidence row each.
    await sql`insert into accounts (id, handle, password_hash, birth_date, age_assurance, role, region)
      select gen_random_uuid(), 'subject' || g, 'x', '1980-01-01', 'self-declared', 'user', null from generate_series(1, ${SUBJECTS}) g`.execute(db);
    await sql`insert into cases (id, subject_account_id, status, outcome, priority, priority_rank, priority_rule, due_at, created_at, updated_at, evidence_retain_until)
      select gen_random_uuid(), a.id,
        case when n = 1 then (case when random() < 0.5 then 'open' else 'in_review' end) else 'closed' end,
        case when n = 1 then null else 'no_violation' end,
        p.name, p.rank, p.rule, now() + (random() * interval '3 days'), now() - interval '1 day', now(), now() + interval '365 days'
      from (select id, row_number() over () as rn from accounts where handle like 'subject%') a
      cross join generate_series(1, ${Math.ceil(CASES / SUBJECTS)}) n
      cross join lateral (select * from (values ('urgent', 1, 'M1'), ('high', 2, 'M2'), ('normal', 3, 'M4'), ('low', 4, 'M6')) v(name, rank, rule) offset floor(random() * 4)::int limit 1) p
      limit ${CASES}`.execute(db);
    await sql`insert into case_items (id, case_id, kind, ref_id, facts, created_at)
      select gen_random_uuid(), c.id, 'signal', gen_random_uuid()::text, '{"source":"signal","subjectBand":"adult","childInvolved":false}', now()
      from cases c cross join generate_series(1, ${PER})`.execute(db);
    await sql`insert into evidence (id, case_id, item_id, kind, name, content_type, size, sha256, md5, pdq, sealed, metadata, created_at)
      select gen_random_uuid(), c.id, null, 'metadata', 'm.json', 'application/json', 2, repeat('a', 64), repeat('b', 32), null, '\\x00'::bytea, '{}', now() from cases c`.execute(db);
    await sql`analyze`.execute(db);
    const seedMs = performance.now() - t0;
    const counts = await sql<{ cases: number; items: number }>`select (select count(*) from cases)::int as cases, (select count(*) from case_items)::int as items`.execute(db);

    const mod = await createAccount(db, new Date(), { handle: 'benchmod' as never, password: 'a long password', birthDate: '1980-01-01', role: 'moderator' });
    const login = await server.app.inject({ method: 'POST', url: '/v1/sessions', payload: { handle: mod.handle, password: 'a long password' } });
    const auth = { authorization: `Bearer ${login.json().token as string}` };
    const time = async (url: string): Promise<number> => {
      const s = performance.now();
      const r = await server.app.inject({ method: 'GET', url, headers: auth });
      if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
      return performance.now() - s;
    };
    for (let i = 0; i < 20; i++) await time('/v1/mod/cases?limit=50'); // warm-up
    const queue: number[] = [];
    for (let i = 0; i < 300; i++) queue.push(await time('/v1/mod/cases?limit=50'));
    const ids = (await sql<{ id: string }>`select id from cases order by random() limit 300`.execute(db)).rows.map((r) => r.id);
    const view: number[] = [];
    for (const id of ids) view.push(await time(`/v1/mod/cases/${id}`));

    // A referral package with ten images: a case with ten preserved images, referred, then built.
    const { preserve } = await import('../packages/server/src/moderation/evidence.node.ts');
    const { refer, referralPackage } = await import('../packages/server/src/moderation/referrals.node.ts');
    const subject = await createAccount(db, new Date(), { handle: 'benchsubject' as never, password: 'a long password', birthDate: '1980-01-01' });
    const caseId = randomUUID();
    const now = new Date();
    await db.insertInto('cases').values({ id: caseId, subject_account_id: subject.id, status: 'in_review', outcome: null, priority: 'urgent', priority_rank: 1, priority_rule: 'M1', due_at: now, assignee_id: mod.id, claimed_at: now, evidence_retain_until: new Date(now.getTime() + 86_400_000), evidence_purged_at: null, created_at: now, updated_at: now }).execute();
    for (let i = 0; i < 10; i++) {
      const img = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: (i * 25) % 255, g: 100, b: 200 } } }).png().toBuffer();
      await db.transaction().execute((tx) => preserve(server.services, tx, { caseId, itemId: null, kind: 'attachment', name: `image-${i}.png`, contentType: 'image/png', bytes: img, metadata: { i } }, now));
    }
    const caller = { accountId: mod.id, deviceId: randomUUID(), handle: mod.handle, displayName: null, role: 'moderator' as const, tokenHash: '', expiresAt: new Date(8.64e15) };
    const referral = await refer(server.services, caller, caseId, 'bench');
    const pkgTimes: number[] = [];
    let files = 0;
    for (let i = 0; i < 10; i++) {
      const s = performance.now();
      files = (await referralPackage(server.services, caller, referral.id)).files.length;
      pkgTimes.push(performance.now() - s);
    }
    const result = {
      when: new Date().toISOString(),
      database: 'postgres',
      cases: counts.rows[0]!.cases,
      items: counts.rows[0]!.items,
      seedSeconds: Math.round(seedMs / 100) / 10,
      queueFirstPageMs: { p50: pct(queue, 50), p99: pct(queue, 99), n: queue.length },
      caseViewMs: { p50: pct(view, 50), p99: pct(view, 99), n: view.length },
      referralPackageTenImagesMs: { p50: pct(pkgTimes, 50), max: Math.max(...pkgTimes), files },
      targets: { queueP99Ms: 50, caseViewP99Ms: 50, referralPackageMs: 1000 },
      loadAverage: (await import('node:os')).loadavg(),
    };
    const round = (o: unknown): unknown => JSON.parse(JSON.stringify(o, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v)));
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'moderation.json'), `${JSON.stringify(round(result), null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(round(result), null, 2)}\n`);
  } finally {
    await server.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
