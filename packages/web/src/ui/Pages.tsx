import { useEffect, useState } from 'react';
import { HavenError } from '@haven/protocol';
import type { AppState, HavenSession } from '../lib/session';
import type { Notice } from '../lib/notices';
import { ErrorMessage, HelpResources, Modal, PUBLIC_HELP, useAction } from './common';
import { DevicesCard } from './Devices';

export function HelpDialog({ state, onClose }: { state: AppState; onClose: () => void }) {
  const help = state.help ?? PUBLIC_HELP;
  const child = state.me?.ageBand === 'child';
  return (
    <Modal title="Help" onClose={onClose}>
      {child ? (
        <p className="lead">If something online has made you feel worried, scared or uncomfortable, you can talk to someone. It’s never your fault.</p>
      ) : (
        <p className="lead">If you are worried about a child, or about something you saw, you can talk to someone.</p>
      )}
      <HelpResources help={help} />
      <h3>In Haven</h3>
      <ul>
        <li>
          <strong>Report</strong> any message from the button beside it. A moderator will look at it.
        </li>
        <li>
          <strong>Block</strong> anyone from their conversation: they can no longer contact you.
        </li>
        <li>Adults cannot start a conversation with someone under 18 unless that person added them first.</li>
        {state.phase === 'signed-in' && (
          <li>
            A nude picture of you, or someone threatening to share one? <a href="#/block-picture" onClick={onClose}>Block it on Haven</a>: the picture stays on your device.
          </li>
        )}
      </ul>
      {state.help && (
        <>
          <h3>How this server keeps people safe</h3>
          <p>{state.help.policySummary}</p>
        </>
      )}
      <p className="muted">In an emergency, call 999.</p>
    </Modal>
  );
}

/** The oldest safety notice not yet seen on this browser, shown once, prominently, with help. */
export function NoticeDialog({ session, notice }: { session: HavenSession; notice: Notice }) {
  const help = notice.help ?? session.state.help ?? PUBLIC_HELP;
  return (
    <Modal title="A safety notice for you" role="alertdialog" onClose={() => void session.dismissNotice(notice.id)}>
      <p className="lead">{notice.message}</p>
      <HelpResources help={help} />
      <div className="form-actions">
        <button type="button" className="primary" onClick={() => void session.dismissNotice(notice.id)}>
          I understand
        </button>
      </div>
    </Modal>
  );
}

