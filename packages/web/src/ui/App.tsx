import { useEffect, useState, useSyncExternalStore } from 'react';
import type { HavenSession } from '../lib/session';
import { Messenger } from './Messenger';
import { ContactsPage, HelpDialog, JoinInvite, NoticeDialog, NotAvailable, SettingsPage } from './Pages';
import { Welcome } from './Welcome';

type Route = { page: 'messages'; conversation: string | null } | { page: 'contacts' | 'settings' | 'moderation' | 'transparency' | 'compliance' } | { page: 'join'; token: string };

/** Hash routes: the server serves one document, and reloading any page keeps it. */
function parseRoute(hash: string): Route {
  const [, page, arg] = hash.replace(/^#/, '').split('/');
  switch (page) {
    case 'c':
      return { page: 'messages', conversation: arg ?? null };
    case 'contacts':
    case 'settings':
    case 'moderation':
    case 'transparency':
    case 'compliance':
      return { page };
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
    const title = route.page === 'messages' ? 'Messages' : route.page[0]!.toUpperCase() + route.page.slice(1);
    document.title = state.phase === 'signed-in' ? `${title} · Haven` : 'Haven';
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
    body = <Welcome session={session} />;
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
        body = <NotAvailable title="Moderation" what={state.features.moderation ? 'The moderator console in this version of the app' : 'The moderator console'} />;
        break;
      case 'transparency':
        body = <NotAvailable title="Transparency" what="Transparency statistics" />;
        break;
      case 'compliance':
        body = <NotAvailable title="Compliance" what="The compliance report" />;
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
