import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig, startServer, type RunningServer } from '@haven/server';
import { attachmentStream, uploadAttachment } from '../src/index.node';
import { postgres } from '../../../testing/env';
import { createPgDatabase } from '../../../testing/postgres';
import { FAST_SUITE, e2eeUser, readAll } from './e2ee-helpers';

// Proof that the server never holds plaintext of an e2ee conversation: after two adults exchange unique
// markers and an attachment, no table (every row of every table, dumped as text), no file of the data
// directory and no log line holds any of them, in any of the encodings the server could store them in.
// Positive control: the one message a recipient reports IS then in the reports table, so the scan works.

const PG = postgres();

/** The forms a marker could take when stored: UTF-8, hex (bytea as text), base64 (JSON bodies). */
function forms(marker: string): string[] {
  const hex = Buffer.from(marker).toString('hex');
  const b64s = [0, 1, 2].map((pad) => Buffer.from('x'.repeat(pad) + marker).toString('base64').slice(4, -4));
  return [marker, hex, ...b64s];
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe.each([
  { name: 'pglite', skip: false, reason: '' },
  { name: 'postgres', skip: !PG.available, reason: PG.reason },
])('the server holds no plaintext of an e2ee conversation ($name)', ({ name, skip, reason }) => {
  const skipped = skip ? ` (skipped: ${reason})` : '';
  let server: RunningServer;
  let dataDir: string;
  let drop: (() => Promise<void>) | undefined;
  let log = '';
  beforeAll(async () => {
    if (skip) return;
    const db = name === 'postgres' ? await createPgDatabase('haven_nopt') : undefined;
    drop = db?.drop;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    dataDir = await mkdtemp(join(tmpdir(), 'haven-nopt-'));
    const overrides = {
      dataDir,
      log: { level: 'trace' as const },
      server: { host: '127.0.0.1', port: 0 },
      mls: { allowedSuites: [FAST_SUITE] },
      ...(db ? { database: { url: db.url } } : {}),
    };
    server = await startServer(loadConfig({ env: {}, cwd: dataDir, overrides }), { logDestination: sink });
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it.skipIf(skip)(`no table, data file or log line holds a marker; a reported message is the only one revealed${skipped}`, async () => {
    const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const markers = {
      aText: `alicesecretmarker${tag}`,
      bText: `bobsecretmarker${tag}`,
      fileContent: `attachmentcontentmarker${tag}`,
      fileName: `filenamemarker${tag}.txt`,
    };
    const reported = `reportedmarker${tag}`;
    const a = await e2eeUser(server.url, 'npa');
    const b = await e2eeUser(server.url, 'npb');
    const convo = await a.messenger.directWith(b.handle);
    expect(convo.mode).toBe('e2ee');
    const content = new TextEncoder().encode(`${markers.fileContent}\n`.repeat(2000));
    const ref = await uploadAttachment(a.client, convo, {
      stream: new Blob([content]).stream() as ReadableStream<Uint8Array>,
      contentType: 'text/plain',
      name: markers.fileName,
    });
    expect(ref.key).toBeTruthy();
    await a.messenger.send(convo, { v: 1, text: markers.aText, attachments: [ref] });
    const bad = await a.messenger.sendText(convo, reported);
    await b.messenger.sendText(convo, markers.bText);
    const got = await readAll(b, convo);
    expect(got.map((r) => r.text)).toEqual([markers.aText, reported]);
    expect((await readAll(a, convo)).map((r) => r.text)).toEqual([markers.bText]);
    // The recipient decrypts and checks the attachment.
    const plain = new Uint8Array(await new Response(await attachmentStream(b.client, got[0]!.attachments[0]!)).arrayBuffer());
    expect(Buffer.from(plain).equals(Buffer.from(content))).toBe(true);
    await b.engine.report(bad.id, 'other', { note: 'control: this one is revealed on purpose' });

    // Every row of every table, as text.
    const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(server.services.db);
    expect(tables.rows.map((t) => t.table_name)).toEqual(expect.arrayContaining(['messages', 'media', 'mls_groups', 'mls_key_packages', 'franked_reports']));
    let dump = '';
    for (const { table_name } of tables.rows) {
      const rows = await sql<{ r: string }>`select t::text as r from ${sql.table(table_name)} t`.execute(server.services.db);
      dump += rows.rows.map((r) => r.r).join('\n');
    }
    expect(dump).toContain(reported); // the scan finds what is there
    await server.close();
    const files = await filesUnder(dataDir);
    expect(files.some((f) => f.includes('/media/'))).toBe(true);
    const blobs = await Promise.all(files.map((f) => readFile(f)));
    for (const [what, marker] of Object.entries(markers)) {
      for (const form of forms(marker)) {
        expect(dump.includes(form), `${what} in a table`).toBe(false);
        expect(log.includes(form), `${what} in the log`).toBe(false);
        for (const [i, blob] of blobs.entries()) expect(blob.includes(form), `${what} in ${files[i]}`).toBe(false);
      }
    }
    expect(log.length).toBeGreaterThan(1000);
  }, 90_000);
});
