import { randomUUID } from 'node:crypto';
import { HavenError, ROUTES, type SelfReportAccepted, type SelfReportRequest } from '@haven/protocol';
import { REPORT_REMOVE_URL } from '@haven/safety';
import type { FastifyInstance } from 'fastify';
import { mount } from '../http/route';
import type { Caller, Services } from '../services/context';
import { countSelfReportsSince, insertSelfReport, listSelfReports, removeSelfReport } from '../storage/repos/self-reports';

// A child's own image, blocked everywhere (issue 11): the device sends hashes only; they join the
// platform block list (detection/platform-list.ts) until the child or a moderator removes them.

/** Per account: at most this many reports an hour, and a day (a flood is refused with request.rate_limited). */
export const SELF_REPORT_LIMITS = { perHour: 10, perDay: 30 } as const;

const DONE = [
  'Haven will block this image if anyone tries to send it on Haven, in any conversation: checked by our server where it can see images, and on people’s devices where chats are end-to-end encrypted.',
  'Anyone who tries to send it will be stopped, and a moderator will review what happened.',
  'Your picture never left your device: only its fingerprints (hashes) were sent.',
];
const NOT_DONE = [
  'Haven cannot remove copies that are already outside Haven, on other apps or websites.',
  'A heavily edited copy (cropped a lot, with drawings or text over it) may not be recognised.',
];

export async function fileSelfReport(s: Services, caller: Caller, req: SelfReportRequest): Promise<SelfReportAccepted> {
  const now = s.now();
  const hour = await countSelfReportsSince(s.db, caller.accountId, new Date(now.getTime() - 3_600_000));
  const day = await countSelfReportsSince(s.db, caller.accountId, new Date(now.getTime() - 86_400_000));
  if (hour >= SELF_REPORT_LIMITS.perHour || day >= SELF_REPORT_LIMITS.perDay) {
    throw new HavenError('request.rate_limited', 'You have reported a lot of images in a short time. Wait a while and try again, or talk to Childline on 0800 1111.');
  }
  const id = randomUUID();
  const hashes = [
    ...req.pdq.map((value) => ({ kind: 'pdq' as const, value })),
    { kind: 'sha256' as const, value: req.sha256 },
    { kind: 'md5' as const, value: req.md5 },
  ];
  await insertSelfReport(s.db, { id, accountId: caller.accountId, quality: req.quality, createdAt: now, hashes });
  s.log.info({ selfReport: id, hashes: hashes.length }, 'self-reported image added to the platform block list');
  return {
    id,
    createdAt: now.toISOString(),
    hashes: new Set(hashes.map((h) => `${h.kind}:${h.value}`)).size,
    done: DONE,
    notDone: req.quality < 50 ? [...NOT_DONE, 'This picture has little detail, so only exact copies can be recognised.'] : NOT_DONE,
    next: [
      { name: "Childline's Report Remove", contact: REPORT_REMOVE_URL, description: 'Get nude images of you removed from the internet, with Childline and the IWF. You will not be in trouble.' },
      { name: 'Childline', contact: '0800 1111', description: 'Free, confidential, any time, for anyone under 19.' },
    ],
  };
}

export function selfReportRoutes(app: FastifyInstance, s: Services): void {
  mount(app, s, ROUTES.selfReport, ({ caller, body }) => fileSelfReport(s, caller, body));
  mount(app, s, ROUTES.selfReports, async ({ caller }) => ({
    reports: (await listSelfReports(s.db, caller.accountId)).map((r) => ({ id: r.id, createdAt: r.created_at.toISOString(), hashes: r.hashes })),
  }));
  mount(app, s, ROUTES.removeSelfReport, async ({ caller, params }) => {
    if (!(await removeSelfReport(s.db, params.id, caller.accountId, caller.accountId, s.now()))) throw new HavenError('selfreport.not_found');
  });
}
