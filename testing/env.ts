import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Shared by every test: where optional services and reference data are, and what to do when they are missing.
// Outside CI a missing dependency skips with a message naming it; with HAVEN_TEST_REQUIRE_ALL=1 it fails.

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REQUIRE_ALL = process.env.HAVEN_TEST_REQUIRE_ALL === '1';

/** `../shared` beside the checkout, or HAVEN_SHARED_DIR. */
export const SHARED_DIR = process.env.HAVEN_SHARED_DIR ?? resolve(REPO_ROOT, '..', 'shared');

export interface Dependency {
  available: boolean;
  /** Why it is missing, for the skip message. */
  reason: string;
  value: string;
}

function dependency(value: string | undefined, reason: string): Dependency {
  if (value) return { available: true, reason: '', value };
  if (REQUIRE_ALL) throw new Error(`HAVEN_TEST_REQUIRE_ALL=1 but ${reason}`);
  return { available: false, reason, value: '' };
}

/** PostgreSQL for tests: HAVEN_TEST_DATABASE_URL. */
export const postgres = (): Dependency =>
  dependency(process.env.HAVEN_TEST_DATABASE_URL, 'HAVEN_TEST_DATABASE_URL is not set (PostgreSQL tests skipped)');

/** NATS for tests: HAVEN_TEST_NATS_URL. */
export const nats = (): Dependency =>
  dependency(process.env.HAVEN_TEST_NATS_URL, 'HAVEN_TEST_NATS_URL is not set (NATS tests skipped)');

/** A path under ../shared (reference data); never copied into the repository. */
export function sharedPath(...parts: string[]): Dependency {
  const p = resolve(SHARED_DIR, ...parts);
  return dependency(existsSync(p) ? p : undefined, `reference data ${p} is missing (set HAVEN_SHARED_DIR)`);
}

/** Chromium for browser tests. */
export const chromium = (): Dependency => {
  const p = process.env.HAVEN_TEST_CHROMIUM ?? '/usr/bin/chromium';
  return dependency(existsSync(p) ? p : undefined, `${p} is missing (apt-get install chromium)`);
};

/** Chromium for the web app's browser tests: HAVEN_TEST_CHROMIUM, else Debian's /usr/bin/chromium. */
export const chromiumPath = (): Dependency => {
  const path = process.env.HAVEN_TEST_CHROMIUM ?? '/usr/bin/chromium';
  return dependency(existsSync(path) ? path : undefined, `no Chromium at ${path} (apt-get install chromium, or set HAVEN_TEST_CHROMIUM; browser tests skipped)`);
};

/** PostgreSQL's server programs (initdb, pg_ctl) for tests that run a private instance: HAVEN_TEST_PG_BIN. */
export const postgresBinaries = (): Dependency => {
  const dir = process.env.HAVEN_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
  return dependency(existsSync(resolve(dir, 'pg_ctl')) ? dir : undefined, `no pg_ctl in ${dir} (install postgresql, or set HAVEN_TEST_PG_BIN; private-PostgreSQL tests skipped)`);
};

/** The NATS server program for tests that run a private one: HAVEN_TEST_NATS_SERVER. */
export const natsServerBinary = (): Dependency => {
  const path = process.env.HAVEN_TEST_NATS_SERVER ?? '/usr/sbin/nats-server';
  return dependency(existsSync(path) ? path : undefined, `no nats-server at ${path} (install nats-server, or set HAVEN_TEST_NATS_SERVER; private-NATS tests skipped)`);
};
