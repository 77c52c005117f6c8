import { LocalSubscribers, type Fanout, type FanoutEvent, type FanoutHandler } from './fanout';

/** One node: events go straight to this process's subscribers. */
export function localFanout(): Fanout {
  const subs = new LocalSubscribers();
  return {
    kind: 'local',
    publish(accountIds: readonly string[], event: FanoutEvent) {
      for (const id of new Set(accountIds)) subs.deliver(id, event);
      return Promise.resolve();
    },
    subscribe(accountId: string, handler: FanoutHandler) {
      subs.add(accountId, handler);
      return Promise.resolve(() => void subs.remove(accountId, handler));
    },
    connected: () => true,
    onResumed: () => undefined,
    close: () => Promise.resolve(),
  };
}
