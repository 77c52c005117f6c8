import { PAYLOAD_CONTENT_TYPE, encodePayload } from '@haven/protocol';
import { patternBayesClassifier, type ChatMessage } from '@haven/safety';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Servers start slowly on a loaded 2-core machine: generous limits for this file.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });
import { flushSignals } from '../src/signals/record';
import { setTextClassifier, signalText } from '../src/signals/text';
import { startTestServer, type TestServer } from '../src/testing.node.ts';

// T9: the server classifies text only where it may read it.

let server: TestServer;
const seen: ChatMessage[][] = [];
beforeAll(async () => {
  server = await startTestServer();
  const inner = patternBayesClassifier();
  setTextClassifier(server.services, { name: 'spy', classify: (m) => (seen.push([...m]), inner.classify(m)) });
}, 180_000);
afterAll(() => server.close());

describe('T9: never in e2ee', () => {
  it('T9: an e2ee conversation is never passed to the classifier, whatever its bytes say; an MLS message neither', async () => {
    const body = encodePayload({ v: 1, text: "send me £200 or I'll post your pics" });
    signalText(server.services, { id: '00000000-0000-4000-8000-000000000001', mode: 'e2ee' }, 'a', '00000000-0000-4000-8000-000000000002', PAYLOAD_CONTENT_TYPE, body, ['a', 'b']);
    signalText(server.services, { id: '00000000-0000-4000-8000-000000000001', mode: 'visible' }, 'a', '00000000-0000-4000-8000-000000000003', 'application/mls-message', body, ['a', 'b']);
    await flushSignals(server.services);
    expect(seen).toEqual([]);
  });
});
