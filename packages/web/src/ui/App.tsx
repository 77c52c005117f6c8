import { useEffect, useState, useSyncExternalStore } from 'react';
import type { HavenSession } from '../lib/session';
import { Messenger } from './Messenger';
import { CompliancePage } from './Compliance';
import { ModerationPage } from './Moderation';
import { ContactsPage, HelpDialog, JoinInvite, NoticeDialog, SettingsPage } from './Pages';
import { SelfReportPage } from './SelfReport';
import { TransparencyPage } from './Transparency';
import { Welcome } from './Welcome';

type Route =
  | { page: 'messages'; conversation: string | null }
  | { page: 'contacts' | 'settings' | 'transparency' | 'compliance' | 'block-picture' }
  | { page: 'moderation'; caseId: string | null }
  | { page: 'join'; token: string };

/** Hash routes: the server serves one document, and reloading any page keeps it. */
function parseRoute(hash: string): Route {
  const [, page, arg] = hash.replace(/^#/, '').split('/');
  switch (page) {
    case 'c':
      return { page: 'messages', conversation: arg ?? null };
    case 'contacts':
    case 'settings':
    case 'transparency':
    case 'compliance':
    case 'block-picture':
      return { page };
    case 'moderation':
      return { page, caseId: arg ?? null };
    case 'join':
      return arg ? { page: 'join', token: arg } : { page: 'messages', conversation: null };
    default:
      return { page: 'messages', conversation: null };
  }
}

function useRoute(): [Route, (hash: string) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return [route, (hash) => (location.hash = hash)];
}

export function App({ session }: { session: HavenSession }) {
  const state = useSyncExternalStore(session.subscribe, session.getState);
  const [route, go] = useRoute();
  const [help, setHelp] = useState(false);
  useEffect(() => {
    if (route.page === 'messages') session.setActive(route.conversation);
    else session.setActive(null);
  }, [route, session, state.phase]);
  useEffect(() => {
    const title = route.page === 'messages' ? 'Messages' : route.page === 'block-picture' ? 'Block a picture of you' : route.page[0]!.toUpperCase() + route.page.slice(1);
    document.title = state.phase === 'signed-in' || route.page === 'transparency' ? `${title} · Haven` : 'Haven';
  }, [route, state.phase]);

  const header = (
    <header className="topbar">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <a className="brand" href="#/">
        <img src="/favicon.svg" alt="" width="28" height="28" /> Haven
      </a>
      {state.phase === 'signed-in' && (
        <nav aria-label="Main" className="mainnav">
          <a href="#/" aria-current={route.page === 'messages' ? 'page' : undefined}>
            Messages
            {totalUnread(state) > 0 && <span className="unread small">{totalUnread(state)}</span>}
          </a>
          <a href="#/contacts" aria-current={route.page === 'contacts' ? 'page' : undefined}>
            Contacts
            {state.contacts.some((c) => c.state === 'pending_incoming') && <span className="dot" aria-label="new requests" role="img" />}
          </a>
          <a href="#/settings" aria-current={route.page === 'settings' ? 'page' : undefined}>
            Settings
          </a>
          {state.me && state.me.role !== 'user' && (
            <a href="#/moderation" aria-current={route.page === 'moderation' ? 'page' : undefined}>
              Moderation
            </a>
          )}
          <a href="#/transparency" aria-current={route.page === 'transparency' ? 'page' : undefined}>
            Transparency
          </a>
          {state.me?.role === 'admin' && (
            <a href="#/compliance" aria-current={route.page === 'compliance' ? 'page' : undefined}>
              Compliance
            </a>
          )}
        </nav>
      )}
      {state.phase === 'signed-out' && route.page === 'transparency' && (
        <nav aria-label="Main" className="mainnav">
          <a href="#/">Sign in</a>
        </nav>
      )}
      <span className="spacer" />
      {state.phase === 'signed-in' && state.connection !== 'ready' && (
        <span className="connection" role="status">
          {state.connection === 'reconnecting' || state.connection === 'connecting' ? 'Reconnecting… messages will send when you’re back online' : 'Offline'}
        </span>
      )}
      <button type="button" className="help-button" onClick={() => setHelp(true)}>
        Help
      </button>
    </header>
  );

  let body;
  if (state.phase === 'loading') {
    body = (
      <main className="page" id="main">
        <p role="status">Opening Haven…</p>
      </main>
    );
  } else if (state.phase === 'signed-out') {
    // Transparency statistics are for everyone when the server makes them public; the rest needs a session.
    body = route.page === 'transparency' ? <TransparencyPage session={session} state={state} /> : <Welcome session={session} />;
  } else {
    switch (route.page) {
      case 'messages':
      case 'join':
        body = (
          <main id="main" className="main-messenger">
            <Messenger session={session} state={state} activeId={route.page === 'messages' ? route.conversation : null} setActive={(id) => go(id ? `#/c/${id}` : '#/')} />
          </main>
        );
        break;
      case 'contacts':
        body = <ContactsPage session={session} state={state} openConversation={(id) => go(`#/c/${id}`)} />;
        break;
      case 'settings':
        body = <SettingsPage session={session} state={state} />;
        break;
      case 'moderation':
        body = <ModerationPage session={session} state={state} caseId={route.caseId} open={(id) => go(id ? `#/moderation/${id}` : '#/moderation')} />;
        break;
      case 'transparency':
        body = <TransparencyPage session={session} state={state} />;
        break;
      case 'compliance':
        body = <CompliancePage session={session} state={state} />;
        break;
      case 'block-picture':
        body = <SelfReportPage session={session} state={state} />;
        break;
    }
  }
  const notice = state.phase === 'signed-in' ? state.notices[0] : undefined;
  return (
    <>
      {header}
      {body}
      {route.page === 'join' && state.phase === 'signed-in' && <JoinInvite session={session} token={route.token} done={(id) => go(id ? `#/c/${id}` : '#/')} />}
      {notice && <NoticeDialog session={session} notice={notice} />}
      {help && <HelpDialog state={state} onClose={() => setHelp(false)} />}
    </>
  );
}

function totalUnread(state: { conversations: Record<string, { unread: number }> }): number {
  return Object.values(state.conversations).reduce((n, c) => n + c.unread, 0);
}
