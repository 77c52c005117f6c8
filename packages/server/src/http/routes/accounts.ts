import { HavenError, ROUTES } from '@haven/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createAccount, login, logout, register, updateOwnRegion } from '../../services/accounts';
import type { Services } from '../../services/context';
import { findAccountById } from '../../storage/repos/accounts';
import { answerLink, devicesOf, getLink, offerLink, removeDeviceOf, requestLink } from '../../services/devices';
import { LoginThrottle } from '../login-throttle';
import { RateLimiter } from '../rate-limit';
import { mount } from '../route';
import { accountSelf } from '../../services/views';
import { recordIp } from '../../moderation/ip-capture';

export function accountRoutes(app: FastifyInstance, s: Services): void {
  const limits = s.config.rateLimits;
  const signups = new RateLimiter(limits.register.burst, limits.register.perMinute);
  const logins = new RateLimiter(limits.login.burst, limits.login.perMinute);
  const limit = (limiter: RateLimiter, req: FastifyRequest): void => {
    if (!limiter.take(req.ip, s.now().getTime())) throw new HavenError('request.rate_limited');
  };

  mount(app, s, ROUTES.register, async ({ body, req }) => {
    limit(signups, req);
    const session = await register(s, body);
    // Registration opens a session: recorded as `Other` where IP capture is on.
    await recordIp(s, session.account.id, 'Other', req.ip);
    return session;
  });
  const throttle = new LoginThrottle(limits.loginAccount);
  mount(app, s, ROUTES.login, async ({ body, req, reply }) => {
    limit(logins, req);
    // Per account too, whatever the address (issue 13): wrong passwords back off; the owner's known addresses do not.
    const wait = throttle.begin(body.handle, req.ip, s.now().getTime());
    if (wait > 0) {
      void reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new HavenError('auth.throttled');
    }
    let outcome: 'right' | 'wrong' | 'other' = 'other';
    try {
      const session = await login(s, body);
      outcome = 'right';
      await recordIp(s, session.account.id, 'Login', req.ip);
      return session;
    } catch (e) {
      // Only a wrong password counts against the account; a suspended account or a bad device id does not.
      if (e instanceof HavenError && e.code === 'auth.bad_credentials') outcome = 'wrong';
      throw e;
    } finally {
      throttle.settle(body.handle, req.ip, s.now().getTime(), outcome);
    }
  });
  mount(app, s, ROUTES.logout, async ({ caller }) => logout(s, caller));
  mount(app, s, ROUTES.me, async ({ caller }) => {
    const account = await findAccountById(s.db, caller.accountId);
    if (!account) throw new HavenError('auth.invalid_token');
    return accountSelf(account, s.now(), s.policy.timeZone, s.policy.safeguards.nudityWarnings);
  });
  mount(app, s, ROUTES.updateMe, async ({ caller, body }) => updateOwnRegion(s, caller, body.region));
  mount(app, s, ROUTES.devices, async ({ caller }) => ({ devices: await devicesOf(s, caller) }));
  mount(app, s, ROUTES.removeDevice, async ({ caller, params }) => removeDeviceOf(s, caller, params.deviceId));
  mount(app, s, ROUTES.createDeviceLink, async ({ caller, body }) => offerLink(s, caller, body.linkId));
  mount(app, s, ROUTES.getDeviceLink, async ({ caller, params }) => getLink(s, caller, params.linkId));
  mount(app, s, ROUTES.requestDeviceLink, async ({ caller, params, body }) => requestLink(s, caller, params.linkId, body.request));
  mount(app, s, ROUTES.answerDeviceLink, async ({ caller, params, body }) => answerLink(s, caller, params.linkId, body.response));
  mount(app, s, ROUTES.createUser, async ({ caller, body }) => createAccount(s.db, s.now(), body, s.policy.timeZone, { id: caller.accountId, handle: caller.handle }));
}