export function ContactsPage({ session, state, openConversation }: { session: HavenSession; state: AppState; openConversation: (id: string) => void }) {
  const [handle, setHandle] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const request = useAction(async () => {
    const h = handle.trim().replace(/^@/, '').toLowerCase();
    try {
      await session.requestContact(h);
    } catch (e) {
      // A refusal must not tell an adult that an under-18 has this handle.
      if (e instanceof HavenError && (e.code === 'policy.adult_to_child' || e.code === 'account.not_found'))
        throw new HavenError('account.not_found', 'We couldn’t send a request to that handle. Check the spelling.');
      throw e;
    }
    setSent(h);
    setHandle('');
  });
  const act = useAction(async (f: () => Promise<unknown>) => {
    await f();
  });
  useEffect(() => {
    void session.refreshContacts().catch(() => undefined);
  }, [session]);
  const by = (s: string) => state.contacts.filter((c) => c.state === s);
  const child = state.me?.ageBand === 'child';
  return (
    <main className="page" id="main" aria-labelledby="contacts-title">
      <h1 id="contacts-title">Contacts</h1>
      <section className="card">
        <h2>Add a contact</h2>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void request.run();
          }}
        >
          <label htmlFor="contact-handle">Their handle</label>
          <input id="contact-handle" value={handle} onChange={(e) => setHandle(e.target.value)} autoComplete="off" />
          <button type="submit" className="primary" disabled={!handle.trim() || request.busy}>
            Send request
          </button>
        </form>
        {sent && <p role="status">Request sent to @{sent}. You can talk once they accept.</p>}
        <ErrorMessage error={request.error} />
        {child && <p className="hint">Only add people you know in real life. Adults can’t find you or message you unless you add them first.</p>}
      </section>
      <ErrorMessage error={act.error} />
      <ContactSection title="Requests for you" empty="No requests.">
        {by('pending_incoming').map((c) => (
          <li key={c.account.id} className="contact-row">
            <span>
              {c.account.displayName ?? c.account.handle} <span className="muted">@{c.account.handle}</span>
            </span>
            <span className="row">
              <button type="button" className="primary" onClick={() => void act.run(() => session.acceptContact(c.account.handle))}>
                Accept
              </button>
              <button type="button" onClick={() => void act.run(() => session.declineContact(c.account.handle))}>
                Decline
              </button>
              <button type="button" onClick={() => void act.run(() => session.block(c.account.handle))}>
                Block
              </button>
            </span>
          </li>
        ))}
      </ContactSection>
      <ContactSection title="Your contacts" empty="No contacts yet.">
        {by('accepted').map((c) => (
          <li key={c.account.id} className="contact-row">
            <span>
              {c.account.displayName ?? c.account.handle} <span className="muted">@{c.account.handle}</span>
            </span>
            <span className="row">
              <button type="button" className="primary" onClick={() => void act.run(async () => openConversation((await session.startDirect(c.account.handle)).id))}>
                Message
              </button>
              <button type="button" onClick={() => void act.run(() => session.block(c.account.handle))}>
                Block
              </button>
            </span>
          </li>
        ))}
      </ContactSection>
      <ContactSection title="Requests you sent" empty="None waiting.">
        {by('pending_outgoing').map((c) => (
          <li key={c.account.id} className="contact-row">
            <span>
              {c.account.displayName ?? c.account.handle} <span className="muted">@{c.account.handle}</span>
            </span>
            <span className="muted">Waiting for them to accept</span>
          </li>
        ))}
      </ContactSection>
      <ContactSection title="Blocked" empty="You haven’t blocked anyone.">
        {by('blocked').map((c) => (
          <li key={c.account.id} className="contact-row">
            <span>
              {c.account.displayName ?? c.account.handle} <span className="muted">@{c.account.handle}</span>
            </span>
            <button type="button" onClick={() => void act.run(() => session.unblock(c.account.handle))}>
              Unblock
            </button>
          </li>
        ))}
      </ContactSection>
    </main>
  );
}

function ContactSection({ title, empty, children }: { title: string; empty: string; children: React.ReactNode[] }) {
  return (
    <section className="card">
      <h2>{title}</h2>
      {children.length === 0 ? <p className="muted">{empty}</p> : <ul className="contact-list">{children}</ul>}
    </section>
  );
}

export function SettingsPage({ session, state }: { session: HavenSession; state: AppState }) {
  const out = useAction(async () => session.signOut());
  const me = state.me;
  return (
    <main className="page" id="main" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <section className="card">
        <h2>Your account</h2>
        {me && (
          <dl className="facts">
            <dt>Handle</dt>
            <dd>@{me.handle}</dd>
            <dt>Account type</dt>
            <dd>{me.ageBand === 'child' ? 'Under 18: extra protections are on' : 'Adult'}</dd>
            {me.role !== 'user' && (
              <>
                <dt>Role</dt>
                <dd>{me.role === 'admin' ? 'Administrator' : 'Moderator'}</dd>
              </>
            )}
          </dl>
        )}
      </section>
      <DevicesCard session={session} state={state} />
      <section className="card">
        <h2>A picture of you</h2>
        <p>If there is a nude or intimate picture of you, Haven can stop anyone sending it here. The picture stays on your device.</p>
        <a className="button-like" href="#/block-picture">
          Block a picture of you
        </a>
      </section>
      <section className="card">
        <h2>Sign out</h2>
        <p>Signing out deletes this browser’s keys and messages. Your conversations stay on your other devices.</p>
        <ErrorMessage error={out.error} />
        <button type="button" className="danger" onClick={() => void out.run()} disabled={out.busy}>
          Sign out
        </button>
      </section>
    </main>
  );
}

export function JoinInvite({ session, token, done }: { session: HavenSession; token: string; done: (id: string | null) => void }) {
  const act = useAction(async () => {
    const c = await session.joinInvite(token);
    done(c.id);
  });
  return (
    <Modal title="Join a group" onClose={() => done(null)}>
      <p>You were invited to a group. The same safety rules apply in every group.</p>
      <ErrorMessage error={act.error} />
      <div className="form-actions">
        <button type="button" onClick={() => done(null)}>
          Not now
        </button>
        <button type="button" className="primary" onClick={() => void act.run()} disabled={act.busy}>
          Join
        </button>
      </div>
    </Modal>
  );
}
