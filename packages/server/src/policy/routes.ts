import { HavenError, ROUTES } from '@haven/protocol';
import { helpPage } from '@haven/safety';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services/context';
import { findAccountById } from '../storage/repos/accounts';
import { takeWrite } from '../http/rate-limit';
import { mount } from '../http/route';
import { createInvite, joinByInvite } from './invites';
import { listNotices, markNoticesSeen } from './notices';
import { bandOf } from './participants';
import { searchAccounts } from './search';

/** Search, help and invite links: the policy's own routes. */
export function policyRoutes(app: FastifyInstance, s: Services): void {
  mount(app, s, ROUTES.searchAccounts, async ({ caller, query }) => ({ accounts: await searchAccounts(s, caller, query.q) }));
  // H2, P6: help for the caller's band and region by default; another region's or band's on request.
  mount(app, s, ROUTES.help, async ({ caller, query }) => {
    const me = await findAccountById(s.db, caller.accountId);
    if (!me) throw new HavenError('auth.invalid_token');
    return helpPage(s.policy, query.band ?? bandOf(s.policy, me.birth_date, s.now()), query.region ?? me.region);
  });
  mount(app, s, ROUTES.notices, async ({ caller }) => ({ notices: await listNotices(s, caller.accountId) }));
  mount(app, s, ROUTES.markNoticesSeen, async ({ caller, body }) => ({ marked: await markNoticesSeen(s, caller.accountId, body.ids) }));
  mount(app, s, ROUTES.createInvite, async ({ caller, params }) => {
    takeWrite(s, 'groups', caller.accountId);
    return createInvite(s, caller, params.id);
  });
  mount(app, s, ROUTES.joinInvite, async ({ caller, body }) => joinByInvite(s, caller, body.token));
}
