import { redactUrl } from '../config/redact';
import { connect, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from 'pino';
import { LocalSubscribers, type Fanout, type FanoutEvent, type FanoutHandler } from './fanout';

// Several nodes: each account has a subject; a node subscribes to it while it holds a connection of that
// account, and delivers what arrives to its local handlers.

const subject = (accountId: string): string => `haven.account.${accountId}`;

export async function natsFanout(url: string, log: Logger): Promise<Fanout> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: url, name: 'haven-server', maxReconnectAttempts: -1 });
  } catch (e) {
    throw new Error(`could not connect to NATS at ${redactUrl(url)}: ${redactUrl((e as Error).message)}`);
  }
  let up = true;
  const resumed = new Set<() => void>();
  void (async () => {
    for await (const st of nc.status()) {
      if (st.type === 'disconnect') {
        up = false;
        log.warn('NATS disconnected: live delivery paused');
      } else if (st.type === 'reconnect') {
        up = true;
        log.info('NATS reconnected: live delivery resumed');
        for (const f of resumed) f();
      }
    }
  })();
  const subs = new LocalSubscribers();
  const natsSubs = new Map<string, Subscription>();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  return {
    kind: 'nats',
    async publish(accountIds: readonly string[], event: FanoutEvent) {
      const data = encoder.encode(JSON.stringify(event));
      // The message is stored by now: a publish that fails (NATS closed, buffer full) costs live delivery
      // only, which devices recover from the database, so it never fails the send.
      try {
        for (const id of new Set(accountIds)) nc.publish(subject(id), data);
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'could not publish a fan-out event');
      }
    },
    async subscribe(accountId: string, handler: FanoutHandler) {
      if (subs.add(accountId, handler)) {
        const sub = nc.subscribe(subject(accountId), {
          callback: (err, msg) => {
            if (err) return log.warn({ err: err.message }, 'nats subscription error');
            try {
              subs.deliver(accountId, JSON.parse(decoder.decode(msg.data)) as FanoutEvent);
            } catch (e) {
              log.warn({ err: (e as Error).message }, 'dropped an unreadable fan-out event');
            }
          },
        });
        natsSubs.set(accountId, sub);
        // The server has registered the interest once a round trip completes.
        await nc.flush();
      }
      return () => {
        if (subs.remove(accountId, handler)) {
          natsSubs.get(accountId)?.unsubscribe();
          natsSubs.delete(accountId);
        }
      };
    },
    connected: () => up && !nc.isClosed(),
    onResumed: (listener) => void resumed.add(listener),
    async close() {
      await nc.drain();
    },
  };
}
