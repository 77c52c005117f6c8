import { HavenError, ROUTES } from '@haven/protocol';
import { complianceMarkdown, statisticsCsv } from '@haven/safety';
import type { FastifyInstance } from 'fastify';
import { bearerToken, mount } from '../http/route';
import { authenticate } from '../services/accounts';
import type { Services } from '../services/context';
import { statisticsSvg } from './chart';
import { compliance, statistics } from './service';

/**
 * GET /v1/stats: admins always (exact, or `view=public` to preview); anyone else only while
 * `transparency.public` is on, and then suppressed. GET /v1/admin/compliance: admins.
 */
export function statsRoutes(app: FastifyInstance, s: Services): void {
  mount(app, s, ROUTES.stats, async ({ query, req, reply }) => {
    // A token is optional here; a bad one is still refused rather than ignored.
    const caller = req.headers.authorization ? await authenticate(s, bearerToken(req)) : undefined;
    let view: 'admin' | 'public';
    if (caller?.role === 'admin') view = query.view ?? 'admin';
    else if (s.config.transparency.public) view = 'public';
    else throw new HavenError('stats.not_public');
    const report = await statistics(s, { period: query.period, by: query.by }, view);
    void reply.header('cache-control', 'no-store');
    switch (query.format) {
      case 'json':
        return report;
      case 'csv':
        void reply.type('text/csv; charset=utf-8');
        return statisticsCsv(report);
      case 'svg':
        void reply.type('image/svg+xml; charset=utf-8');
        return statisticsSvg(report);
    }
  });
  mount(app, s, ROUTES.adminCompliance, async ({ query, reply }) => {
    const report = await compliance(s, query.period);
    if (query.format === 'md') {
      void reply.type('text/markdown; charset=utf-8');
      return complianceMarkdown(report);
    }
    return report;
  });
}
