import { useEffect, useRef, useState } from 'react';
import { HavenError, type AttachmentRef, type Conversation, type ReportReason } from '@haven/protocol';
import type { IncomingVerdict } from '@haven/client';
import type { AppState, ChatMessage, ConversationState, HavenSession } from '../lib/session';
import { ErrorMessage, HelpResources, Icon, Modal, errorHelp, errorText, useAction } from './common';
import { ConversationDevicesDialog, EncryptionNotices, LinkThisBrowser, SafetyCodeDialog } from './Devices';
import { NudityVeil, useCheckedImageSend } from './Nudity';

/** The conversation's name for this account: the group title, or the other member's handle. */
export function titleOf(c: Conversation, me: string | undefined): string {
  if (c.kind === 'group') return c.title ?? 'Group';
  const other = c.members.find((m) => m.handle !== me);
  return other ? (other.displayName ?? other.handle) : 'Just you';
}

/** The mode and its reason; the accessible name starts with the mode in words (tests rely on it). */
export function ModeBadge({ c }: { c: Conversation }) {
  const [open, setOpen] = useState(false);
  const label = c.mode === 'e2ee' ? 'End-to-end encrypted' : 'Visible to safety checks';
  return (
    <span className="badge-wrap">
      <button type="button" className={`badge ${c.mode}`} aria-label={`${label}: ${c.modeReason}`} aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name={c.mode === 'e2ee' ? 'lock' : 'shield'} /> {label}
      </button>
      {open && (
        <span className="badge-reason" role="note">
          {c.modeReason}{' '}
          {c.mode === 'e2ee'
            ? 'Only the devices of the people in this conversation can read it. Reports you make reveal only the message you report.'
            : 'Messages are encrypted on the way and on the server, and Haven’s safety checks can see them, to keep under-18s safe.'}
        </span>
      )}
    </span>
  );
}

