import { useEffect, useState, type ReactNode } from 'react';

// Pieces the moderator console, transparency and compliance pages share.

/** An object URL for a Blob while it is shown; revoked when the Blob changes or the view goes. */
export function useObjectUrl(blob: Blob | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!blob) return setUrl(null);
    const u = URL.createObjectURL(blob);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [blob]);
  return url;
}

/** A time for people, in the browser's locale, with the exact time in the title for copying. */
export function When({ at }: { at: string }) {
  const d = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {Number.isNaN(d.getTime()) ? at : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })}
    </time>
  );
}

/** A console page: one <main> with its heading, as every page of the app has. */
export function ConsolePage({ id, title, wide, children }: { id: string; title: string; wide?: boolean; children: ReactNode }) {
  return (
    <main className={wide ? 'page wide-page' : 'page'} id="main" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>{title}</h1>
      {children}
    </main>
  );
}

/** Said in words when the viewer's role does not allow the page (the server refuses it too). */
export function NoAccess({ id, title, who }: { id: string; title: string; who: string }) {
  return (
    <ConsolePage id={id} title={title}>
      <section className="card" role="status">
        <p>You don’t have access to this page: it is for {who}.</p>
        <p className="muted">
          If you think you should, ask an administrator of this server. <a href="#/">Back to your messages</a>
        </p>
      </section>
    </ConsolePage>
  );
}

export const bytesText = (n: number): string => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`);
