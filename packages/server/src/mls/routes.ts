import { ROUTES } from '@haven/protocol';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services/context';
import { takeWrite } from '../http/rate-limit';
import { mount, withStatus } from '../http/route';
import { fileReport } from './reports';
import { claimKeyPackages, groupState, keyPackageStatus, submitCommit, uploadKeyPackages } from './service';

/** The MLS Delivery/Authentication Service routes and franked reports. */
export function mlsRoutes(app: FastifyInstance, s: Services): void {
  mount(app, s, ROUTES.uploadKeyPackages, async ({ caller, body }) => uploadKeyPackages(s, caller, body.keyPackages));
  mount(app, s, ROUTES.keyPackageStatus, async ({ caller }) => keyPackageStatus(s, caller));
  mount(app, s, ROUTES.claimKeyPackages, async ({ caller, params, body }) => claimKeyPackages(s, caller, params.id, body.devices));
  mount(app, s, ROUTES.mlsGroup, async ({ caller, params }) => groupState(s, caller, params.id));
  mount(app, s, ROUTES.submitCommit, async ({ caller, params, body }) => {
    const { accepted, created } = await submitCommit(s, caller, params.id, body);
    return created ? accepted : withStatus(200, accepted);
  });
  mount(app, s, ROUTES.report, async ({ caller, body }) => {
    takeWrite(s, 'reports', caller.accountId);
    return fileReport(s, caller, body);
  });
}
