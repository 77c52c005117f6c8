import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, recordIncident, startTestServer, type TestServer } from '@haven/server';
import { FileProfileStore, HavenClient } from '@haven/client/node';
import { haven } from './run';

// Issue 10 from the command line: `haven stats validate` (exit 0/1/2), `haven stats` and `haven compliance`
// against a real server, `haven region`; bad flags exit 2 and write nothing. CLI runs go in pairs (2 cores).

const PASSWORD = 'correct horse battery staple';
const EXAMPLE = `Police Force,Total Online Offences,Direct messages,Groups,Media
Northshire,120,40,30,12
Southshire,95,20,41,9
Westshire,Not provided
Eastshire,60,11,25,4
Region Total,280,71,96,25
`;
let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'haven-stats-cli-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function profileOf(handle: string, role?: 'admin', region?: string) {
  const profile = join(dir, handle);
  if (role) await createAccount(server.services.db, new Date(), { handle: handle as never, password: PASSWORD, birthDate: '1980-01-01', role });
  const client = new HavenClient({ serverUrl: server.url });
  const s = role
    ? await client.login({ handle, password: PASSWORD })
    : await client.register({ handle: handle as never, password: PASSWORD, birthDate: '2011-05-05', ...(region ? { region } : {}) });
  await new FileProfileStore(profile).save({ v: 1, server: server.url, handle, accountId: s.account.id, deviceId: s.deviceId, token: s.token, expiresAt: s.expiresAt });
  return { profile, id: s.account.id };
}

describe('haven stats validate', () => {
  it('V1 V3 V6 V7: the example in the issue: exactly these lines, exit 1; a consistent table exits 0', async () => {
    const bad = join(dir, 'example.csv');
    const good = join(dir, 'good.csv');
    await writeFile(bad, EXAMPLE);
    await writeFile(good, 'Force,Total,DM\nDevon and Cornwall,3,2\nKent,1,1\nTotal,4,3\n');
    const [r, ok] = await Promise.all([haven(['stats', 'validate', bad]), haven(['stats', 'validate', good])]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      '4 rows (0 name a known force or region), 1 total row; total column: "Total Online Offences"; platform columns: "Direct messages", "Groups", "Media"',
      'INCONSISTENT: row 2: "Northshire" is not a police force of England and Wales, British Transport Police or a known region',
      'INCONSISTENT: row 3: "Southshire" is not a police force of England and Wales, British Transport Police or a known region',
      'INCONSISTENT: row 4: "Westshire" is not a police force of England and Wales, British Transport Police or a known region',
      'note: row 4 ("Westshire"): not provided for "Total Online Offences", "Direct messages", "Groups", "Media"; left out of sums and shares, never counted as 0',
      'INCONSISTENT: row 5: "Eastshire" is not a police force of England and Wales, British Transport Police or a known region',
      'INCONSISTENT: row 6 ("Region Total"), column "Total Online Offences": the total says 280 but the 3 rows it covers add up to 275 (difference +5); 1 not provided (Westshire), not counted as 0',
      'shares: Of the 192 where the platform was recorded (69.8% of the 275 in "Total Online Offences" of those rows), 37.0% were Direct messages, 50.0% were Groups, 13.0% were Media; from 3 of 4 rows.',
      '5 inconsistencies found.',
      '',
    ]);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    expect(ok.stdout).toContain('No inconsistency found.');
  }, 180_000);

  it('V8 V9: a Latin-1 file and a negative count: exit 2 with a message naming the line or row', async () => {
    const latin1 = join(dir, 'latin1.csv');
    const negative = join(dir, 'negative.csv');
    await writeFile(latin1, Buffer.concat([Buffer.from('Force,Total\nKent,1\nYnys M'), Buffer.from([0xf4]), Buffer.from('n,2\n')]));
    await writeFile(negative, 'Force,Total,Groups\nKent,5,-3\n');
    const [a, b] = await Promise.all([haven(['stats', 'validate', latin1]), haven(['stats', 'validate', negative])]);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe(`haven: ${latin1}: line 3 is not UTF-8 (byte 0xF4): the file looks like Latin-1 or Windows-1252; save it as UTF-8 CSV\n`);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(`haven: ${negative}: row 2 ("Kent"), column "Groups": "-3" is negative; a count cannot be\n`);
  }, 180_000);
});

describe('haven stats, compliance and region against a server', () => {
  it('T2: a future period or an unknown --by exits 2 naming the flag, and writes nothing', async () => {
    const out = join(dir, 'never.csv');
    const [a, b] = await Promise.all([
      haven(['stats', '--period', '2099-Q1', '--format', 'csv', '--out', out, '--profile', join(dir, 'nobody')]),
      haven(['stats', '--by', 'colour', '--out', out, '--profile', join(dir, 'nobody')]),
    ]);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe('haven: --period: period "2099-Q1" is in the future: it starts on 2099-01-01\n');
    expect(b.code).toBe(2);
    expect(b.stderr).toBe('haven: --by colour: expected one of force, surface, method\n');
    expect(existsSync(out)).toBe(false);
  }, 180_000);

  it('T8 O1: an admin gets CSV that validates, an SVG chart, and the compliance view; a child sets their region', async () => {
    const admin = await profileOf(`sadm${process.pid % 1000}`, 'admin');
    const kid = await profileOf(`skid${process.pid % 1000}`, undefined, 'Gwent');
    const year = String(new Date().getUTCFullYear());
    await recordIncident(server.services, {
      caseId: 'cli-1', subjectAccountId: admin.id, childAccountId: kid.id, surface: 'media', method: 'server-hash',
      openedAt: new Date(), actionedAt: new Date(), contentItems: 1,
    });
    const csv = join(dir, 'stats.csv');
    const svg = join(dir, 'stats.svg');
    const [c, s] = await Promise.all([
      haven(['stats', '--period', year, '--format', 'csv', '--out', csv, '--profile', admin.profile]),
      haven(['stats', '--period', year, '--format', 'svg', '--out', svg, '--profile', admin.profile]),
    ]);
    expect(c.code, c.stderr).toBe(0);
    expect(s.code, s.stderr).toBe(0);
    const text = await readFile(csv, 'utf8');
    expect(text).toContain(`# Haven transparency statistics: incidents by force, period ${year}`);
    expect(text).toContain('Gwent,W15000002,1,0,0,1,0,0,0,1,1,100.0,0,0');
    expect(await readFile(svg, 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*Incidents by force/);
    const [v, comp] = await Promise.all([
      haven(['stats', 'validate', csv]),
      haven(['compliance', '--format', 'json', '--profile', admin.profile]),
    ]);
    expect(v.code, v.stdout).toBe(0);
    expect(comp.code, comp.stderr).toBe(0);
    expect(JSON.parse(comp.stdout).measures.map((m: { id: string }) => m.id)).toContain('ICU C9');
    const [set, refused] = await Promise.all([
      haven(['region', 'Devon and Cornwall', '--profile', kid.profile]),
      haven(['compliance', '--profile', kid.profile]),
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('Your region: E23000035\n');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('(auth.forbidden)');
  }, 180_000);
});
