import { ROUTES } from '@haven/protocol';
import type { FastifyInstance } from 'fastify';
import { mount, withStatus } from '../http/route';
import type { Services } from '../services/context';
import { caseSummaries, claim, release } from './cases';
import { act, appeal, close, decideAppeal, myDecisions } from './decisions';
import { evidenceContent, purgeExpired, setLegalHold } from './evidence.node.ts';
import { myReports, setNotify } from './my-reports';
import { referralPackage, refer } from './referrals.node.ts';
import { caseDetail, queue } from './view.node.ts';

/** Reports (the user's side), the moderators' queue and decisions, appeals, evidence and referrals. */
export function moderationRoutes(app: FastifyInstance, s: Services): void {
  mount(app, s, ROUTES.myReports, async ({ caller }) => ({ reports: await myReports(s, caller) }));
  mount(app, s, ROUTES.setReportNotify, async ({ caller, params, body }) => setNotify(s, caller, params.id, body.notifyOutcome));
  mount(app, s, ROUTES.myDecisions, async ({ caller }) => ({ decisions: await myDecisions(s, caller) }));
  mount(app, s, ROUTES.appeal, async ({ caller, body }) => appeal(s, caller, body.decisionId, body.text));
  mount(app, s, ROUTES.modQueue, async ({ caller, query }) => queue(s, caller, query));
  mount(app, s, ROUTES.modCase, async ({ caller, params }) => caseDetail(s, caller, params.id));
  mount(app, s, ROUTES.modClaim, async ({ caller, params }) => claim(s, caller, params.id));
  mount(app, s, ROUTES.modRelease, async ({ caller, params }) => release(s, caller, params.id));
  mount(app, s, ROUTES.modAct, async ({ caller, params, body }) => {
    await act(s, caller, params.id, body);
    return caseDetail(s, caller, params.id, false);
  });
  mount(app, s, ROUTES.modClose, async ({ caller, params, body }) => {
    await close(s, caller, params.id, body.note);
    return (await caseDetail(s, caller, params.id, false)) as unknown;
  });
  mount(app, s, ROUTES.modRefer, async ({ caller, params, body }) => refer(s, caller, params.id, body.note));
  mount(app, s, ROUTES.modReferralPackage, async ({ caller, params }) => referralPackage(s, caller, params.id));
  mount(app, s, ROUTES.modEvidence, async ({ caller, params, query }) => evidenceContent(s, caller, params.id, query.reveal === 'true'));
  mount(app, s, ROUTES.modDecideAppeal, async ({ caller, params, body }) => decideAppeal(s, caller, params.id, body));
  mount(app, s, ROUTES.adminLegalHold, async ({ caller, params, body }) => (await caseSummaries(s, [await setLegalHold(s, caller, params.id, body.hold, body.reason)]))[0]);
  mount(app, s, ROUTES.adminPurgeEvidence, async ({ caller }) => withStatus(200, await purgeExpired(s, { id: caller.accountId, handle: caller.handle })));
}
