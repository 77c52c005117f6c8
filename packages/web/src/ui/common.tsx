import { useEffect, useRef, useState, type ReactNode } from 'react';
import { HavenError, type HelpWire } from '@haven/protocol';

/** A modal dialog on the native <dialog> element: focus moves in, Escape closes, focus returns after. */
export function Modal(props: { title: string; onClose: () => void; children: ReactNode; role?: 'dialog' | 'alertdialog'; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useRef(`t${Math.random().toString(36).slice(2)}`).current;
  useEffect(() => {
    const d = ref.current;
    const before = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal();
    return () => before?.focus?.();
  }, []);
  return (
    <dialog
      ref={ref}
      className={props.wide ? 'modal wide' : 'modal'}
      role={props.role ?? 'dialog'}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <div className="modal-head">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

/** The help resources for a moment: who to call or chat to, as links a phone can use. */
export function HelpResources({ help }: { help: HelpWire }) {
  return (
    <div className="help-box">
      <p className="help-headline">{help.headline}</p>
      <ul className="help-list">
        {help.resources.map((r) => (
          <li key={`${r.name}-${r.contact}`}>
            <strong>{r.name}</strong>{' '}
            {r.kind === 'phone' ? (
              <a href={`tel:${r.contact.replace(/\s+/g, '')}`}>{r.contact}</a>
            ) : r.kind === 'web' || r.kind === 'chat' ? (
              <a href={r.contact} target="_blank" rel="noopener noreferrer">
                {r.kind === 'chat' ? 'Chat online' : r.contact}
              </a>
            ) : (
              r.contact
            )}
            <span className="help-desc"> — {r.description}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Help shown before sign-in (the server's help route needs a session): both UK helplines. */
export const PUBLIC_HELP: HelpWire = {
  moment: 'help',
  region: 'UK',
  headline: 'You can talk to someone about anything that worries you.',
  resources: [
    { name: 'Childline', kind: 'phone', contact: '0800 1111', description: 'free and confidential, for anyone under 19' },
    { name: 'Childline', kind: 'chat', contact: 'https://www.childline.org.uk/get-support/1-2-1-counsellor-chat/', description: '1-2-1 chat with a counsellor' },
    { name: 'NSPCC helpline', kind: 'phone', contact: '0808 800 5000', description: 'for adults worried about a child' },
  ],
};

/** An error in words a person understands (the server's sentence for Haven errors). */
export function errorText(e: unknown): string {
  if (e instanceof HavenError) return e.message;
  if (e instanceof Error) return e.message;
  return 'Something went wrong. Please try again.';
}

export function errorHelp(e: unknown): HelpWire | null {
  const h = e instanceof HavenError ? (e.help as HelpWire | undefined) : undefined;
  return h && Array.isArray(h.resources) ? h : null;
}

/** Runs an action and keeps its error for display; `busy` while it runs. */
export function useAction<A extends unknown[]>(fn: (...a: A) => Promise<void>) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (...a: A) => {
    setBusy(true);
    setError(null);
    try {
      await fn(...a);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { run, error, busy, clear: () => setError(null) };
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const help = errorHelp(error);
  return (
    <div className="error" role="alert">
      <p>{errorText(error)}</p>
      {help && <HelpResources help={help} />}
    </div>
  );
}

const ICONS = {
  lock: 'M7 10V7a5 5 0 0 1 10 0v3h1a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1zm2 0h6V7a3 3 0 0 0-6 0z',
  shield: 'M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5zm0 2.2 6 2.2V11c0 3.9-2.5 7.4-6 8.9-3.5-1.5-6-5-6-8.9V6.4z',
  image: 'M4 5h16a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm1 2v8.6l4-4 3 3 2-2 5 5V7zm10.5 1a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3z',
} as const;

/** A decorative icon (inline SVG: no icon font, nothing for the CSP to block); hidden from screen readers. */
export function Icon({ name }: { name: keyof typeof ICONS }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path d={ICONS[name]} fill="currentColor" fillRule="evenodd" />
    </svg>
  );
}
