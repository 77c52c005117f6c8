import { cyberTipReport, fileDetails, toXml, type ReferralFacts } from './cybertip';

// The CyberTipline web-service flow (issue 9, point 6), spoken to a configured base URL: `submit` the
// report XML (→ reportId), `upload` each file (→ fileId), `fileinfo` with its fileDetails XML, then
// `finish`. Any failure after `submit` retracts the report, so nothing half-sent stays open. Only called
// when `moderation.referral.submitUrl` is set; tests point it at a local server.

export interface SubmitterConfig {
  submitUrl?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

export interface SubmitFile {
  fileId: string;
  name: string;
  contentType: string;
  bytes: Uint8Array;
}

export type SubmitResult = { ok: true; reportId: string } | { ok: false; reportId?: string; error: string; retracted: boolean };

/** The text of `<name>` in a response, or undefined. */
const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

export async function submitToHotline(cfg: SubmitterConfig, facts: ReferralFacts, files: readonly SubmitFile[], fetcher: typeof fetch = fetch): Promise<SubmitResult> {
  const base = cfg.submitUrl!.replace(/\/+$/, '');
  const auth: Record<string, string> = cfg.username ? { authorization: `Basic ${Buffer.from(`${cfg.username}:${cfg.password ?? ''}`).toString('base64')}` } : {};
  const call = async (path: string, body: BodyInit, contentType?: string): Promise<string> => {
    const res = await fetcher(`${base}/${path}`, { method: 'POST', headers: { ...auth, ...(contentType ? { 'content-type': contentType } : {}) }, body, signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    const code = tag(text, 'responseCode');
    if (!res.ok || code !== '0') throw new Error(`${path} answered ${res.status}${code ? ` with responseCode ${code}` : ''}`);
    return text;
  };
  let reportId: string | undefined;
  try {
    reportId = tag(await call('submit', toXml(cyberTipReport(facts)), 'text/xml; charset=utf-8'), 'reportId');
    if (!reportId) throw new Error('submit answered without a reportId');
    for (const f of files) {
      const form = new FormData();
      form.set('id', reportId);
      form.set('file', new Blob([new Uint8Array(f.bytes)], { type: f.contentType }), f.name);
      const fileId = tag(await call('upload', form), 'fileId');
      if (!fileId) throw new Error('upload answered without a fileId');
      const detail = facts.files.find((x) => x.fileId === f.fileId);
      if (detail) await call('fileinfo', toXml(fileDetails(detail, reportId, fileId)), 'text/xml; charset=utf-8');
    }
    const done = new FormData();
    done.set('id', reportId);
    await call('finish', done);
    return { ok: true, reportId };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    if (!reportId) return { ok: false, error, retracted: false };
    let retracted = false;
    try {
      const form = new FormData();
      form.set('id', reportId);
      await call('retract', form);
      retracted = true;
    } catch {
      retracted = false;
    }
    return { ok: false, reportId, error, retracted };
  }
}
