import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { REPORT_ELEMENT_ORDER, cyberTipReport, fileDetails, toJsonValue, toXml, type ReferralFacts } from './cybertip';
import { submitToHotline } from './submitter.node.ts';

const facts: ReferralFacts = {
  referralId: '11111111-1111-4111-8111-111111111111',
  caseId: '22222222-2222-4222-8222-222222222222',
  incidentType: 'Online Enticement of Children for Sexual Acts',
  incidentDateTime: '2026-01-02T03:04:05.000Z',
  esp: { name: 'Haven', contactEmail: 'safety@example.org', legalUrl: 'https://example.org/legal' },
  conversation: { id: 'c1', kind: 'direct', mode: 'visible' },
  content: ['hi <there> & "you"'],
  reported: { accountId: 'a1', handle: 'adult', displayName: null, ageBand: 'adult', region: 'Kent' },
  victims: [{ accountId: 'k1', handle: 'kid', displayName: 'Kid', ageBand: 'child', region: null }],
  intendedRecipients: [{ accountId: 'b1', handle: 'bystander', displayName: null, ageBand: 'adult', region: null }],
  additionalInfo: 'case notes',
  files: [{ fileId: 'f1', fileName: 'a.png', md5: 'm'.repeat(32), sha256: 's'.repeat(64), pdq: 'p'.repeat(64), viewedByEsp: false }],
};

describe('CyberTipline-shaped report', () => {
  it('puts the top-level elements in schema order, intendedRecipient before victim', () => {
    const names = cyberTipReport(facts).children!.map((c) => c.name);
    expect(names).toEqual(['incidentSummary', 'internetDetails', 'reporter', 'personOrUserReported', 'intendedRecipient', 'victim', 'additionalInfo']);
    const idx = names.map((n) => (REPORT_ELEMENT_ORDER as readonly string[]).indexOf(n));
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
  });
  it('escapes text and writes fileDetails with MD5, SHA256 and PDQ hashes in order', () => {
    const xml = toXml(cyberTipReport(facts));
    expect(xml).toContain('<content>hi &lt;there&gt; &amp; &quot;you&quot;</content>');
    expect(xml).toContain('<region>Kent</region>');
    const fd = toXml(fileDetails(facts.files[0]!, '42'));
    expect(fd).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<fileDetails>\n  <reportId>42</reportId>\n  <fileId>f1</fileId>\n  <originalFileName>a.png</originalFileName>\n  <fileViewedByEsp>false</fileViewedByEsp>\n  <publiclyAvailable>false</publiclyAvailable>\n' +
        `  <originalFileHash hashType="MD5">${'m'.repeat(32)}</originalFileHash>\n  <originalFileHash hashType="SHA256">${'s'.repeat(64)}</originalFileHash>\n  <originalFileHash hashType="PDQ">${'p'.repeat(64)}</originalFileHash>\n</fileDetails>\n`,
    );
    expect(toJsonValue(fileDetails(facts.files[0]!, '42'))).toMatchObject({ reportId: '42', originalFileHash: [{ '@hashType': 'MD5' }, { '@hashType': 'SHA256' }, { '@hashType': 'PDQ', '#text': 'p'.repeat(64) }] });
  });
});

// A local stand-in for the hotline's web service: it checks the order of calls and their fields.
async function hotline(failAt?: string) {
  const calls: { path: string; fields: Record<string, string>; body: string; auth: string | undefined }[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const path = (req.url ?? '').replace(/^\/ispws\//, '');
    let fields: Record<string, string> = {};
    if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      const form = await new Response(raw, { headers: { 'content-type': req.headers['content-type']! } }).formData();
      form.forEach((v, k) => (fields[k] = typeof v === 'string' ? v : `file:${v.name}:${v.size}`));
    }
    calls.push({ path, fields, body: raw.toString('utf8'), auth: req.headers.authorization });
    const ok = path !== failAt;
    res.writeHead(ok ? 200 : 500, { 'content-type': 'text/xml' });
    const extra = path === 'upload' ? '<fileId>remote-file-1</fileId>' : '';
    res.end(`<reportResponse><responseCode>${ok ? 0 : 5000}</responseCode><reportId>777</reportId>${extra}</reportResponse>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ispws`;
  return { url, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('CyberTipline web-service submitter (against a local test server)', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());
  const file = { fileId: 'f1', name: 'a.png', contentType: 'image/png', bytes: new Uint8Array([1, 2, 3]) };

  it('submits, uploads each file, sends its fileinfo, then finishes', async () => {
    const h = await hotline();
    close = h.close;
    const r = await submitToHotline({ submitUrl: h.url, username: 'u', password: 'p' }, facts, [file]);
    expect(r).toEqual({ ok: true, reportId: '777' });
    expect(h.calls.map((c) => c.path)).toEqual(['submit', 'upload', 'fileinfo', 'finish']);
    expect(h.calls[0]!.body).toContain('<report ');
    expect(h.calls[0]!.auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(h.calls[1]!.fields).toEqual({ id: '777', file: 'file:a.png:3' });
    expect(h.calls[2]!.body).toContain('<reportId>777</reportId>');
    expect(h.calls[2]!.body).toContain('<fileId>remote-file-1</fileId>');
    expect(h.calls[3]!.fields).toEqual({ id: '777' });
  });

  it('retracts the report when a later step fails', async () => {
    const h = await hotline('fileinfo');
    close = h.close;
    const r = await submitToHotline({ submitUrl: h.url }, facts, [file]);
    expect(r).toMatchObject({ ok: false, reportId: '777', retracted: true });
    expect(h.calls.map((c) => c.path)).toEqual(['submit', 'upload', 'fileinfo', 'retract']);
    expect(h.calls[3]!.fields).toEqual({ id: '777' });
  });

  it('a refused submit leaves nothing to retract', async () => {
    const h = await hotline('submit');
    close = h.close;
    expect(await submitToHotline({ submitUrl: h.url }, facts, [file])).toMatchObject({ ok: false, retracted: false });
    expect(h.calls.map((c) => c.path)).toEqual(['submit']);
  });
});
