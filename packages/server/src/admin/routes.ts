import { ROUTES } from '@haven/protocol';
import type { FastifyInstance } from 'fastify';
import { mount } from '../http/route';
import type { Services } from '../services/context';
import { readAudit, verifyRows } from './audit';
import { adminAccount, liftMediaRestriction, listHashLists, setAgeAssurance, setHashListEnabled } from './service';

/** Admin routes of the safety policy (role admin; every change audited). */
export function adminRoutes(app: FastifyInstance, s: Services): void {
  mount(app, s, ROUTES.adminHashLists, async () => ({ lists: await listHashLists(s) }));
  mount(app, s, ROUTES.adminSetHashList, async ({ caller, params, body }) => setHashListEnabled(s, caller, params.name, body.enabled, body.reason));
  mount(app, s, ROUTES.adminAccount, async ({ params }) => adminAccount(s, params.handle));
  mount(app, s, ROUTES.adminSetAge, async ({ caller, params, body }) => setAgeAssurance(s, caller, params.handle, body));
  mount(app, s, ROUTES.adminLiftRestriction, async ({ caller, params, body }) => liftMediaRestriction(s, caller, params.handle, body.reason));
  mount(app, s, ROUTES.adminAudit, async () => {
    const rows = await readAudit(s.db);
    return {
      entries: rows.map((r) => ({
        seq: r.seq,
        at: r.at.toISOString(),
        actor: r.actor_handle,
        action: r.action,
        target: r.target,
        reason: r.reason,
        details: JSON.parse(r.details) as unknown,
        prevHash: r.prev_hash,
        hash: r.hash,
      })),
      chain: verifyRows(rows),
    };
  });
}
