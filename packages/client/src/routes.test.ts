import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '@haven/protocol';

// Every route in the shared table has a HavenClient method: a route added to the protocol without one
// fails here, so the SDK never silently lags the server.
describe('HavenClient covers the route table', () => {
  it('calls every route of ROUTES, and no route that is not in it', () => {
    const src = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'http-client.ts'), 'utf8');
    const called = new Set([...src.matchAll(/#route\('([A-Za-z]+)'/g)].map((m) => m[1]));
    expect([...called].sort()).toEqual(Object.keys(ROUTES).sort());
  });
});
