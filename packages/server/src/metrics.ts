import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The server's Prometheus metrics (`GET /metrics`), one registry per server so that several servers in
 * one process (tests) keep their own counts. Names follow Prometheus conventions (`_total`, `_seconds`).
 */
export interface Metrics {
  registry: Registry;
  connections: Gauge;
  messagesIn: Counter<'path'>;
  messagesOut: Counter;
  batchSize: Histogram<'kind'>;
  commitSeconds: Histogram<'kind'>;
  fanoutLagSeconds: Histogram;
}

/** What the send-context cache reports (storage/send-context-cache.ts). */
export interface SendContextStats {
  hits: number;
  misses: number;
  size: number;
  live: boolean;
}

/**
 * `pool` reports the database pool's use at each scrape (PostgreSQL; PGlite has one connection), and
 * `sendContexts` the send-context cache: lookups answered from memory or not (the hit rate), its size, and
 * whether it is in use (listening for changes).
 */
export function createMetrics(pool?: () => { total: number; idle: number; waiting: number }, sendContexts?: SendContextStats): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'haven_' });
  const m: Metrics = {
    registry,
    connections: new Gauge({ name: 'haven_ws_connections', help: 'Open WebSocket connections on this node.', registers: [registry] }),
    messagesIn: new Counter({ name: 'haven_messages_in_total', help: 'Messages stored, by path (visible or e2ee).', labelNames: ['path'], registers: [registry] }),
    messagesOut: new Counter({ name: 'haven_messages_out_total', help: 'Message frames pushed to devices (live and backlog).', registers: [registry] }),
    batchSize: new Histogram({
      name: 'haven_batch_size',
      help: 'Items per group-commit batch, by kind (context, insert, ack).',
      labelNames: ['kind'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    commitSeconds: new Histogram({
      name: 'haven_commit_seconds',
      help: 'Time one group-commit batch took in the database, by kind.',
      labelNames: ['kind'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    fanoutLagSeconds: new Histogram({
      name: 'haven_fanout_lag_seconds',
      help: 'From a message being stored to its live push to a device on this node.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
  if (pool) {
    new Gauge({
      name: 'haven_db_pool_connections',
      help: 'Database pool connections by state (total, idle, waiting clients).',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const p = pool();
        this.set({ state: 'total' }, p.total);
        this.set({ state: 'idle' }, p.idle);
        this.set({ state: 'waiting' }, p.waiting);
      },
    });
  }
  if (sendContexts) {
    new Counter({
      name: 'haven_send_context_lookups_total',
      help: 'Send-context lookups on this node, by result: hit (from memory) or miss (read from the database).',
      labelNames: ['result'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ result: 'hit' }, sendContexts.hits);
        this.inc({ result: 'miss' }, sendContexts.misses);
      },
    });
    new Gauge({
      name: 'haven_send_context_cache_entries',
      help: 'Send contexts held in memory on this node (0 while it is not listening for changes).',
      registers: [registry],
      collect() {
        this.set(sendContexts.size);
      },
    });
    new Gauge({
      name: 'haven_send_context_cache_live',
      help: '1 while this node listens for send-context changes and keeps contexts in memory, else 0.',
      registers: [registry],
      collect() {
        this.set(sendContexts.live ? 1 : 0);
      },
    });
  }
  return m;
}
