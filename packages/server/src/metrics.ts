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

/** `pool` reports the database pool's use at each scrape (PostgreSQL; PGlite has one connection). */
export function createMetrics(pool?: () => { total: number; idle: number; waiting: number }): Metrics {
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
  return m;
}
