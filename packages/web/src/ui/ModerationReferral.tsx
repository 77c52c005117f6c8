import { useEffect, useState } from 'react';
import type { ReferralPackage } from '@haven/protocol';
import { blobOf, fileNameOf, saveBlob, saveText, sha256Hex } from '../lib/download';
import type { HavenSession } from '../lib/session';
import { ErrorMessage, useAction } from './common';
import { bytesText } from './console-common';

// A referral package as the hotline gets it (CyberTipline-shaped XML and JSON, evidence, manifest): each
// file checked against its SHA-256 here before it is offered, viewable as text where it is text.

interface Checked {
  path: string;
  contentType: string;
  blob: Blob;
  sha256: string;
  ok: boolean;
}

export function ReferralPackageView({ session, referralId }: { session: HavenSession; referralId: string }) {
  const [pkg, setPkg] = useState<{ raw: ReferralPackage; files: Checked[] } | null>(null);
  const [shown, setShown] = useState<{ path: string; text: string } | null>(null);
  const load = useAction(async () => {
    const raw = await session.client.modReferralPackage(referralId);
    const files = await Promise.all(
      raw.files.map(async (f) => {
        const blob = blobOf(f.base64, f.contentType);
        return { path: f.path, contentType: f.contentType, blob, sha256: f.sha256, ok: (await sha256Hex(blob)) === f.sha256 };
      }),
    );
    setPkg({ raw, files });
  });
  useEffect(() => void load.run(), [referralId]);
  if (!pkg) return load.busy ? <p role="status">Loading the referral package…</p> : <ErrorMessage error={load.error} />;
  const bad = pkg.files.filter((f) => !f.ok);
  return (
    <div className="referral-package" aria-label="Referral package" role="region">
      <h3>Referral package</h3>
      <p>
        {pkg.files.length} files for case {pkg.raw.caseId.slice(0, 8)}.{' '}
        {bad.length === 0 ? 'Every file matches its SHA-256 digest.' : <strong>{bad.length} file(s) do not match their digest: do not send them.</strong>}
      </p>
      <ul className="plain-list">
        {pkg.files.map((f) => (
          <li key={f.path}>
            <span className="mono">{f.path}</span> <span className="muted">
              {f.contentType}, {bytesText(f.blob.size)}
              {f.ok ? '' : ', digest mismatch'}
            </span>{' '}
            {/^(text\/|application\/(json|xml))/.test(f.contentType) && (
              <button type="button" aria-label={`View ${f.path}`} onClick={async () => setShown(shown?.path === f.path ? null : { path: f.path, text: await f.blob.text() })}>
                {shown?.path === f.path ? 'Hide' : 'View'}
              </button>
            )}{' '}
            <button type="button" aria-label={`Download ${f.path}`} disabled={!f.ok} onClick={() => saveBlob(f.blob, fileNameOf(f.path))}>
              Download
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        onClick={() => saveText(JSON.stringify(pkg.raw, null, 2), `referral-${pkg.raw.referralId}.json`, 'application/json')}
        disabled={bad.length > 0}
      >
        Download the whole package (JSON)
      </button>
      {shown && (
        <pre className="evidence-text" tabIndex={0} aria-label={`Contents of ${shown.path}`}>
          {shown.text}
        </pre>
      )}
    </div>
  );
}
