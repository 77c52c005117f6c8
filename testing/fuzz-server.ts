import { startTestServer, type TestServer } from '../packages/server/src/testing.node.ts';

/** A server to fuzz, with two adults and a child (HTTP) and a third adult (WebSocket), and one conversation between the first two adults. */
export async function fuzzTarget(): Promise<{ server: TestServer; tokens: string[]; wsToken: string; conversationIds: string[] }> {
  // Rate limits lifted: the fuzz tests what hostile input does, not how fast it may come (the limits
  // have their own tests); sign-ups from one address and a flood of frames should reach the code behind.
  const lifted = { burst: 1_000_000, perMinute: 1_000_000 };
  const server = await startTestServer({
    rateLimits: { register: lifted, login: lifted },
    websocket: { connection: lifted, account: lifted },
  });
  const tokens: string[] = [];
  const handles: string[] = [];
  for (const [i, birthDate] of ['1990-01-01', '1985-05-05', '2011-06-06', '1970-07-07'].entries()) {
    const handle = `fuzz${i}${Date.now().toString(36)}`;
    const r = await fetch(`${server.url}/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle, password: 'correct horse battery staple', birthDate }),
    });
    if (r.status !== 201) throw new Error(`could not register ${handle}: ${r.status} ${await r.text()}`);
    tokens.push(((await r.json()) as { token: string }).token);
    handles.push(handle);
  }
  const c = await fetch(`${server.url}/v1/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` },
    body: JSON.stringify({ kind: 'direct', with: handles[1] }),
  });
  if (c.status !== 201) throw new Error(`could not create a conversation: ${c.status} ${await c.text()}`);
  return { server, tokens: tokens.slice(0, 3), wsToken: tokens[3]!, conversationIds: [((await c.json()) as { id: string }).id] };
}