export function Messenger({ session, state, activeId, setActive }: { session: HavenSession; state: AppState; activeId: string | null; setActive: (id: string | null) => void }) {
  const [dialog, setDialog] = useState<'direct' | 'group' | null>(null);
  const me = state.me?.handle;
  const list = Object.values(state.conversations).sort((a, b) => lastAt(b) - lastAt(a));
  const active = activeId ? state.conversations[activeId] : undefined;
  return (
    <div className={`messenger ${active ? 'has-active' : ''}`}>
      <nav className="sidebar" aria-label="Conversations">
        <div className="sidebar-actions">
          <button type="button" className="primary" onClick={() => setDialog('direct')}>
            New conversation
          </button>
          <button type="button" onClick={() => setDialog('group')}>
            New group
          </button>
        </div>
        {state.e2ee.state === 'loading' && (
          <p className="setup" role="status">
            Setting up end-to-end encryption in this browser…
          </p>
        )}
        {state.e2ee.state === 'unlinked' && <LinkThisBrowser session={session} />}
        {state.e2ee.state === 'failed' && (
          <p className="setup error" role="alert">
            Encryption could not start in this browser: {state.e2ee.problem}. Encrypted conversations cannot be read here; reload to try again.
          </p>
        )}
        {list.length === 0 ? (
          <p className="empty">No conversations yet. Start one with someone you know.</p>
        ) : (
          <ul className="conversation-list">
            {list.map((c) => (
              <li key={c.conversation.id}>
                <button
                  type="button"
                  className={`conversation-item ${c.conversation.id === activeId ? 'active' : ''}`}
                  aria-current={c.conversation.id === activeId ? 'true' : undefined}
                  onClick={() => setActive(c.conversation.id)}
                >
                  <span className="avatar" aria-hidden="true">
                    {titleOf(c.conversation, me).slice(0, 1).toUpperCase()}
                  </span>
                  <span className="conversation-text">
                    <span className="conversation-title">{titleOf(c.conversation, me)}</span>
                    <span className="conversation-preview">{preview(c)}</span>
                  </span>
                  <span className="conversation-meta">
                    <span className={`mode-dot ${c.conversation.mode}`} title={c.conversation.mode === 'e2ee' ? 'End-to-end encrypted' : 'Visible to safety checks'} aria-hidden="true" />
                    {c.unread > 0 && <span className="unread">{c.unread}</span>}
                    <span className="visually-hidden">
                      {c.conversation.mode === 'e2ee' ? ', end-to-end encrypted' : ', visible to safety checks'}
                      {c.unread > 0 ? `, ${c.unread} unread` : ''}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
        {state.me?.ageBand === 'child' && (
          <aside className="safety-card" aria-label="Your protections">
            <p>
              <strong>You’re protected.</strong> Adults you haven’t added can’t find you or message you. If anything worries you, press Help: it’s always there.
            </p>
          </aside>
        )}
      </nav>
      {active ? (
        <ConversationPane key={active.conversation.id} session={session} state={state} c={active} onClose={() => setActive(null)} />
      ) : (
        <section className="pane empty-pane" aria-label="No conversation open">
          <div>
            <h1>Your messages</h1>
            <p>Pick a conversation, or start a new one. Each conversation shows whether it is end-to-end encrypted or visible to safety checks, and why.</p>
          </div>
        </section>
      )}
      {dialog === 'direct' && <NewConversation session={session} onDone={(id) => (setDialog(null), id && setActive(id))} />}
      {dialog === 'group' && <NewGroup session={session} onDone={(id) => (setDialog(null), id && setActive(id))} />}
    </div>
  );
}

function lastAt(c: ConversationState): number {
  const m = c.messages[c.messages.length - 1];
  return Date.parse(m?.sentAt ?? c.conversation.createdAt);
}

function preview(c: ConversationState): string {
  const m = c.messages[c.messages.length - 1];
  if (!m) return c.conversation.kind === 'group' ? `${c.conversation.members.length} members` : 'No messages yet';
  const body = m.text ?? (m.attachments.length ? 'Image' : (m.problem ?? ''));
  return `${m.mine ? 'You: ' : ''}${body}`;
}

function NewConversation({ session, onDone }: { session: HavenSession; onDone: (id: string | null) => void }) {
  const [handle, setHandle] = useState('');
  const act = useAction(async () => {
    try {
      const c = await session.startDirect(handle.trim().replace(/^@/, '').toLowerCase());
      onDone(c.id);
    } catch (e) {
      // Nothing may reveal that an under-18 is behind a handle: a refusal for that reason reads
      // exactly like a handle nobody has.
      if (e instanceof HavenError && (e.code === 'policy.adult_to_child' || e.code === 'account.not_found')) throw new HavenError('account.not_found', NOT_FOUND);
      throw e;
    }
  });
  return (
    <Modal title="New conversation" onClose={() => onDone(null)}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act.run();
        }}
      >
        <label htmlFor="nc-handle">Handle</label>
        <input id="nc-handle" value={handle} onChange={(e) => setHandle(e.target.value)} autoFocus required autoComplete="off" aria-describedby="nc-hint" />
        <p className="hint" id="nc-hint">
          The handle of someone you know. Press Enter to start.
        </p>
        <ErrorMessage error={act.error} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={act.busy || !handle.trim()}>
            Start conversation
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** What a refusal to reach a handle says, whether nobody has it or the policy protects who has it. */
export const NOT_FOUND = 'We couldn’t start a conversation with that handle. Check the spelling, or ask them to add you as a contact.';

function NewGroup({ session, onDone }: { session: HavenSession; onDone: (id: string | null) => void }) {
  const [title, setTitle] = useState('');
  const [members, setMembers] = useState('');
  const act = useAction(async () => {
    const handles = members
      .split(/[\s,]+/)
      .map((h) => h.replace(/^@/, '').toLowerCase())
      .filter(Boolean);
    try {
      const c = await session.startGroup(title.trim(), handles);
      onDone(c.id);
    } catch (e) {
      if (e instanceof HavenError && (e.code === 'policy.adult_to_child' || e.code === 'account.not_found')) throw new HavenError('account.not_found', NOT_FOUND);
      throw e;
    }
  });
  return (
    <Modal title="New group" onClose={() => onDone(null)}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act.run();
        }}
      >
        <label htmlFor="ng-title">Group name</label>
        <input id="ng-title" value={title} onChange={(e) => setTitle(e.target.value)} required autoFocus maxLength={100} />
        <label htmlFor="ng-members">Members</label>
        <input id="ng-members" value={members} onChange={(e) => setMembers(e.target.value)} aria-describedby="ng-hint" autoComplete="off" />
        <p className="hint" id="ng-hint">
          Handles, separated by commas. You can add more people later, or share an invite link.
        </p>
        <ErrorMessage error={act.error} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={act.busy || !title.trim()}>
            Create group
          </button>
        </div>
      </form>
    </Modal>
  );
}

function ConversationPane({ session, state, c, onClose }: { session: HavenSession; state: AppState; c: ConversationState; onClose: () => void }) {
  const conv = c.conversation;
  const me = state.me?.handle;
  const other = conv.kind === 'direct' ? conv.members.find((m) => m.handle !== me) : undefined;
  const [panel, setPanel] = useState<'none' | 'members' | 'block' | 'safety' | 'devices'>('none');
  const logRef = useRef<HTMLOListElement>(null);
  useEffect(() => {
    logRef.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [c.messages.length]);
  useEffect(() => {
    session.markRead(conv.id);
  }, [c.messages.length, conv.id, session]);
  return (
    <section className="pane" aria-labelledby="conv-title">
      <header className="pane-head">
        <button type="button" className="icon-button back" aria-label="Back to conversations" onClick={onClose}>
          ‹
        </button>
        <div className="pane-title">
          <h1 id="conv-title">{titleOf(conv, me)}</h1>
          <ModeBadge c={conv} />
        </div>
        <div className="pane-actions">
          {conv.kind === 'group' && (
            <button type="button" onClick={() => setPanel(panel === 'members' ? 'none' : 'members')} aria-expanded={panel === 'members'}>
              Members
            </button>
          )}
          {conv.mode === 'e2ee' && state.e2ee.state === 'ready' && (
            <button type="button" onClick={() => setPanel('devices')}>
              Devices
            </button>
          )}
          {other && conv.mode === 'e2ee' && state.e2ee.state === 'ready' && (
            <button type="button" onClick={() => setPanel('safety')}>
              Safety code
            </button>
          )}
          {other && (
            <button type="button" onClick={() => setPanel('block')}>
              Block
            </button>
          )}
        </div>
      </header>
      {panel === 'members' && <MembersPanel session={session} conv={conv} me={me} />}
      {panel === 'block' && other && <BlockDialog session={session} handle={other.handle} onClose={() => setPanel('none')} />}
      {panel === 'safety' && other && <SafetyCodeDialog session={session} accountId={other.id} handle={other.handle} onClose={() => setPanel('none')} />}
      {panel === 'devices' && <ConversationDevicesDialog session={session} conversationId={conv.id} onClose={() => setPanel('none')} />}
      {conv.mode === 'e2ee' && <EncryptionNotices notices={state.deviceNotices[conv.id] ?? []} />}
      <div className="messages" role="log" aria-live="polite" aria-label={`Messages with ${titleOf(conv, me)}`}>
        <ol className="message-list" ref={logRef}>
        {c.messages.length === 0 && <li className="empty">No messages yet. Say hello!</li>}
        {c.messages.map((m) => (
          <MessageItem key={m.key} session={session} m={m} />
        ))}
        </ol>
      </div>
      <Composer session={session} conv={conv} e2eeState={state.e2ee.state} />
    </section>
  );
}

function MembersPanel({ session, conv, me }: { session: HavenSession; conv: Conversation; me: string | undefined }) {
  const [handle, setHandle] = useState('');
  const [invite, setInvite] = useState<string | null>(null);
  const add = useAction(async () => {
    try {
      await session.addMember(conv.id, handle.trim().replace(/^@/, '').toLowerCase());
      setHandle('');
    } catch (e) {
      if (e instanceof HavenError && (e.code === 'policy.adult_to_child' || e.code === 'account.not_found')) throw new HavenError('account.not_found', 'We couldn’t add that handle. Check the spelling, or ask them to add you as a contact first.');
      throw e;
    }
  });
  const makeInvite = useAction(async () => {
    const inv = await session.client.createInvite(conv.id);
    setInvite(`${location.origin}/#/join/${inv.token}`);
  });
  const leave = useAction(async () => session.leave(conv.id));
  return (
    <div className="members-panel">
      <h2>Members</h2>
      <ul>
        {conv.members.map((m) => (
          <li key={m.id}>
            {m.displayName ?? m.handle} <span className="muted">@{m.handle}</span>
            {m.handle === me ? ' (you)' : ''}
          </li>
        ))}
      </ul>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <label htmlFor="add-member">Add by handle</label>
        <input id="add-member" value={handle} onChange={(e) => setHandle(e.target.value)} autoComplete="off" />
        <button type="submit" disabled={!handle.trim() || add.busy}>
          Add
        </button>
      </form>
      <ErrorMessage error={add.error} />
      <div className="row">
        <button type="button" onClick={() => void makeInvite.run()}>
          Make an invite link
        </button>
        <button type="button" onClick={() => void leave.run()}>
          Leave group
        </button>
      </div>
      {invite && (
        <p>
          <label htmlFor="invite-link">Invite link (valid for a limited time; the same safety rules apply to whoever joins)</label>
          <input id="invite-link" readOnly value={invite} onFocus={(e) => e.currentTarget.select()} />
        </p>
      )}
      <ErrorMessage error={makeInvite.error ?? leave.error} />
    </div>
  );
}

function BlockDialog({ session, handle, onClose }: { session: HavenSession; handle: string; onClose: () => void }) {
  const [done, setDone] = useState(false);
  const act = useAction(async () => {
    await session.block(handle);
    setDone(true);
  });
  const help = session.state.help;
  return (
    <Modal title={done ? `You blocked @${handle}` : `Block @${handle}?`} onClose={onClose}>
      {done ? (
        <>
          <p>They can no longer message you or see that you are on Haven. You can unblock them in Contacts.</p>
          {help && <HelpResources help={help} />}
          <div className="form-actions">
            <button type="button" className="primary" onClick={onClose}>
              Done
            </button>
          </div>
        </>
      ) : (
        <>
          <p>Blocking is immediate. They won’t be told, and they won’t be able to contact you.</p>
          <ErrorMessage error={act.error} />
          <div className="form-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void act.run()} disabled={act.busy}>
              Block
            </button>
          </div>
        </>
      )}
    </Modal>
  );
}

function MessageItem({ session, m }: { session: HavenSession; m: ChatMessage }) {
  const [reporting, setReporting] = useState(false);
  const [blocking, setBlocking] = useState(false);
  const time = new Date(m.sentAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <li className={`message ${m.mine ? 'mine' : 'theirs'}`}>
      <div className="bubble">
        {!m.mine && <span className="sender">{m.from}</span>}
        {m.text !== null && <p className="text">{m.text}</p>}
        {m.attachments.map((a) => (
          <Attachment key={a.mediaId} session={session} m={m} a={a} onReport={() => setReporting(true)} onBlock={() => setBlocking(true)} />
        ))}
        {m.problem && <p className="problem">{m.problem}</p>}
        <span className="meta">
          <time dateTime={m.sentAt}>{time}</time>
          {m.mine && <span className="status"> · {statusText(m.status)}</span>}
        </span>
      </div>
      {!m.mine && (
        <button type="button" className="report-button" onClick={() => setReporting(true)} aria-label="Report">
          Report
        </button>
      )}
      {reporting && <ReportDialog session={session} m={m} onClose={() => setReporting(false)} />}
      {blocking && <BlockDialog session={session} handle={m.from} onClose={() => setBlocking(false)} />}
    </li>
  );
}

function statusText(s: ChatMessage['status']): string {
  switch (s) {
    case 'queued':
      return 'Waiting to send';
    case 'sending':
      return 'Sending…';
    case 'sent':
      return 'Sent';
    case 'failed':
      return 'Not sent';
    case 'received':
      return '';
  }
}

function Attachment({ session, m, a, onReport, onBlock }: { session: HavenSession; m: ChatMessage; a: AttachmentRef; onReport: () => void; onBlock: () => void }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Veiled when the device's nudity check flags it or could not check it (children; ui/Nudity.tsx),
  // decided before the image is shown; known images never reach here.
  const [verdict, setVerdict] = useState<IncomingVerdict>({ blurred: false });
  const [revealed, setRevealed] = useState(true);
  useEffect(() => {
    let alive = true;
    let made: string | null = null;
    if (!a.contentType.startsWith('image/')) return;
    session.openImageChecked(m, a).then(
      (r) => {
        if (!alive) return URL.revokeObjectURL(r.url);
        setVerdict(r.verdict);
        setRevealed(!r.verdict.blurred);
        setUrl((made = r.url));
      },
      (e: unknown) => alive && setError(e),
    );
    return () => {
      alive = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [session, m, a]);
  if (error) {
    const blocked = error instanceof HavenError && error.code === 'media.blocked';
    const help = errorHelp(error) ?? session.state.help;
    return (
      <div className="blocked" role="alert">
        <p>{blocked ? 'An image sent to you was blocked by a safety check. You did nothing wrong.' : errorText(error)}</p>
        {blocked && help && <HelpResources help={help} />}
      </div>
    );
  }
  if (!a.contentType.startsWith('image/')) return <p className="file">Attachment: {a.name ?? a.contentType}</p>;
  if (!url) return <p className="loading">Loading image…</p>;
  return (
    <figure className={`image ${revealed ? '' : 'veiled'}`}>
      <img src={url} alt={revealed ? (a.name ? `Image: ${a.name}` : `Image from ${m.from}`) : `Blurred image from ${m.from}`} />
      {!revealed && verdict.blurred && <NudityVeil verdict={verdict} from={m.from} onReveal={() => setRevealed(true)} onReport={onReport} onBlock={onBlock} />}
    </figure>
  );
}

/** The policy's fixed report reasons (REPORT_REASONS), in words people use. */
const REASONS: readonly (readonly [ReportReason, string])[] = [
  ['child_sexual_abuse', 'Sexual content involving a child'],
  ['grooming', 'Someone trying to get too close, or asking for secrets or pictures'],
  ['sextortion', 'Someone asking for money or pictures, or threatening to share them'],
  ['threats', 'Threats'],
  ['harassment', 'Bullying or harassment'],
  ['self_harm', 'Someone may hurt themselves'],
  ['spam', 'Spam or a scam'],
  ['other', 'Something else'],
];

function ReportDialog({ session, m, onClose }: { session: HavenSession; m: ChatMessage; onClose: () => void }) {
  const [reason, setReason] = useState<ReportReason>('grooming');
  const [note, setNote] = useState('');
  const [done, setDone] = useState(false);
  const act = useAction(async () => {
    await session.report(m, reason, note.trim() || undefined);
    setDone(true);
  });
  const help = session.state.help;
  return (
    <Modal title={done ? 'Thank you for telling us' : 'Report this message'} onClose={onClose}>
      {done ? (
        <>
          <p>Your report was sent{m.mode === 'e2ee' ? ' with a proof that this message is genuine' : ''}. A moderator will look at it. You can also block this person.</p>
          {help && <HelpResources help={help} />}
          <div className="form-actions">
            <button type="button" className="primary" onClick={onClose}>
              Done
            </button>
          </div>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act.run();
          }}
        >
          <fieldset>
            <legend>What is wrong with it?</legend>
            {REASONS.map(([value, text]) => (
              <label key={value} className="radio">
                <input type="radio" name="reason" value={value} checked={reason === value} onChange={() => setReason(value)} /> {text}
              </label>
            ))}
          </fieldset>
          <label htmlFor="report-note">Anything else we should know (optional)</label>
          <textarea id="report-note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} rows={3} />
          <p className="hint">
            {m.mode === 'e2ee' ? 'Only this message is revealed to Haven’s safety team, with proof it was really sent. Nothing else in the conversation is.' : 'Haven’s safety team will see this message.'}
          </p>
          <ErrorMessage error={act.error} />
          {act.error !== null && help && <HelpResources help={help} />}
          <div className="form-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={act.busy}>
              Send report
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

function Composer({ session, conv, e2eeState }: { session: HavenSession; conv: Conversation; e2eeState: AppState['e2ee']['state'] }) {
  const [text, setText] = useState('');
  const fileRef = useRef<HTMLInputElement>(null);
  // A child's image is checked on the device first; a flagged one opens a warning (ui/Nudity.tsx).
  const { attach, dialog: nudityDialog } = useCheckedImageSend(session, conv.id);
  // An unlinked browser is not in the conversation's encryption: nothing it sends could be read.
  const cannot = conv.mode === 'e2ee' && e2eeState === 'unlinked';
  const submit = () => {
    if (!text.trim() || cannot) return;
    session.send(conv.id, { v: 1, text });
    setText('');
  };
  return (
    <div className="composer-wrap">
      <ErrorMessage error={attach.error} />
      {nudityDialog}
      {conv.mode === 'e2ee' && e2eeState === 'loading' && (
        <p className="hint" role="status">
          Setting up encryption in this browser…
        </p>
      )}
      {conv.mode === 'e2ee' && e2eeState === 'unlinked' && (
        <p className="hint" role="status">
          This browser is not linked to your account yet, so it cannot read or send in encrypted conversations. Link it from the Messages list.
        </p>
      )}
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label htmlFor="attach" className="attach-label button-like" title="Attach an image">
          <Icon name="image" />
          <span className="visually-hidden">Attach image</span>
        </label>
        <input
          id="attach"
          ref={fileRef}
          type="file"
          accept="image/*"
          className="visually-hidden"
          disabled={cannot}
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            if (f) void attach.run(f);
            e.currentTarget.value = '';
          }}
        />
        <label htmlFor="composer" className="visually-hidden">
          Message
        </label>
        <textarea
          id="composer"
          rows={1}
          value={text}
          placeholder={conv.mode === 'e2ee' ? 'Encrypted message' : 'Message'}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="submit" className="primary" disabled={!text.trim() || cannot}>
          Send
        </button>
      </form>
    </div>
  );
}
