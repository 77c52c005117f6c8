import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashImageBuffer } from '@haven/pdq/node';
import { startTestServer, type TestServer } from '@haven/server';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from '../../../testing/env';
import { birthDateForAge, ensureBuilt, expectAccessible, launchChromium, newConversation, openApp, screenshot, sendText, signUp, waitReady, type AppPage } from './harness';

// The web app in a real browser (Debian's Chromium) against a real `haven serve`, no mocks: sign-up,
// end-to-end encryption in the browser (MLS state in IndexedDB, encrypted at rest), the contact rules
// for children, a known image blocked with help, reload and a second device, axe on every page.
// The steps share one server and one browser and run in order (each `it` builds on the one before).

const CHROMIUM = chromiumPath();
const run = Date.now().toString(36).slice(-5);
const h = (name: string) => `${name}${run}`;

/** A test image made here, with enough structure for PDQ quality >= 50. */
async function knownImage(): Promise<Buffer> {
  const w = 320;
  const hgt = 240;
  const data = Buffer.alloc(w * hgt * 3);
  for (let y = 0; y < hgt; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const inBox = (x > 40 && x < 140 && y > 30 && y < 120) || (x - 230) ** 2 + (y - 160) ** 2 < 2500;
      data[o] = inBox ? 220 : (x * 255) / w;
      data[o + 1] = inBox ? 30 : (y * 255) / hgt;
      data[o + 2] = 128 + 100 * Math.sin((x + 2 * y) / 13);
    }
  return sharp(data, { raw: { width: w, height: hgt, channels: 3 } }).png().toBuffer();
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

/** The forms a marker could take when stored: UTF-8, hex, base64 at each alignment. */
function forms(marker: string): string[] {
  const b64s = [0, 1, 2].map((pad) => Buffer.from('x'.repeat(pad) + marker).toString('base64').slice(4, -4));
  return [marker, Buffer.from(marker).toString('hex'), ...b64s];
}

/** Every key of the app's IndexedDB, its values as bytes-as-text, and whether the vault key can be exported. */
function idbDump(page: Page): Promise<{ keys: string[]; text: string; extractable: boolean | null }> {
  return page.evaluate(async () => {
    const req = <T,>(r: IDBRequest<T>) => new Promise<T>((res, rej) => ((r.onsuccess = () => res(r.result)), (r.onerror = () => rej(r.error))));
    const db = await req(indexedDB.open('haven'));
    const kv = db.transaction('kv').objectStore('kv');
    const keys = (await req(kv.getAllKeys())).map(String);
    const values = (await req(kv.getAll())) as Uint8Array[];
    const key = (await req(db.transaction('keys').objectStore('keys').get('vault.v1'))) as CryptoKey | undefined;
    db.close();
    return { keys, text: values.map((v) => new TextDecoder('latin1').decode(v)).join('\n'), extractable: key ? key.extractable : null };
  });
}

describe('the web app in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let listDir: string;
  let image: Buffer;
  let alice: AppPage;
  let bob: AppPage;
  let carol: AppPage;
  const secrets = [`first secret ${run} 🍊`, `reply secret ${run} 🦊`, `third secret ${run}`];

  beforeAll(async () => {
    ensureBuilt();
    server = await startTestServer();
    listDir = mkdtempSync(join(tmpdir(), 'haven-web-list-'));
    image = await knownImage();
    writeFileSync(join(listDir, 'known.csv'), `hash,label\n${(await hashImageBuffer(image)).hash},web-test\n`);
    const r = await server.services.hashLists.store.import(join(listDir, 'known.csv'), { name: 'known-images', source: 'test' });
    expect(r.ok).toBe(true);
    await server.services.hashLists.reload();
    ({ browser, close: closeBrowser } = await launchChromium(CHROMIUM.value));
  }, 180_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
    if (listDir) rmSync(listDir, { recursive: true, force: true });
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    const name = ctx.task.name.slice(0, 30).replace(/[^a-z0-9]+/gi, '-');
    for (const [who, p] of [['alice', alice], ['bob', bob], ['carol', carol]] as const) if (p && !p.page.isClosed()) await screenshot(p.page, `failed-${name}-${who}`).catch(() => undefined);
  });

  const conversationWith = (p: Page, title: string) => p.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: new RegExp(`^${title}`) });

  it('two adults sign up, start a conversation and talk both ways, end-to-end encrypted', async () => {
    alice = await openApp(browser, server.url);
    await alice.page.getByRole('button', { name: 'Create account', exact: true }).waitFor({ timeout: 60_000 });
    await expectAccessible(alice.page, 'sign-up');
    await screenshot(alice.page, '01-sign-up');
    await signUp(alice.page, h('alice'), '1990-04-01');
    bob = await openApp(browser, server.url);
    await signUp(bob.page, h('bob'), '1985-05-05');
    await expectAccessible(alice.page, 'empty messenger');
    await screenshot(alice.page, '02-messenger-empty');

    await newConversation(alice.page, h('bob'));
    const badge = alice.page.getByRole('button', { name: /^End-to-end encrypted/ });
    await badge.waitFor();
    expect(await badge.getAttribute('aria-label')).toMatch(/^End-to-end encrypted: .*adult/);
    await sendText(alice.page, secrets[0]!);
    await alice.page.getByRole('log').getByText(secrets[0]!, { exact: true }).waitFor();

    // Unread until Bob opens it.
    await bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /end-to-end encrypted, 1 unread$/ }).waitFor({ timeout: 60_000 });
    await conversationWith(bob.page, h('alice')).click();
    await bob.page.getByRole('log').getByText(secrets[0]!, { exact: true }).waitFor({ timeout: 60_000 });
    await bob.page.getByRole('button', { name: /^End-to-end encrypted/ }).waitFor();
    await expect.poll(() => bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /unread/ }).count(), { timeout: 30_000 }).toBe(0);
    await sendText(bob.page, secrets[1]!);
    await alice.page.getByRole('log').getByText(secrets[1]!, { exact: true }).waitFor({ timeout: 60_000 });
    // Every received message has a Report action; your own do not.
    await expect.poll(() => alice.page.getByRole('log').getByRole('button', { name: 'Report', exact: true }).count(), { timeout: 30_000 }).toBe(1);
    // A received message can be reported: a franked report, verified by the server.
    await alice.page.getByRole('log').getByRole('button', { name: 'Report', exact: true }).click();
    await alice.page.getByRole('dialog').getByRole('button', { name: 'Send report' }).waitFor();
    await expectAccessible(alice.page, 'report dialog');
    await alice.page.getByRole('dialog').getByRole('button', { name: 'Send report' }).click();
    await alice.page.getByRole('dialog', { name: 'Thank you for telling us' }).waitFor({ timeout: 30_000 });
    await alice.page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
    const reports = await server.services.db.selectFrom('franked_reports').selectAll().execute();
    expect(reports.length).toBe(1);

    // An image: encrypted in the browser, checked on both devices, shown with a preview.
    const photo = await sharp(image).flop().negate().jpeg({ quality: 80 }).toBuffer();
    await alice.page.locator('#attach').setInputFiles({ name: 'holiday.jpg', mimeType: 'image/jpeg', buffer: photo });
    await bob.page.getByRole('log').getByRole('img', { name: 'Image: holiday.jpg' }).waitFor({ timeout: 60_000 });
    await expectAccessible(alice.page, 'e2ee conversation');
    await screenshot(alice.page, '03-conversation-e2ee');
    expect([...alice.problems, ...bob.problems]).toEqual([]);
  }, 300_000);

  it('no table and no data file of the server holds the plaintext', async () => {
    const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(server.services.db);
    expect(tables.rows.map((t) => t.table_name)).toEqual(expect.arrayContaining(['messages', 'accounts', 'mls_groups']));
    let dump = '';
    for (const { table_name } of tables.rows) {
      const rows = await sql<{ r: string }>`select t::text as r from ${sql.table(table_name)} t`.execute(server.services.db);
      dump += rows.rows.map((r) => r.r).join('\n');
    }
    expect(dump).toContain(h('alice')); // the dump holds what the server may see
    const files = filesUnder(server.dataDir).map((f) => readFileSync(f).toString('latin1'));
    // Positive control: the message Alice reported is revealed to the server (with its proof), so the scan finds text.
    expect(dump).toContain(secrets[1]);
    for (const secret of [secrets[0]!]) {
      for (const form of forms(secret)) {
        expect(dump.includes(form), `"${secret}" in a table`).toBe(false);
        expect(files.some((f) => f.includes(form) || f.includes(Buffer.from(form).toString('latin1'))), `"${secret}" in a data file`).toBe(false);
      }
    }
  });

  it('a reload keeps the conversation readable (IndexedDB); a second browser is pending until linked with a code from the first, then reads new messages', async () => {
    await bob.page.reload();
    await waitReady(bob.page);
    await conversationWith(bob.page, h('alice')).click();
    await bob.page.getByRole('log').getByText(secrets[0]!, { exact: true }).waitFor({ timeout: 60_000 });
    await bob.page.getByRole('log').getByText(secrets[1]!, { exact: true }).waitFor(); // bob's own message, kept encrypted in this browser
    await screenshot(bob.page, '04-after-reload');
    // What the browser keeps is sealed: keys, MLS state, messages and the session token are ciphertext
    // under a key that cannot be exported.
    const raw = await idbDump(bob.page);
    expect(raw.keys.some((k) => k.startsWith('e2ee.'))).toBe(true);
    expect(raw.keys).toContain('profile');
    expect(raw.extractable).toBe(false);
    for (const plain of [`first secret ${run}`, `reply secret ${run}`, '"token"', h('bob')]) expect(raw.text.includes(plain), plain).toBe(false);

    const bob2 = await openApp(browser, server.url);
    await bob2.page.getByRole('button', { name: 'I already have an account' }).click();
    await expectAccessible(bob2.page, 'sign-in');
    await bob2.page.getByLabel('Handle', { exact: true }).fill(h('bob'));
    await bob2.page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await bob2.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitReady(bob2.page);
    // Issue 15: signed in with the password alone, it is a pending device: it says so, and offers to link.
    const linkCard = bob2.page.getByRole('region', { name: 'Link this browser' });
    await linkCard.waitFor({ timeout: 60_000 });
    await expectAccessible(bob2.page, 'link this browser');
    await screenshot(bob2.page, '04a-link-this-browser');
    // A wrong code is refused in words, and links nothing.
    await bob2.page.getByLabel('Link code', { exact: true }).fill('not a code');
    await linkCard.getByRole('button', { name: 'Link this browser' }).click();
    await linkCard.getByRole('alert').filter({ hasText: 'not a link code' }).waitFor();

    // On bob's linked browser: Settings → Link a new device shows a one-time code.
    await bob.page.getByRole('link', { name: 'Settings' }).click();
    await bob.page.getByRole('button', { name: 'Link a new device' }).click();
    const shown = bob.page.getByRole('status').filter({ hasText: 'enter this code' });
    await shown.waitFor({ timeout: 30_000 });
    const code = (await shown.locator('.link-code').innerText()).trim();
    expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    await expectAccessible(bob.page, 'settings with a link code');
    await screenshot(bob.page, '04b-link-code');
    await bob2.page.getByLabel('Link code', { exact: true }).fill(code);
    await linkCard.getByRole('button', { name: 'Link this browser' }).click();
    await linkCard.waitFor({ state: 'detached', timeout: 60_000 });
    await bob.page.getByRole('status').filter({ hasText: 'The new device is linked' }).waitFor({ timeout: 60_000 });
    await expect.poll(() => bob.page.locator('.device-list .tag').filter({ hasText: /^Linked$/ }).count(), { timeout: 30_000 }).toBe(2);
    await bob.page.getByRole('link', { name: /^Messages/ }).click();
    await conversationWith(bob.page, h('alice')).click();

    // Linked, it is added to the conversation's encryption and reads what is sent from now on; everyone
    // in the conversation is told that a device was added.
    await conversationWith(bob2.page, h('alice')).click();
    await sendText(alice.page, secrets[2]!);
    await bob.page.getByRole('log').getByText(secrets[2]!, { exact: true }).waitFor({ timeout: 60_000 });
    await bob2.page.getByRole('log').getByText(secrets[2]!, { exact: true }).waitFor({ timeout: 90_000 });
    await alice.page.getByText(/^Encryption changes \(\d+\)$/).click();
    await alice.page.locator('.encryption-notices li').filter({ hasText: /was added to this conversation’s encryption/ }).first().waitFor({ timeout: 30_000 });
    await screenshot(alice.page, '04c-encryption-changes');
    // Every device in the conversation's encryption, with its key and who added it: alice's browser and
    // both of bob's, each vouched for by its account key.
    await alice.page.getByRole('button', { name: 'Devices', exact: true }).click();
    const devices = alice.page.getByRole('dialog', { name: 'Devices in this conversation' });
    await expect.poll(() => devices.locator('tbody tr').count(), { timeout: 30_000 }).toBe(3);
    expect(await devices.locator('tbody tr').filter({ hasText: `@${h('bob')}` }).count()).toBe(2);
    // Added by whichever linked device was online first: alice's browser or bob's first one.
    const added = devices.locator('tbody tr').filter({ hasText: 'Chrome (web)' });
    expect(await added.count()).toBe(1);
    expect(await added.locator('td').nth(3).innerText()).toMatch(/, by (this device|.*device)/);
    expect(await devices.locator('tr.untrusted').count()).toBe(0);
    await expectAccessible(alice.page, 'conversation devices');
    await screenshot(alice.page, '04d-conversation-devices');
    await devices.getByRole('button', { name: 'Done', exact: true }).click();
    // The safety code with a contact, compared and confirmed.
    await alice.page.getByRole('button', { name: 'Safety code', exact: true }).click();
    const dialog = alice.page.getByRole('dialog', { name: `Safety code with @${h('bob')}` });
    await dialog.getByRole('button', { name: 'The codes match' }).click();
    await dialog.getByRole('status').filter({ hasText: 'is verified on this browser' }).waitFor();
    await expectAccessible(alice.page, 'safety code');
    await dialog.getByRole('button', { name: 'Done', exact: true }).click();

    // The second browser is a device like any other: it is in the account's device list.
    await bob2.page.getByRole('link', { name: 'Settings' }).click();
    await bob2.page.getByRole('heading', { name: 'Your devices' }).waitFor();
    await expect.poll(() => bob2.page.locator('.device-list > li').count(), { timeout: 30_000 }).toBe(2);
    await bob2.page.getByText('This browser', { exact: true }).waitFor();
    await expectAccessible(bob2.page, 'settings');
    await screenshot(bob2.page, '05-settings-devices');
    // Signing out deletes this device's keys and session from the browser.
    await bob2.page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await bob2.page.getByRole('button', { name: 'Create account', exact: true }).waitFor();
    const after = await idbDump(bob2.page);
    expect(after.keys.filter((k) => k.startsWith('e2ee.') || k === 'profile')).toEqual([]);
    await bob2.context.close();
  }, 300_000);

  it('offline sends wait, then go out when the connection is back', async () => {
    await alice.context.setOffline(true);
    await alice.page.getByRole('status').filter({ hasText: /Reconnecting|Offline/ }).waitFor({ timeout: 60_000 });
    await sendText(alice.page, 'sent while offline');
    await alice.page.getByRole('log').getByText('Waiting to send').waitFor();
    await screenshot(alice.page, '05a-offline-queued');
    await alice.context.setOffline(false);
    await bob.page.getByRole('log').getByText('sent while offline', { exact: true }).waitFor({ timeout: 60_000 });
  }, 180_000);

  it('a group: created with a member, end-to-end encrypted, both read it', async () => {
    await alice.page.getByRole('button', { name: 'New group', exact: true }).click();
    await alice.page.getByRole('dialog').getByLabel('Group name').fill('Book club');
    await alice.page.getByRole('dialog').getByLabel('Members').fill(h('bob'));
    await alice.page.getByRole('dialog').getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('heading', { name: 'Book club' }).waitFor();
    await alice.page.getByRole('button', { name: /^End-to-end encrypted/ }).waitFor();
    await sendText(alice.page, 'welcome to the club');
    await conversationWith(bob.page, 'Book club').click({ timeout: 60_000 });
    await bob.page.getByRole('log').getByText('welcome to the club', { exact: true }).waitFor({ timeout: 60_000 });
    await bob.page.getByRole('button', { name: 'Members' }).click();
    await expectAccessible(bob.page, 'group with members panel');
    await screenshot(bob.page, '05b-group');
  }, 180_000);

  it('an adult reaching an unconnected child gets what a handle nobody has gets; after the child asks, they talk (visible)', async () => {
    carol = await openApp(browser, server.url);
    // Too young: refused, kindly, with Childline.
    await carol.page.getByLabel('Handle', { exact: true }).fill(h('carol'));
    await carol.page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await carol.page.getByLabel('Birth date', { exact: true }).fill(birthDateForAge(12));
    await carol.page.getByRole('button', { name: 'Create account', exact: true }).click();
    const refusal = carol.page.getByRole('alert').filter({ hasText: '13 and over' });
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/0800 1111/);
    await expectAccessible(carol.page, 'too-young refusal');
    await screenshot(carol.page, '06a-too-young');
    await signUp(carol.page, h('carol'), birthDateForAge(15));

    const wire: string[] = [];
    const answer = async (handle: string) => {
      const response = alice.page.waitForResponse((r) => r.url().endsWith('/v1/conversations') && r.request().method() === 'POST');
      await newConversation(alice.page, handle);
      const r = await response;
      wire.push(`${r.status()} ${JSON.stringify(await r.json())}`);
      const alert = alice.page.getByRole('dialog').getByRole('alert');
      await alert.waitFor();
      const text = await alert.innerText();
      await expectAccessible(alice.page, 'new conversation dialog with a refusal');
      await alice.page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
      return text;
    };
    const toChild = await answer(h('carol'));
    const toNobody = await answer(h('nobody'));
    expect(toChild).toBe(toNobody);
    // On the wire too: the server's answer for the child's handle is the one for a handle nobody has.
    expect(wire[0]).toBe(wire[1]);
    expect(toChild).not.toMatch(/18|child|young|age/i);

    await carol.page.getByRole('link', { name: 'Contacts' }).click();
    await carol.page.getByLabel('Their handle').fill(h('alice'));
    await carol.page.getByRole('button', { name: 'Send request' }).click();
    await carol.page.getByText(`Request sent to @${h('alice')}`).waitFor();
    await expectAccessible(carol.page, 'contacts (child)');
    await screenshot(carol.page, '06-contacts-child');

    await alice.page.getByRole('link', { name: 'Contacts' }).click();
    await alice.page.getByRole('button', { name: 'Accept' }).click({ timeout: 30_000 });
    await alice.page.getByRole('link', { name: /^Messages/ }).click();
    await newConversation(alice.page, h('carol'));
    const badge = alice.page.getByRole('button', { name: /^Visible to safety checks/ });
    await badge.waitFor();
    expect(await badge.getAttribute('aria-label')).toMatch(/under 18/);
    await sendText(alice.page, 'hello carol');
    await carol.page.getByRole('link', { name: /^Messages/ }).click();
    await conversationWith(carol.page, h('alice')).click();
    await carol.page.getByRole('log').getByText('hello carol', { exact: true }).waitFor({ timeout: 60_000 });
    await sendText(carol.page, 'hi alice');
    await alice.page.getByRole('log').getByText('hi alice', { exact: true }).waitFor({ timeout: 60_000 });
    await expectAccessible(carol.page, 'visible conversation (child)');
    await screenshot(carol.page, '07-conversation-visible-child');
  }, 300_000);

  it('a known image sent to a child in a visible conversation is blocked; the child sees the notice with Childline', async () => {
    const sent = await sharp(image).jpeg({ quality: 45 }).toBuffer();
    await alice.page.locator('#attach').setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: sent });
    await alice.page.getByRole('alert').filter({ hasText: /blocked/i }).waitFor({ timeout: 60_000 });
    await screenshot(alice.page, '08-sender-blocked');

    const notice = carol.page.getByRole('alertdialog');
    await notice.waitFor({ timeout: 60_000 });
    await expect.poll(() => notice.innerText(), { timeout: 30_000 }).toMatch(/Childline/);
    expect(await notice.innerText()).toMatch(/0800 1111/);
    await expectAccessible(carol.page, 'safety notice');
    await screenshot(carol.page, '09-child-notice');
    await notice.getByRole('button', { name: 'I understand' }).click();
    // Shown once for the person, not only on this browser: the server hears it was seen (the account's
    // other devices then do not show it again).
    await expect
      .poll(
        async () =>
          (
            await server.services.db
              .selectFrom('safety_notices')
              .innerJoin('accounts', 'accounts.id', 'safety_notices.account_id')
              .select('safety_notices.seen_at')
              .where('accounts.handle', '=', h('carol'))
              .where('safety_notices.event', '=', 'media.blocked')
              .execute()
          ).map((n) => n.seen_at !== null),
        { timeout: 30_000 },
      )
      .toEqual([true]);
    // Shown once: not again after a reload.
    await carol.page.reload();
    await waitReady(carol.page);
    await carol.page.waitForTimeout(1500);
    expect(await carol.page.getByRole('alertdialog').count()).toBe(0);

    await carol.page.getByRole('button', { name: 'Help', exact: true }).click();
    const help = carol.page.getByRole('dialog', { name: 'Help' });
    await expect.poll(() => help.innerText(), { timeout: 30_000 }).toMatch(/Childline/);
    expect(await help.innerText()).toMatch(/0800 1111/);
    await expectAccessible(carol.page, 'help (child)');
    await screenshot(carol.page, '10-help-child');
    await help.getByRole('button', { name: 'Close' }).click();

    await alice.page.getByRole('button', { name: 'Help', exact: true }).click();
    await expect.poll(() => alice.page.getByRole('dialog', { name: 'Help' }).innerText(), { timeout: 30_000 }).toMatch(/0808 800 5000/);
    await alice.page.getByRole('dialog', { name: 'Help' }).getByRole('button', { name: 'Close' }).click();
    expect([...alice.problems, ...carol.problems]).toEqual([]);
  }, 300_000);

  it('a known image in an e2ee conversation is stopped on the sender’s device (PDQ over canvas pixels)', async () => {
    await bob.page.getByRole('link', { name: /^Messages/ }).click();
    await conversationWith(bob.page, h('alice')).click();
    const known = await sharp(image).jpeg({ quality: 45 }).toBuffer();
    await bob.page.locator('#attach').setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: known });
    const alert = bob.page.getByRole('alert').filter({ hasText: /blocked by a safety check on your device/ });
    await alert.waitFor({ timeout: 60_000 });
    expect(await alert.innerText()).toMatch(/0808 800 5000/);
    // Filed by the device with hashes only; nothing was uploaded.
    const d = await server.services.db.selectFrom('detections').selectAll().where('source', '=', 'client-outgoing').execute();
    expect(d.length).toBe(1);
    await screenshot(bob.page, '11-device-check-blocked');
  }, 120_000);
});
