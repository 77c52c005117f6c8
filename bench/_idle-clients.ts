// A child process of bench/connections.ts that holds a share of the idle connections: one process may
// hold at most its open-file limit of sockets (20,000 here, the hard limit), so the bench spreads the
// clients over several. Over IPC it gets `{ kind: 'haven', wsUrl, tokens }` or `{ kind: 'xmpp', port,
// count }`, opens them (200 at a time), answers with the counts, holds them idle, and on `close` exits.
import { connect as tcpConnect, type Socket } from 'node:net';
import WebSocket from 'ws';

type Job = { kind: 'haven'; wsUrl: string; tokens: string[] } | { kind: 'xmpp'; port: number; count: number };

const held: { close(): void }[] = [];
let errorFrames = 0;
let closedEarly = 0;

function havenIdle(wsUrl: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    let synced = false;
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', token })));
    ws.once('error', (e) => {
      if (!synced) reject(e);
    });
    ws.once('close', (code) => {
      if (!synced) reject(new Error(`closed ${code} before synced`));
      else closedEarly++;
    });
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type: string };
      if (f.type === 'synced') {
        synced = true;
        held.push({ close: () => ws.terminate() });
        resolve();
      } else if (f.type === 'error') errorFrames++;
    });
  });
}

/**
 * One idle XMPP client session over a raw socket (the @xmpp/client library costs the client side tens
 * of kilobytes per session): stream, SASL ANONYMOUS, stream restart, resource binding, initial presence.
 */
function xmppIdle(port: number): Promise<void> {
  const header = "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
  return new Promise((resolve, reject) => {
    const sock: Socket = tcpConnect(port, '127.0.0.1');
    let buf = '';
    let step = 0;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`xmpp session stuck at step ${step}: ${JSON.stringify(buf.slice(0, 300))} connected=${!sock.connecting}`));
    }, 60_000);
    sock.setEncoding('utf8');
    sock.on('error', (e) => {
      clearTimeout(timer);
      if (step < 4) reject(e);
    });
    sock.on('close', () => {
      if (step === 4) closedEarly++;
    });
    sock.on('connect', () => sock.write(header));
    sock.on('data', (d: string) => {
      buf += d;
      if (step === 0 && buf.includes('</stream:features>')) {
        step = 1;
        buf = '';
        sock.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
      } else if (step === 1 && buf.includes('<success')) {
        step = 2;
        buf = '';
        sock.write(header);
      } else if (step === 1 && buf.includes('<failure')) {
        clearTimeout(timer);
        reject(new Error(`SASL failed: ${buf.slice(0, 200)}`));
      } else if (step === 2 && buf.includes('</stream:features>')) {
        step = 3;
        buf = '';
        sock.write("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
      } else if (step === 3 && buf.includes('bind1') && buf.includes('</iq>')) {
        step = 4;
        buf = '';
        clearTimeout(timer);
        sock.write('<presence/>');
        held.push({ close: () => sock.destroy() });
        resolve();
      } else if (step === 4) buf = '';
    });
  });
}

async function run(job: Job): Promise<void> {
  const total = job.kind === 'haven' ? job.tokens.length : job.count;
  let next = 0;
  let failed = 0;
  let firstError = '';
  await Promise.all(
    Array.from({ length: Math.min(200, total) }, async () => {
      while (next < total) {
        const i = next++;
        try {
          await (job.kind === 'haven' ? havenIdle(job.wsUrl, job.tokens[i]!) : xmppIdle(job.port));
        } catch (e) {
          failed++;
          firstError ||= (e as Error).message;
        }
      }
    }),
  );
  process.send!({ type: 'opened', opened: held.length, failed, firstError });
}

process.on('message', (m: Job | { kind: 'status' } | { kind: 'close' }) => {
  if (m.kind === 'close') {
    for (const h of held) h.close();
    process.exit(0);
  } else if (m.kind === 'status') process.send!({ type: 'status', open: held.length - closedEarly, closedEarly, errorFrames });
  else void run(m);
});
