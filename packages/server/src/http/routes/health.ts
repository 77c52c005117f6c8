import { ROUTES } from '@haven/protocol';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/context';
import { readiness } from '../../storage/connect';
import { openApiDocument } from '../openapi';
import { mount, withStatus } from '../route';

export function healthRoutes(app: FastifyInstance, s: Services): void {
  mount(app, s, ROUTES.health, async () => ({ status: 'ok' }));
  mount(app, s, ROUTES.ready, async () => {
    const r = await readiness(s.db);
    const fanout = s.fanout.kind === 'local' ? ('local' as const) : s.fanout.connected() ? ('connected' as const) : ('disconnected' as const);
    const ok = r.database && r.migrations && fanout !== 'disconnected';
    const body = {
      status: ok ? ('ready' as const) : ('not_ready' as const),
      database: r.database ? 'reachable' : 'unreachable',
      migrations: r.migrations ? 'applied' : 'pending',
      fanout,
    };
    return ok ? body : withStatus(503, body);
  });
  const doc = openApiDocument();
  app.get('/openapi.json', async () => doc);
  // Prometheus text format; off with `metrics.enabled: false`.
  if (s.config.metrics.enabled) {
    app.get('/metrics', async (_req, reply) => {
      reply.header('content-type', s.metrics.registry.contentType);
      return s.metrics.registry.metrics();
    });
  }
}
