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
    const body = {
      status: r.database && r.migrations ? 'ready' : 'not_ready',
      database: r.database ? 'reachable' : 'unreachable',
      migrations: r.migrations ? 'applied' : 'pending',
    };
    return r.database && r.migrations ? body : withStatus(503, body);
  });
  const doc = openApiDocument();
  app.get('/openapi.json', async () => doc);
}
