import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HavenSession } from './lib/session';
import { App } from './ui/App';
import './styles.css';

const session = new HavenSession();
void session.boot();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={session} />
  </StrictMode>,
);
