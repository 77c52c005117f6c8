import { useState } from 'react';
import { HavenError } from '@haven/protocol';
import type { HavenSession } from '../lib/session';
import { ErrorMessage, HelpResources, PUBLIC_HELP, errorText } from './common';

/** Sign-up and sign-in: one form at a time, so every field has exactly one label on the page. */
export function Welcome({ session }: { session: HavenSession }) {
  const [mode, setMode] = useState<'create' | 'signin'>('create');
  return (
    <main className="welcome" id="main">
      <section className="welcome-intro" aria-labelledby="intro-title">
        <h1 id="intro-title">Haven</h1>
        <p className="lead">Private messaging that keeps children safe.</p>
        <ul className="promises">
          <li>Conversations between adults are end-to-end encrypted: not even this server can read them.</li>
          <li>Conversations with under-18s stay open to safety checks, and every conversation tells you which it is, and why.</li>
          <li>Adults cannot find or message under-18s they are not already connected to.</li>
          <li>Help is always one click away.</li>
        </ul>
      </section>
      <section className="card auth-card" aria-labelledby="auth-title">
        {mode === 'create' ? <SignUp session={session} /> : <SignIn session={session} />}
        <p className="switch">
          {mode === 'create' ? (
            <button type="button" className="link-button" onClick={() => setMode('signin')}>
              I already have an account
            </button>
          ) : (
            <button type="button" className="link-button" onClick={() => setMode('create')}>
              I’m new here
            </button>
          )}
        </p>
      </section>
    </main>
  );
}

function SignUp({ session }: { session: HavenSession }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await session.register(String(f.get('handle')).trim().replace(/^@/, ''), String(f.get('password')), String(f.get('birthDate')));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const tooYoung = error instanceof HavenError && error.code === 'account.too_young';
  return (
    <form onSubmit={onSubmit} aria-labelledby="auth-title" noValidate={false}>
      <h2 id="auth-title">Create your account</h2>
      <label htmlFor="su-handle">Handle</label>
      <input id="su-handle" name="handle" autoComplete="username" required minLength={3} maxLength={32} aria-describedby="su-handle-hint" />
      <p className="hint" id="su-handle-hint">
        The name people use to find you: 3 to 32 lower-case letters, numbers, dots or underscores, starting with a letter.
      </p>
      <label htmlFor="su-password">Password</label>
      <input id="su-password" name="password" type="password" autoComplete="new-password" required minLength={8} aria-describedby="su-password-hint" />
      <p className="hint" id="su-password-hint">
        At least 8 characters. A few random words are easy to remember and hard to guess.
      </p>
      <label htmlFor="su-birth">Birth date</label>
      <input id="su-birth" name="birthDate" type="date" required aria-describedby="su-birth-hint" />
      <p className="hint" id="su-birth-hint">
        Haven keeps under-18s safer. Your birth date is never shown to anyone.
      </p>
      {tooYoung ? (
        <div className="kind-refusal" role="alert">
          <h3>Haven is for people aged 13 and over</h3>
          <p>
            That’s a rule to keep younger people safe, and you haven’t done anything wrong. When you’re 13, you’ll be very welcome here. If something is worrying
            you, or you just want to talk, Childline is free, private, and there for you any time.
          </p>
          <HelpResources help={PUBLIC_HELP} />
        </div>
      ) : (
        error !== null && <ErrorMessage error={error} />
      )}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Creating your account…' : 'Create account'}
      </button>
      {busy && (
        <p className="hint" role="status">
          Making this browser’s encryption keys…
        </p>
      )}
    </form>
  );
}

function SignIn({ session }: { session: HavenSession }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await session.signIn(String(f.get('handle')).trim().replace(/^@/, ''), String(f.get('password')));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={onSubmit} aria-labelledby="auth-title">
      <h2 id="auth-title">Welcome back</h2>
      <label htmlFor="si-handle">Handle</label>
      <input id="si-handle" name="handle" autoComplete="username" required />
      <label htmlFor="si-password">Password</label>
      <input id="si-password" name="password" type="password" autoComplete="current-password" required />
      {error !== null && (
        <div className="error" role="alert">
          <p>{errorText(error)}</p>
        </div>
      )}
      <button type="submit" className="primary" disabled={busy}>
        Sign in
      </button>
      <p className="hint">Signing in here adds this browser to your account as a new device. It appears in Settings, where you can see all your devices.</p>
    </form>
  );
}
