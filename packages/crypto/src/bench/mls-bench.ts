// The measurements behind `npm run bench -- mls` (bench/mls.ts). Lives in this package because the
// side-by-side reference is raw ts-mls, which nothing outside packages/crypto may import.
import type { AccountId, DeviceId } from '@haven/protocol';
import {
  createCommit,
  createGroup,
  emptyPskIndex,
  joinGroup,
  processMessage,
  acceptAll,
  type ClientState,
  type MLSMessage,
} from 'ts-mls';
import { generateDeviceKeys, type DeviceKeys } from '../device-keys';
import { certifyDevice, generateAccountKeys } from '../device-certificate';
import { answerLinkRequest, completeLink, makeLinkRequest, newLinkSecret } from '../linking';
import { GroupSession } from '../group-session';
import { decodeKeyPackageSecret, generateKeyPackages, type GeneratedKeyPackage } from '../key-packages';
import { suiteImpl, type SuiteName } from '../suites';

export interface OpTimes {
  /** Median milliseconds per operation. */
  create: number;
  add: number;
  processAdd: number;
  remove: number;
  processRemove: number;
  encrypt: number;
  decrypt: number;
}

export interface SuiteResult {
  suite: SuiteName;
  keyPackageMs: number;
  sizes: Record<string, OpTimes>;
  /** Raw ts-mls on the same machine in the same run, group of `n` members adding one (→ n+1). */
  rawTsMls?: { members: number; add: number; processCommit: number };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.floor(s.length / 2)] ?? Number.NaN).toFixed(3));
};

async function time<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await f();
  return [performance.now() - t, v];
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

const uuid = () => globalThis.crypto.randomUUID();
/** A linked device: certified by its own account key (every Haven device is, since issue 15). */
async function device(suite: SuiteName, certified = true): Promise<DeviceKeys> {
  const id = { accountId: uuid() as AccountId, deviceId: uuid() as DeviceId };
  const keys = await generateDeviceKeys(id, { suite });
  return certified ? { ...keys, certificate: certifyDevice(generateAccountKeys(id.accountId), id, keys.signaturePublicKey, Date.now()) } : keys;
}

async function devicesWithPackages(suite: SuiteName, n: number, certified = true): Promise<{ keys: DeviceKeys; kp: GeneratedKeyPackage }[]> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const keys = await device(suite, certified);
    const [kp] = await generateKeyPackages(keys, { count: 1, lastResort: false, now: Date.now() });
    out.push({ keys, kp: kp! });
  }
  return out;
}

/** One group size: Haven's GroupSession operations, median of `reps`. */
async function measureSize(
  suite: SuiteName,
  n: number,
  reps: number,
  log: (s: string) => void,
  raw?: (i: number) => Promise<void>,
): Promise<OpTimes> {
  const members = await devicesWithPackages(suite, n + reps);
  const extra = members.splice(n);
  const [createMs, creator] = await time(() => GroupSession.create(members[0]!.keys, new TextEncoder().encode(uuid())));
  const bulk = must(await creator.addMembers(members.slice(1).map((m) => m.kp.keyPackage), { now: Date.now() }));
  must(await creator.mergePendingCommit());
  const lookup = (ref: string) => (ref === members[1]!.kp.ref ? members[1]!.kp.secret : undefined);
  const b = must(await GroupSession.join(bulk.welcome!, lookup)).session;
  const bState = b.export();
  log(`  ${suite} n=${n}: group ready`);

  const add: number[] = [];
  const processAdd: number[] = [];
  const remove: number[] = [];
  const processRemove: number[] = [];
  for (let i = 0; i < reps; i++) {
    // Interleaved with the raw ts-mls reference, so both see the same machine load.
    await raw?.(i);
    const [ta, p] = await time(() => creator.addMembers([extra[i]!.kp.keyPackage], { now: Date.now() }));
    add.push(ta);
    const commit = must(p).commit;
    creator.discardPendingCommit();
    const b1 = must(await GroupSession.import(bState));
    const [tp, r] = await time(() => b1.process(commit));
    must(r);
    processAdd.push(tp);

    const victim = members[n - 1]!.keys.identity;
    const [tr, q] = await time(() => creator.removeMembers({ devices: [victim] }));
    remove.push(tr);
    const rcommit = must(q).commit;
    creator.discardPendingCommit();
    const b2 = must(await GroupSession.import(bState));
    const [tq, r2] = await time(() => b2.process(rcommit));
    must(r2);
    processRemove.push(tq);
  }
  const enc: number[] = [];
  const dec: number[] = [];
  const body = new Uint8Array(256).fill(7);
  const ad = new Uint8Array(33).fill(1);
  for (let i = 0; i < Math.max(20, reps * 4); i++) {
    const [te, m] = await time(() => creator.encrypt(body, ad));
    enc.push(te);
    const [td, r] = await time(() => b.process(must(m)));
    must(r);
    dec.push(td);
  }
  return {
    create: Number(createMs.toFixed(3)),
    add: median(add),
    processAdd: median(processAdd),
    remove: median(remove),
    processRemove: median(processRemove),
    encrypt: median(enc),
    decrypt: median(dec),
  };
}

