import { randomUUID } from 'node:crypto';
import { certifyDevice, generateAccountKeys, generateDeviceKeys, generateKeyPackages, encodeCertificate, type Roster, type SuiteName } from '@haven/crypto';
import { HavenError } from '@haven/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../services/context';
import { insertDevice, storeCertificate } from '../storage/repos/devices';
import { insertSession } from '../storage/repos/sessions';
import { findGroup, pinMlsDevice, setRoster, storeKeyPackages } from '../storage/repos/mls';
import { hashToken, newToken } from '../services/tokens.node.ts';

// TEST ONLY (issue 15): what a malicious server would do to put a "ghost" device into a victim's
// encrypted conversations. Mounted only when the server is started with `testHooks: true`, which only
// `startTestServer` can pass: no config file or environment variable turns it on.

const GhostRequest = z
  .object({
    accountId: z.string().uuid(),
    conversationIds: z.array(z.string().uuid()).max(100),
    /** `none`: an uncertified device; `forged`: certified by an account key the server made up. */
    certify: z.enum(['none', 'forged']),
    name: z.string().min(1).max(64).default('ghost'),
  })
  .strict();

export function ghostDeviceHook(app: FastifyInstance, s: Services): void {
  app.post('/v1/test/ghost-device', async (req, reply) => {
    const body = GhostRequest.safeParse(req.body);
    if (!body.success) throw new HavenError('request.invalid');
    const { accountId, conversationIds, certify, name } = body.data;
    const suite = s.config.mls.allowedSuites[0] as SuiteName;
    const device = await insertDevice(s.db, { id: randomUUID(), account_id: accountId, name });
    const identity = { accountId: accountId as never, deviceId: device.id as never };
    let keys = await generateDeviceKeys(identity, { suite });
    if (certify === 'forged') {
      const fake = generateAccountKeys(identity.accountId);
      const certificate = certifyDevice(fake, identity, keys.signaturePublicKey, s.now().getTime());
      keys = { ...keys, certificate };
      await storeCertificate(s.db, { device_id: device.id, account_id: accountId, account_key: fake.publicKey, certificate: encodeCertificate(certificate) });
    }
    // Into the directory: its signature key pinned, key packages for anyone to claim.
    await pinMlsDevice(s.db, device.id, accountId, keys.signaturePublicKey);
    const kps = await generateKeyPackages(keys, { count: 5, now: s.now().getTime() });
    const notAfter = Math.floor(s.now().getTime() / 1000) + 86_400;
    await storeKeyPackages(
      s.db,
      device.id,
      kps.map((k) => ({ ref: k.ref, suite, lastResort: k.lastResort, notAfter, bytes: k.keyPackage })),
    );
    // Into the server's roster of each conversation, in a new leaf past the last one.
    for (const id of conversationIds) {
      const group = await findGroup(s.db, id);
      if (!group) continue;
      const roster = JSON.parse(group.roster) as Roster;
      const next = Math.max(-1, ...roster.leaves.map((l) => l.leafIndex)) + 1;
      roster.leaves.push({ leafIndex: next, identity });
      await setRoster(s.db, id, JSON.stringify(roster));
    }
    const token = newToken();
    await insertSession(s.db, { token_hash: hashToken(token), account_id: accountId, device_id: device.id, expires_at: new Date(s.now().getTime() + 3600_000) });
    return reply.status(201).send({ deviceId: device.id, token });
  });
}
