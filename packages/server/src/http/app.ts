import { HavenError } from '@haven/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Services } from '../services/context';
import { envelopeOptions, installErrorHandlers } from './errors';
import { accountRoutes } from './routes/accounts';
import { contactRoutes } from './routes/contacts';
import { conversationRoutes } from './routes/conversations';
import { healthRoutes } from './routes/health';
import { policyRoutes } from '../policy/routes';
import { adminRoutes } from '../admin/routes';
import { detectionRoutes } from '../detection/routes';
import { mediaPolicyInspector } from '../detection/inspector';
import { mlsRoutes } from '../mls/routes';
import { mediaRoutes } from '../media/routes';
import { ghostDeviceHook } from '../testing/ghost-device';
import { statsRoutes } from '../stats/routes';
import { webAppRoutes } from './web-app.node.ts';
import { moderationRoutes } from '../moderation/routes';
import { selfReportRoutes } from '../signals/self-report';

/** The HTTP app with every route; no listening socket (tests use `app.inject()`). */
export function buildApp(s: Services, opts: { testHooks?: boolean } = {}): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: s.log as FastifyBaseLogger,
    bodyLimit: s.config.limits.bodyBytes,
    trustProxy: s.config.server.trustProxy,
    ...envelopeOptions,
  });
  // JSON only: other types get 415 instead of reaching a handler as a string.
  app.removeAllContentTypeParsers();
  // Our own JSON parser: an empty body is "no body", and broken JSON gets Haven's error code.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text as string));
    } catch {
      done(new HavenError('request.malformed_json'), undefined);
    }
  });
  installErrorHandlers(app);
  healthRoutes(app, s);
  accountRoutes(app, s);
  contactRoutes(app, s);
  conversationRoutes(app, s);
  policyRoutes(app, s);
  adminRoutes(app, s);
  detectionRoutes(app, s);
  mlsRoutes(app, s);
  statsRoutes(app, s);
  moderationRoutes(app, s);
  selfReportRoutes(app, s);
  // Every upload passes the safety check first: restricted senders, and scanning in visible conversations (D1).
  mediaRoutes(app, s, [mediaPolicyInspector(s, { maxBytes: s.config.media.maxBytes })]);
  // Test only: plays a malicious server (issue 15). Never mounted unless startTestServer asks for it.
  if (opts.testHooks) ghostDeviceHook(app, s);
  // The web app at `/` (packages/web's build), with its Content-Security-Policy.
  webAppRoutes(app, s.config);
  return app;
}