/**
 * Raw ts-mls with the same shape as ts-mls's own benchmark: add one member to a group of `n` and process
 * that commit. Returns a stepper (one measurement per call) and the medians so far.
 */
async function rawReference(suite: SuiteName, n: number, reps: number) {
  const cs = await suiteImpl(suite);
  const members = await devicesWithPackages(suite, n + reps);
  const extra = members.splice(n);
  const secret = (m: { kp: GeneratedKeyPackage }) => decodeKeyPackageSecret(m.kp.secret)!;
  const kp = (m: { kp: GeneratedKeyPackage }) => secret(m).publicPackage;
  const a0 = await createGroup(new TextEncoder().encode(uuid()), kp(members[0]!), secret(members[0]!).privatePackage, [], cs);
  const bulk = await createCommit(
    { state: a0, cipherSuite: cs },
    { extraProposals: members.slice(1).map((m) => ({ proposalType: 'add' as const, add: { keyPackage: kp(m) } })), ratchetTreeExtension: true },
  );
  const a: ClientState = bulk.newState;
  const b: ClientState = await joinGroup(bulk.welcome!, kp(members[1]!), secret(members[1]!).privatePackage, emptyPskIndex, cs);
  const add: number[] = [];
  const proc: number[] = [];
  return {
    async step(i: number): Promise<void> {
      const [ta, c] = await time(() =>
        createCommit({ state: a, cipherSuite: cs }, { extraProposals: [{ proposalType: 'add', add: { keyPackage: kp(extra[i]!) } }] }),
      );
      add.push(ta);
      const msg = c.commit as MLSMessage;
      if (msg.wireformat !== 'mls_private_message' && msg.wireformat !== 'mls_public_message') throw new Error('unexpected');
      const [tp] = await time(() => processMessage(msg, b, emptyPskIndex, acceptAll, cs));
      proc.push(tp);
    },
    result: () => ({ members: n + 1, add: median(add), processCommit: median(proc) }),
  };
}

export interface MlsBenchOptions {
  sizes: number[];
  suites: SuiteName[];
  log: (s: string) => void;
}

export async function runMlsBench(opts: MlsBenchOptions): Promise<SuiteResult[]> {
  const out: SuiteResult[] = [];
  for (const suite of opts.suites) {
    const kpTimes: number[] = [];
    const keys = await device(suite);
    for (let i = 0; i < 10; i++) {
      const [t] = await time(() => generateKeyPackages(keys, { count: 1, lastResort: false, now: Date.now() }));
      kpTimes.push(t);
    }
    const res: SuiteResult = { suite, keyPackageMs: median(kpTimes), sizes: {} };
    const top = Math.max(...opts.sizes);
    for (const n of opts.sizes) {
      const reps = n >= 200 ? 7 : n >= 50 ? 7 : 9;
      const raw = n === top ? await rawReference(suite, n, reps) : undefined;
      res.sizes[String(n)] = await measureSize(suite, n, reps, opts.log, raw?.step);
      opts.log(`  ${suite} n=${n}: ${JSON.stringify(res.sizes[String(n)])}`);
      if (raw) {
        res.rawTsMls = raw.result();
        opts.log(`  ${suite} raw ts-mls, ${n}+1: ${JSON.stringify(res.rawTsMls)}`);
      }
    }
    out.push(res);
  }
  return out;
}

