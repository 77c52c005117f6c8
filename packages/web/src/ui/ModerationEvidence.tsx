import { useEffect, useState } from 'react';
import type { CaseDetail, EvidenceInfo } from '@haven/protocol';
import { blobOf, fileNameOf, saveBlob } from '../lib/download';
import type { HavenSession } from '../lib/session';
import { ErrorMessage, useAction } from './common';
import { bytesText, useObjectUrl, When } from './console-common';

// A case's evidence. Images come from the server blurred and greyscale (the original never reaches the
// browser until the moderator presses Reveal, which the server audits and counts for their wellbeing);
// other files are shown as text on request, never as markup.

export function EvidenceList({ session, c, onReveals }: { session: HavenSession; c: CaseDetail; onReveals: (today: number) => void }) {
  return (
    <section className="card" aria-labelledby="evidence-title">
      <h2 id="evidence-title">Evidence ({c.evidence.length})</h2>
      <p className="muted">
        {c.evidencePurgedAt ? (
          <>
            Deleted at the end of its retention period, <When at={c.evidencePurgedAt} />.
          </>
        ) : c.evidenceRetainUntil ? (
          <>
            Kept until <When at={c.evidenceRetainUntil} />
            {c.legalHold ? ', and longer: it is on legal hold.' : '.'}
          </>
        ) : (
          'Kept for the retention period.'
        )}{' '}
        Images are shown blurred and greyscale; revealing an original is recorded.
      </p>
      {c.evidence.length === 0 && <p className="muted">No evidence files.</p>}
      <ul className="evidence-list">
        {c.evidence.map((e) => (
          <li key={e.id}>
            <p className="evidence-name">
              <strong>{e.name}</strong> <span className="muted">{e.contentType}, {bytesText(e.size)}</span>
            </p>
            <p className="muted small mono" title={`SHA-256 ${e.sha256}, MD5 ${e.md5}${e.pdq ? `, PDQ ${e.pdq}` : ''}`}>
              SHA-256 {e.sha256.slice(0, 16)}…
            </p>
            {e.purged || c.evidencePurgedAt ? (
              <p className="muted">Deleted.</p>
            ) : e.isImage ? (
              <EvidenceImage session={session} e={e} onReveals={onReveals} />
            ) : (
              <EvidenceFile session={session} e={e} onReveals={onReveals} />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function EvidenceImage({ session, e, onReveals }: { session: HavenSession; e: EvidenceInfo; onReveals: (today: number) => void }) {
  const [blurred, setBlurred] = useState<Blob | null>(null);
  const [original, setOriginal] = useState<Blob | null>(null);
  const [showOriginal, setShowOriginal] = useState(false);
  const blurredUrl = useObjectUrl(blurred);
  const originalUrl = useObjectUrl(original);
  const load = useAction(async (reveal: boolean) => {
    const r = await session.client.modEvidence(e.id, reveal);
    onReveals(r.reveals.today);
    const blob = blobOf(r.base64, r.contentType);
    if (reveal && !r.blurred) {
      setOriginal(blob);
      setShowOriginal(true);
    } else setBlurred(blob);
  });
  useEffect(() => void load.run(false), [e.id]);
  const url = showOriginal ? originalUrl : blurredUrl;
  return (
    <div className="evidence-image" data-state={showOriginal ? 'original' : 'blurred'}>
      {url ? (
        <img src={url} alt={showOriginal ? `Evidence image ${e.name}, original` : `Evidence image ${e.name}, blurred and greyscale`} />
      ) : (
        load.busy && <p role="status">Loading the blurred image…</p>
      )}
      <div className="row">
        {showOriginal ? (
          <button type="button" onClick={() => setShowOriginal(false)} aria-label={`Blur again: ${e.name}`}>
            Blur again
          </button>
        ) : (
          <button type="button" className="danger" disabled={load.busy} onClick={() => (original ? setShowOriginal(true) : void load.run(true))} aria-label={`Reveal original of ${e.name}`}>
            Reveal original
          </button>
        )}
      </div>
      <ErrorMessage error={load.error} />
    </div>
  );
}

const TEXT_TYPE = /^(text\/|application\/(json|xml|vnd\.haven\.payload\+json))/;

function EvidenceFile({ session, e, onReveals }: { session: HavenSession; e: EvidenceInfo; onReveals: (today: number) => void }) {
  const [text, setText] = useState<string | null>(null);
  const fetchBlob = async () => {
    const r = await session.client.modEvidence(e.id, false);
    onReveals(r.reveals.today);
    return blobOf(r.base64, r.contentType);
  };
  const show = useAction(async () => {
    const raw = await (await fetchBlob()).text();
    let pretty = raw;
    try {
      pretty = JSON.stringify(JSON.parse(raw), null, 2);
    } catch {
      // Not JSON: shown as it is.
    }
    setText(pretty);
  });
  const save = useAction(async () => saveBlob(await fetchBlob(), fileNameOf(e.name)));
  return (
    <div>
      <div className="row">
        {TEXT_TYPE.test(e.contentType) && (
          <button type="button" onClick={() => (text === null ? void show.run() : setText(null))} aria-expanded={text !== null} aria-label={`${text === null ? 'Show' : 'Hide'} ${e.name}`}>
            {text === null ? 'Show' : 'Hide'}
          </button>
        )}
        <button type="button" onClick={() => void save.run()} aria-label={`Download ${e.name}`} disabled={save.busy}>
          Download
        </button>
      </div>
      {text !== null && (
        <pre className="evidence-text" tabIndex={0} aria-label={`Contents of ${e.name}`}>
          {text}
        </pre>
      )}
      <ErrorMessage error={show.error ?? save.error} />
    </div>
  );
}
