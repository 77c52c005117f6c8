import { HavenClient, Messenger } from '../src/index.node';

export const PASSWORD = 'correct horse battery staple';

let n = 0;
/** A unique handle per test run, so tests can share a server. */
export const handle = (base: string): string => `${base}${process.pid % 1000}x${++n}`;

/** Registers an account and returns its signed-in client, messenger and session. */
export async function account(url: string, base: string, birthDate = '1990-01-01') {
  const client = new HavenClient({ serverUrl: url });
  const session = await client.register({ handle: handle(base) as never, password: PASSWORD, birthDate });
  return { client, session, handle: session.account.handle, messenger: new Messenger(client) };
}

/** Resolves when `pred` holds, polling every 20 ms; rejects after `ms`. */
export async function until(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What a call ended with: `ok`, or the error's code (`auth.forbidden`, …). */
export const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};