/** Before/after cost of the certificate checks (issue 15), medians in ms and their ratio. */
export interface CertificateCost {
  suite: SuiteName;
  members: number;
  /** Processing a commit that adds one device (its credential validated). */
  processCommit: { before: number; after: number; ratio: number };
  /** Joining from a Welcome (every leaf of the tree validated). */
  join: { before: number; after: number; ratio: number };
  /** The linking cryptography on both devices (request, answer, completion), without the network. */
  linkCryptoMs: number;
}

/**
 * The extra cost of certificate checks: the same group built from uncertified devices with the check off
 * ("before", what Haven did until issue 15) and from certified devices with it on ("after").
 */
export async function measureCertificateCost(suite: SuiteName, n: number, reps: number): Promise<CertificateCost> {
  // Both groups are built first; the measurements then alternate, so both see the same machine load.
  async function setup(certified: boolean) {
    const opts = { requireCertificate: certified };
    const members = await devicesWithPackages(suite, n + reps * 2, certified);
    const extra = members.splice(n);
    const creator = await GroupSession.create(members[0]!.keys, new TextEncoder().encode(uuid()), opts);
    const bulk = must(await creator.addMembers(members.slice(1).map((m) => m.kp.keyPackage), { now: Date.now() }));
    must(await creator.mergePendingCommit());
    const lookup = (ref: string) => (ref === members[1]!.kp.ref ? members[1]!.kp.secret : undefined);
    const bState = must(await GroupSession.join(bulk.welcome!, lookup, opts)).session.export();
    const proc: number[] = [];
    const joins: number[] = [];
    return {
      async step(i: number): Promise<void> {
        const joiner = extra[reps + i]!;
        const p = must(await creator.addMembers([extra[i]!.kp.keyPackage, joiner.kp.keyPackage], { now: Date.now() }));
        creator.discardPendingCommit();
        const b1 = must(await GroupSession.import(bState, opts));
        const [tp, r] = await time(() => b1.process(p.commit));
        must(r);
        proc.push(tp);
        const [tj, j] = await time(() => GroupSession.join(p.welcome!, (ref) => (ref === joiner.kp.ref ? joiner.kp.secret : undefined), opts));
        must(j);
        joins.push(tj);
      },
      result: () => ({ process: median(proc), join: median(joins) }),
    };
  }
  const b = await setup(false);
  const a = await setup(true);
  for (let i = 0; i < reps; i++) {
    await b.step(i);
    await a.step(i);
  }
  const before = b.result();
  const after = a.result();
  const linkTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const id = { accountId: uuid() as AccountId, deviceId: uuid() as DeviceId };
    const account = generateAccountKeys(id.accountId);
    const newDevice = await generateDeviceKeys(id, { suite });
    const [t] = await time(async () => {
      const secret = newLinkSecret();
      const req = makeLinkRequest(secret, id, newDevice.signaturePublicKey);
      const ans = must(answerLinkRequest(secret, req.request, account, Date.now()));
      must(completeLink(secret, req, ans.response, id, newDevice.signaturePublicKey));
    });
    linkTimes.push(t);
  }
  const ratio = (x: number, y: number) => Number((x / y).toFixed(3));
  return {
    suite,
    members: n,
    processCommit: { before: before.process, after: after.process, ratio: ratio(after.process, before.process) },
    join: { before: before.join, after: after.join, ratio: ratio(after.join, before.join) },
    linkCryptoMs: median(linkTimes),
  };
}
