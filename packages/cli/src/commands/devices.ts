import type { Command } from 'commander';
import { HavenError } from '@haven/protocol';
import type { DeviceNotice, E2eeEngine } from '@haven/client/node';
import { handleArg, signedIn, withJson, withProfile, type ProfileOptions } from '../context';
import { UsageError, printJson, printLine, printTable } from '../output';

// Devices (issue 15, issue 13 item 8; docs/decisions/0011-device-linking.md): list, remove, link a new
// device (code shown here, entered there), start over with a new account key, and compare safety codes.

/** devices list|remove|link|accept|new-key, and verify HANDLE. */
export function register(program: Command): void {
  const devices = program.command('devices').description('your devices: list, remove, link a new one');

  withJson(withProfile(devices.command('list').description('list your devices (linked or pending) and which one this is'))).action(
    async (opts: ProfileOptions & { json?: boolean }) => {
      const { client } = await signedIn(opts);
      const list = await client.devices();
      if (opts.json) return printJson(list);
      printTable([
        ['DEVICE', 'NAME', 'STATE', 'ADDED', 'LAST SEEN'],
        ...list.map((d) => [
          d.id + (d.current ? ' (this one)' : ''),
          d.name ?? '-',
          d.linked ? 'linked' : 'pending: not linked',
          d.createdAt.slice(0, 16).replace('T', ' '),
          d.lastSeenAt ? d.lastSeenAt.slice(0, 16).replace('T', ' ') : '-',
        ]),
      ]);
    },
  );

  withProfile(
    devices.command('remove <deviceId>').description('remove another of your devices: it is signed out and removed from your encrypted conversations'),
  ).action(async (deviceId: string, opts: ProfileOptions) => {
    const { client } = await signedIn(opts);
    await client.removeDevice(deviceId);
    printLine(`Removed device ${deviceId}. Every member of your encrypted conversations will see that it was removed.`);
  });

  withProfile(
    devices
      .command('link')
      .description('on a linked device: show a code that links a new device to your account')
      .option('--timeout <seconds>', 'how long to wait for the new device', '600'),
  ).action(async (opts: ProfileOptions & { timeout: string }) => {
    const timeoutMs = Number(opts.timeout) * 1000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout ${opts.timeout}: give a number of seconds`);
    const { e2ee } = await signedIn(opts);
    const engine = await e2ee();
    const { code, done } = await engine.offerLink({ timeoutMs });
    printLine(`Link code: ${code}`);
    printLine('On the new device, sign in and run: haven devices accept CODE   (or: haven login --link CODE)');
    printLine('Never give this code to anyone: it lets a device read your encrypted conversations.');
    const linked = await done;
    printLine(`Linked device ${linked.deviceId}. It is added to your encrypted conversations as you and your contacts use them.`);
  });

  withProfile(devices.command('accept <code>').description('on a new device: enter the code shown by `haven devices link` on a linked device')).action(
    async (code: string, opts: ProfileOptions) => {
      const { e2ee } = await signedIn(opts);
      await acceptLink(await e2ee(), code);
    },
  );

  withProfile(
    devices
      .command('new-key')
      .description('when every other device of yours is lost and removed: make a new account key here (contacts see a safety code change)'),
  ).action(async (opts: ProfileOptions) => {
    const { e2ee } = await signedIn(opts);
    const engine = await e2ee();
    if (engine.linked) throw new UsageError('this device is linked already; use `haven devices link` to add another device');
    await engine.createAccountKey();
    try {
      await engine.ensureKeyPackages();
    } catch (e) {
      await engine.wipe();
      if (e instanceof HavenError && e.code === 'device.key_mismatch')
        throw new HavenError('device.key_mismatch', 'Another linked device of yours remains: link this device from it (`haven devices link` there), or remove it first.');
      throw e;
    }
    printLine('This device now holds a new account key. Your contacts will see that your safety code changed; compare it with them (haven verify HANDLE).');
  });

  withJson(
    withProfile(
      program
        .command('verify <handle>')
        .description('show your safety code with a contact, to compare in person or on a call; --confirm marks them verified')
        .option('--confirm', 'the codes matched: mark this contact verified'),
    ),
  ).action(async (raw: string, opts: ProfileOptions & { json?: boolean; confirm?: boolean }) => {
    const handle = handleArg(raw);
    const { e2ee } = await signedIn(opts);
    const engine = await e2ee();
    const accountId = await engine.accountIdOf(handle);
    if (!accountId) throw new HavenError('account.not_found', `You share no conversation with ${handle}.`);
    const info = await engine.safetyCode(accountId, { confirm: !!opts.confirm });
    if (opts.json) return printJson({ ...info, handle });
    if (info.changedWhileVerified) printLine(`⚠ IMPORTANT: ${handle} was verified before, and their account key has CHANGED since. Compare again.`);
    printLine(`Safety code with ${handle}:`);
    const groups = info.code.split(' ');
    printLine(`  ${groups.slice(0, 6).join(' ')}`);
    printLine(`  ${groups.slice(6).join(' ')}`);
    printLine(
      info.verified
        ? `${handle} is verified on this device.`
        : `Compare it with ${handle} in person or on a call; if it matches, run: haven verify ${handle} --confirm`,
    );
  });
}

/** Completes a link on this (new) device and says what happened. */
export async function acceptLink(engine: E2eeEngine, code: string): Promise<void> {
  if (engine.linked) throw new UsageError('this device is linked already');
  printLine('Waiting for your other device to confirm…');
  await engine.acceptLink(code);
  printLine('This device is now linked to your account: it is added to your encrypted conversations as they are used.');
}

/** Device notices as lines for people (prominent ones marked). */
export function noticeLine(n: DeviceNotice): string {
  const when = n.at ? `${n.at.slice(0, 16).replace('T', ' ')}  ` : '';
  return `${when}${n.prominent ? '⚠ ' : '🔑 '}${n.text}`;
}
