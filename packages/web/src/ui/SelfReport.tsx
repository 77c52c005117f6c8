import { useEffect, useRef, useState } from 'react';
import type { SelfReportAccepted } from '@haven/protocol';
import type { AppState, HavenSession } from '../lib/session';
import { ErrorMessage, HelpResources, PUBLIC_HELP, useAction } from './common';

// A child's own picture, blocked everywhere (issue 11, 6; the idea of NCMEC's Take It Down and
// Childline's Report Remove). The picture is read in this page only: its fingerprints (PDQ of the eight
// rotations and flips, SHA-256, MD5) are computed here and only they are sent. It is not shown either:
// a child reporting a nude picture of themselves should not have to look at it again.

export function SelfReportPage({ session, state }: { session: HavenSession; state: AppState }) {
  const [file, setFile] = useState<File | null>(null);
  const [done, setDone] = useState<SelfReportAccepted | null>(null);
  const [mine, setMine] = useState<{ id: string; createdAt: string; hashes: number }[] | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const refresh = async () => setMine(await session.selfReports());
  useEffect(() => {
    void refresh().catch(() => setMine([]));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session]);
  const send = useAction(async () => {
    if (!file) return;
    setDone(await session.selfReportImage(file));
    setFile(null);
    if (input.current) input.current.value = '';
    await refresh();
  });
  const remove = useAction(async (id: string) => {
    await session.removeSelfReport(id);
    await refresh();
  });
  const child = state.me?.ageBand === 'child';
  return (
    <main className="page" id="main" aria-labelledby="selfreport-title">
      <h1 id="selfreport-title">Block a picture of you</h1>
      <section className="card">
        <p className="lead">
          {child
            ? 'If there is a nude or sexual picture of you, or someone is threatening to share one, Haven can stop it being sent here. You are not in trouble.'
            : 'If there is an intimate picture of you that you do not want shared, Haven can stop it being sent here.'}
        </p>
        <p>
          Choose the picture on this device. <strong>It stays on your device</strong>: Haven works out its fingerprints here and sends only those. Nobody at Haven sees the picture.
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void send.run();
          }}
        >
          <label htmlFor="selfreport-file">Choose a picture</label>
          <input id="selfreport-file" ref={input} type="file" accept="image/*" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          <ErrorMessage error={send.error} />
          <div className="form-actions">
            <button type="submit" className="primary" disabled={!file || send.busy}>
              {send.busy ? 'Blocking…' : 'Block this picture'}
            </button>
          </div>
        </form>
      </section>
      {done && (
        <section className="card" role="status" aria-labelledby="selfreport-done">
          <h2 id="selfreport-done">This picture is now blocked on Haven</h2>
          <h3>What we did</h3>
          <ul>
            {done.done.map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
          <h3>What we could not do</h3>
          <ul>
            {done.notDone.map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
          <h3>What you can do next</h3>
          <ul className="help-list">
            {done.next.map((n) => (
              <li key={n.name}>
                <strong>{n.name}</strong>{' '}
                {/^https?:/.test(n.contact) ? (
                  <a href={n.contact} target="_blank" rel="noopener noreferrer">
                    {n.contact}
                  </a>
                ) : (
                  <a href={`tel:${n.contact.replace(/\s+/g, '')}`}>{n.contact}</a>
                )}{' '}
                — {n.description}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className="card" aria-labelledby="selfreport-list">
        <h2 id="selfreport-list">Pictures you have blocked</h2>
        <ErrorMessage error={remove.error} />
        {mine === null ? (
          <p role="status">Loading…</p>
        ) : mine.length === 0 ? (
          <p>None yet.</p>
        ) : (
          <ul className="plain-list">
            {mine.map((r) => (
              <li key={r.id}>
                Blocked on <time dateTime={r.createdAt}>{new Date(r.createdAt).toLocaleString()}</time>{' '}
                <button type="button" onClick={() => void remove.run(r.id)} disabled={remove.busy} aria-label={`Stop blocking the picture blocked on ${new Date(r.createdAt).toLocaleString()}`}>
                  Stop blocking
                </button>
              </li>
            ))}
          </ul>
        )}
        <p className="muted">A blocked picture stays blocked until you stop it here (or a moderator does).</p>
      </section>
      <HelpResources help={state.help ?? PUBLIC_HELP} />
    </main>
  );
}
