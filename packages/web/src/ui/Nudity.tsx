import { useState, type ReactNode } from 'react';
import type { IncomingVerdict, OutgoingVerdict } from '@haven/client';
import type { HavenSession } from '../lib/session';
import { Modal, useAction } from './common';

// Nudity warnings on children's devices (issue 11 item 5): a received image the on-device check flags
// (or could not check) is shown blurred with the guard's words and help, and the child chooses whether
// to see it; before a child sends an image the check flags, a dialog asks them to think again. Sending
// stays their choice. Nothing here talks to the server except the ordinary report, block and send.

type Blurred = Extract<IncomingVerdict, { blurred: true }>;
type Warned = Extract<OutgoingVerdict, { warn: true }>;

/** The guard's help lines; Childline's number is a phone link. */
function HelpLines({ help }: { help: string[] }) {
  return (
    <ul className="nudity-help">
      {help.map((line) => {
        const phone = /0800 1111/.exec(line);
        return <li key={line}>{phone ? withPhone(line, phone[0]) : line}</li>;
      })}
    </ul>
  );
}

function withPhone(line: string, number: string): ReactNode {
  const [before, after] = line.split(number);
  return (
    <>
      {before}
      <a href={`tel:${number.replace(/\s+/g, '')}`}>{number}</a>
      {after}
    </>
  );
}

/** Over a blurred image: why, the help, and the child's choices (see it, report, block). */
export function NudityVeil({ verdict, from, onReveal, onReport, onBlock }: { verdict: Blurred; from: string; onReveal: () => void; onReport: () => void; onBlock: () => void }) {
  return (
    <div className="nudity-veil" role="note" aria-label={verdict.reason === 'flagged' ? 'Blurred image' : 'Image not checked'}>
      <p className="nudity-message">{verdict.message}</p>
      <HelpLines help={verdict.help} />
      <div className="row">
        <button type="button" onClick={onReveal}>
          Show image
        </button>
        <button type="button" onClick={onReport}>
          Report image
        </button>
        <button type="button" onClick={onBlock}>
          Block @{from}
        </button>
      </div>
    </div>
  );
}

/** Before a flagged image goes: the guard's message and help; cancel, or send anyway. */
function SendWarning({ verdict, onCancel, onSend }: { verdict: Warned; onCancel: () => void; onSend: () => void }) {
  return (
    <Modal title="Before you send this image" role="alertdialog" onClose={onCancel}>
      <p className="nudity-message">{verdict.message}</p>
      <HelpLines help={verdict.help} />
      <div className="form-actions">
        <button type="button" className="primary" onClick={onCancel}>
          Don’t send
        </button>
        <button type="button" onClick={onSend}>
          Send anyway
        </button>
      </div>
    </Modal>
  );
}

/**
 * Sending an image with the check first (for the accounts the guard is on for): `attach.run(file)`
 * checks, then sends or opens the warning; render `dialog`; `checking` while the check runs.
 */
export function useCheckedImageSend(session: HavenSession, conversationId: string) {
  const [pending, setPending] = useState<{ file: File; verdict: Warned } | null>(null);
  const [checking, setChecking] = useState(false);
  const send = useAction(async (file: File) => session.sendImage(conversationId, file));
  const attach = useAction(async (file: File) => {
    const guard = await session.nudity();
    let verdict: OutgoingVerdict = { warn: false };
    if (guard.active) {
      setChecking(true);
      try {
        verdict = await guard.outgoing(new Uint8Array(await file.arrayBuffer()));
      } finally {
        setChecking(false);
      }
    }
    if (verdict.warn) return setPending({ file, verdict });
    await session.sendImage(conversationId, file);
  });
  const dialog = pending && (
    <SendWarning
      verdict={pending.verdict}
      onCancel={() => setPending(null)}
      onSend={() => {
        const { file } = pending;
        setPending(null);
        void send.run(file);
      }}
    />
  );
  return {
    attach: { run: attach.run, busy: attach.busy || send.busy, error: attach.error ?? send.error },
    checking,
    dialog: (
      <>
        {dialog}
        {checking && (
          <p className="hint" role="status">
            Checking the image on this device…
          </p>
        )}
      </>
    ),
  };
}
