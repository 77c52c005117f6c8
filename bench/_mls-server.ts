// The server's added latency per e2ee message versus a visible one: the same adults, the same payload
// size, two in-process servers identical but for `mls.enabled`. Bodies are prepared before timing (the
// e2ee ones encrypted by the real SDK engine), so the times are the server's: parse the MLS framing,
// read the franking commitment and tag it, lock the group row and check epoch and roster, store, answer.
import { MemoryStateStore } from '@haven/crypto';
import { E2eeEngine, HavenClient, bytesToBase64, newClientMessageId } from '@haven/client';
import { PAYLOAD_CONTENT_TYPE, encodePayload } from '@haven/protocol';
import { startTestServer } from '@haven/server';

export interface ServerLatency {
  messages: number;
  payloadBytes: number;
  visible: { medianMs: number; p95Ms: number; bodyBytes: number };
  e2ee: { medianMs: number; p95Ms: number; bodyBytes: number };
  addedMedianMs: number;
  ratioMedian: number;
}

const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const r2 = (x: number) => Math.round(x * 100) / 100;

async function pair(url: string, tag: string) {
  const clients = [];
  for (const who of ['a', 'b']) {
    const c = new HavenClient({ serverUrl: url });
    const s = await c.register({ handle: `bench${tag}${who}${Date.now().toString(36)}` as never, password: 'correct horse battery staple', birthDate: '1990-01-01' });
    const engine = await E2eeEngine.open(c, new MemoryStateStore(), { accountId: s.account.id, deviceId: s.deviceId });
    // The account's first device makes the account key (issue 15): without it nothing can add the device.
    await engine.createAccountKey();
    if ((await engine.ensureKeyPackages()) === 0) throw new Error('no key packages uploaded: the bench would not measure e2ee');
    clients.push({ c, s, engine });
  }
  const convo = await clients[0]!.c.createDirect(clients[1]!.s.account.handle);
  return { sender: clients[0]!, convo };
}

export async function serverLatency(opts: { messages?: number; warmup?: number; log?: (s: string) => void } = {}): Promise<ServerLatency> {
  const n = opts.messages ?? 300;
  const warm = opts.warmup ?? 30;
  const text = 'x'.repeat(200);
  const e2ee = await startTestServer();
  const visible = await startTestServer({ mls: { enabled: false } });
  try {
    const E = await pair(e2ee.url, 'e');
    const V = await pair(visible.url, 'v');
    if (E.convo.mode !== 'e2ee' || V.convo.mode !== 'visible') throw new Error('unexpected modes');
    // Prepare every body first: the e2ee ones through the real engine (one catch-up + reconcile, then encrypt).
    const eBodies: string[] = [];
    for (let i = 0; i < n + warm; i++) eBodies.push(bytesToBase64(await E.sender.engine.encrypt(E.convo, { v: 1, text })));
    const vBody = bytesToBase64(encodePayload({ v: 1, text }));
    const tE: number[] = [];
    const tV: number[] = [];
    for (let i = 0; i < n + warm; i++) {
      // Alternate, so both see the same machine conditions.
      let t = performance.now();
      await E.sender.c.sendMessage(E.convo.id, { clientMessageId: newClientMessageId(), body: eBodies[i]!, contentType: 'application/mls-message' });
      const de = performance.now() - t;
      t = performance.now();
      await V.sender.c.sendMessage(V.convo.id, { clientMessageId: newClientMessageId(), body: vBody, contentType: PAYLOAD_CONTENT_TYPE });
      const dv = performance.now() - t;
      if (i >= warm) (tE.push(de), tV.push(dv));
    }
    const out: ServerLatency = {
      messages: n,
      payloadBytes: text.length,
      visible: { medianMs: r2(q(tV, 0.5)), p95Ms: r2(q(tV, 0.95)), bodyBytes: Buffer.from(vBody, 'base64').length },
      e2ee: { medianMs: r2(q(tE, 0.5)), p95Ms: r2(q(tE, 0.95)), bodyBytes: Buffer.from(eBodies[0]!, 'base64').length },
      addedMedianMs: r2(q(tE, 0.5) - q(tV, 0.5)),
      ratioMedian: r2(q(tE, 0.5) / q(tV, 0.5)),
    };
    opts.log?.(`server latency: visible ${out.visible.medianMs} ms, e2ee ${out.e2ee.medianMs} ms (median of ${n})`);
    return out;
  } finally {
    await e2ee.close();
    await visible.close();
  }
}

export interface LinkLatency {
  links: number;
  pollMs: number;
  /** From the new device entering the code to it holding its certificate and having uploaded its keys. */
  medianMs: number;
  p95Ms: number;
}

/**
 * Time to link a device (issue 15) through a real server: a linked device offers a code, a second device
 * of the same account (signed in by password, pending) enters it; timed from entering the code until the
 * new device is linked and has uploaded its key packages. Both devices poll the link every `pollMs`.
 */
export async function linkLatency(opts: { links?: number; pollMs?: number; log?: (s: string) => void } = {}): Promise<LinkLatency> {
  const n = opts.links ?? 10;
  const pollMs = opts.pollMs ?? 50;
  const server = await startTestServer();
  try {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const handle = `benchlink${i}${Date.now().toString(36)}`;
      const first = new HavenClient({ serverUrl: server.url });
      const s = await first.register({ handle: handle as never, password: 'correct horse battery staple', birthDate: '1990-01-01' });
      const old = await E2eeEngine.open(first, new MemoryStateStore(), { accountId: s.account.id, deviceId: s.deviceId });
      await old.createAccountKey();
      await old.ensureKeyPackages();
      const second = new HavenClient({ serverUrl: server.url });
      const s2 = await second.login({ handle, password: 'correct horse battery staple' });
      const fresh = await E2eeEngine.open(second, new MemoryStateStore(), { accountId: s2.account.id, deviceId: s2.deviceId });
      const { code, done } = await old.offerLink({ pollMs });
      const t = performance.now();
      await fresh.acceptLink(code, { pollMs });
      times.push(performance.now() - t);
      await done;
      if (!fresh.linked) throw new Error('the new device is not linked: the bench would not measure linking');
    }
    const out = { links: n, pollMs, medianMs: r2(q(times, 0.5)), p95Ms: r2(q(times, 0.95)) };
    opts.log?.(`link a device: median ${out.medianMs} ms over ${n} (polling every ${pollMs} ms)`);
    return out;
  } finally {
    await server.close();
  }
}
