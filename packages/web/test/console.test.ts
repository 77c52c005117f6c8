import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HavenClient, Messenger } from '@haven/client';
import { createAccount, startTestServer, type TestServer } from '@haven/server';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from '../../../testing/env';
import { PASSWORD, birthDateForAge, ensureBuilt, expectAccessible, launchChromium, openApp, screenshot, type AppPage } from './harness';

// The moderator console, transparency and compliance pages in Chromium against a real server (issue 14,
// items 5 and 6). The report is made through the SDK to keep this fast: a child reports an adult's image
// in their visible conversation. A moderator claims the case in the browser, sees the image blurred and
// greyscale, reveals it (counted), decides with a reason, refers it and opens the referral package; a
// second moderator is refused the case in words; the warned account's appeal is refused to the moderator
// who decided and overturned by the other; a plain user is told the console is not for them; an
// admin sees the statistics and the compliance report; a visitor is told the statistics are not public.

const CHROMIUM = chromiumPath();
const run = Date.now().toString(36).slice(-5);
const h = (name: string) => `${name}${run}`;

/** A colourful image, so that greyscale is visible in its pixels. */
async function colourImage(): Promise<Buffer> {
  const w = 240;
  const hgt = 160;
  const data = Buffer.alloc(w * hgt * 3);
  for (let y = 0; y < hgt; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      data[o] = x < w / 2 ? 230 : 20;
      data[o + 1] = y < hgt / 2 ? 40 : 200;
      data[o + 2] = 128 + 100 * Math.sin((x + 2 * y) / 11);
    }
  return sharp(data, { raw: { width: w, height: hgt, channels: 3 } }).png().toBuffer();
}

/** The largest difference between colour channels over the shown image's pixels (0 for greyscale). */
function colourfulness(page: Page, alt: RegExp): Promise<number> {
  return page.getByRole('img', { name: alt }).evaluate(async (img: HTMLImageElement) => {
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let max = 0;
    for (let i = 0; i < d.length; i += 4) max = Math.max(max, Math.abs(d[i]! - d[i + 1]!), Math.abs(d[i + 1]! - d[i + 2]!), Math.abs(d[i]! - d[i + 2]!));
    return max;
  });
}

async function signIn(browser: Browser, url: string, handle: string): Promise<AppPage> {
  const app = await openApp(browser, url);
  await app.page.getByRole('button', { name: 'I already have an account', exact: true }).click();
  await app.page.getByLabel('Handle', { exact: true }).fill(handle);
  await app.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await app.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await app.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).waitFor({ timeout: 60_000 });
  return app;
}

describe.skipIf(!CHROMIUM.available)(`the moderator console and transparency pages in Chromium${CHROMIUM.available ? '' : ` (skipped: ${CHROMIUM.reason})`}`, () => {
  let server: TestServer;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  const pages: Record<string, AppPage> = {};
  let imageSha: string;
  let adult: HavenClient;
  let caseUrl: string;
  const adultHandle = h('adult');

  beforeAll(async () => {
    ensureBuilt();
    server = await startTestServer();
    const staff = (name: string, role: 'moderator' | 'admin') => createAccount(server.services.db, new Date(), { handle: h(name) as never, password: PASSWORD, birthDate: '1980-01-01', role });
    await Promise.all([staff('moda', 'moderator'), staff('modb', 'moderator'), staff('admin', 'admin')]);
    adult = new HavenClient({ serverUrl: server.url });
    const kid = new HavenClient({ serverUrl: server.url });
    await adult.register({ handle: adultHandle as never, password: PASSWORD, birthDate: birthDateForAge(35) } as never);
    await kid.register({ handle: h('kid') as never, password: PASSWORD, birthDate: birthDateForAge(13) } as never);
    // The child adds the adult first (adults cannot reach children otherwise): a visible conversation.
    await kid.requestContact(adultHandle);
    await adult.acceptContact(h('kid'));
    const messenger = new Messenger(adult);
    const convo = await messenger.directWith(h('kid'));
    expect(convo.mode).toBe('visible');
    const image = await colourImage();
    imageSha = createHash('sha256').update(image).digest('hex');
    const up = await adult.uploadMedia(convo.id, new Uint8Array(image), image.length);
    const sent = await messenger.send(convo, { v: 1, text: `our secret ${run}`, attachments: [{ mediaId: up.id, contentType: 'image/png', size: up.size, sha256: up.sha256 }] });
    await kid.fileReport({ target: { kind: 'message', messageId: sent.id }, reason: 'grooming', note: 'he asked me to keep it secret' });
    ({ browser, close: closeBrowser } = await launchChromium(CHROMIUM.value));
  }, 120_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const [who, p] of Object.entries(pages)) if (!p.page.isClosed()) await screenshot(p.page, `console-failed-${who}`).catch(() => undefined);
  });

  it('a moderator claims the case, sees the image blurred, reveals it (counted), decides with a reason, refers it and opens the package; a second moderator is refused', async () => {
    const mod = (pages.moda = await signIn(browser, server.url, h('moda')));
    const { page } = mod;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Moderation' }).click();
    const row = page.getByRole('row').filter({ hasText: `@${adultHandle}` });
    await row.waitFor();
    // A child's report about an adult: high priority (M2), one item, held by nobody, not yet due.
    await expect.poll(() => row.innerText()).toMatch(/High[\s\S]*Open[\s\S]*@\S+ \(adult\)\s+1\s+nobody/);
    await expectAccessible(page, 'moderation queue');
    await screenshot(page, 'console-01-queue');

    await row.getByRole('button', { name: `Claim case about @${adultHandle}` }).click();
    await page.getByRole('heading', { name: `Case about @${adultHandle}`, level: 1 }).waitFor();
    await page.getByText('Held by').locator('xpath=following-sibling::dd[1]').getByText('You', { exact: true }).waitFor();
    await page.getByText('he asked me to keep it secret').waitFor();
    await page.getByText(`our secret ${run}`).first().waitFor();

    // The image arrives blurred and greyscale: its pixels carry no colour. Nothing is counted yet.
    const blurredAlt = /^Evidence image attachment-.*, blurred and greyscale$/;
    await page.getByRole('img', { name: blurredAlt }).waitFor();
    expect(await colourfulness(page, blurredAlt)).toBeLessThanOrEqual(8);
    await page.getByText('Originals you revealed today: 0').waitFor();
    await expectAccessible(page, 'case view');
    await page.getByRole('img', { name: blurredAlt }).scrollIntoViewIfNeeded();
    await screenshot(page, 'console-02-case-blurred');

    // A second moderator opens the same case and cannot take it: the server's refusal, in words.
    const other = (pages.modb = await signIn(browser, server.url, h('modb')));
    caseUrl = page.url();
    await other.page.goto(caseUrl);
    await other.page.getByRole('heading', { name: `Case about @${adultHandle}`, level: 1 }).waitFor();
    await other.page.getByRole('button', { name: 'Claim', exact: true }).click();
    await other.page.getByRole('alert').getByText('Another moderator holds this case.').waitFor();
    expect(await other.page.getByRole('button', { name: 'Record decision' }).count()).toBe(0);
    await expectAccessible(other.page, 'case refused to a second moderator');
    await screenshot(other.page, 'console-03-second-moderator-refused');

    // Reveal: the original, in colour, and the server's counter goes up.
    await page.getByRole('button', { name: /^Reveal original of attachment-/ }).click();
    const originalAlt = /^Evidence image attachment-.*, original$/;
    await page.getByRole('img', { name: originalAlt }).waitFor();
    expect(await colourfulness(page, originalAlt)).toBeGreaterThan(100);
    await page.getByText('Originals you revealed today: 1').first().waitFor();
    await page.getByRole('img', { name: originalAlt }).scrollIntoViewIfNeeded();
    await screenshot(page, 'console-04-case-revealed');

    // Decide with a reason from the fixed list, then refer.
    await page.getByLabel('Action', { exact: true }).selectOption('warn');
    await page.getByLabel('Reason', { exact: true }).selectOption('grooming');
    await page.getByLabel('Note for the record (optional)').fill('first warning');
    await page.getByRole('button', { name: 'Record decision' }).click();
    await page.getByText('Decision recorded: warn the account.').waitFor();
    await page.getByText(/Warn the account for grooming/).waitFor();
    await page.getByRole('button', { name: 'Refer to law enforcement' }).click();
    await page.getByText('Referred to law enforcement: the referral package is ready below.').waitFor();
    await page.getByText(/^Referral [0-9a-f]{8}: package built/).waitFor();
    await page.getByRole('button', { name: 'View package' }).click();
    const pkg = page.getByRole('region', { name: 'Referral package' });
    await pkg.getByText('Every file matches its SHA-256 digest.').waitFor();
    const download = page.waitForEvent('download');
    await pkg.getByRole('button', { name: 'Download the whole package (JSON)' }).click();
    const saved = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as { files: { path: string; base64: string }[] };
    // The package carries the original image, byte for byte.
    expect(saved.files.some((f) => createHash('sha256').update(Buffer.from(f.base64, 'base64')).digest('hex') === imageSha)).toBe(true);
    // The case's audit trail names each act: the claim, the reveal of the original, the decision, the referral.
    const trail = page.getByRole('region', { name: /^Audit trail \(\d+\)$/ });
    await trail.getByText('Show every entry').click();
    for (const act of ['case\\.claim', 'evidence\\.reveal', 'case\\.refer'])
      await expect.poll(() => trail.getByRole('cell', { name: new RegExp(`^${act} `) }).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expectAccessible(page, 'case with referral package');
    await pkg.scrollIntoViewIfNeeded();
    await screenshot(page, 'console-05-referral');
    // The queue now says so.
    await page.getByRole('button', { name: '← Back to the queue' }).first().click();
    await page.getByLabel('Show', { exact: true }).selectOption('referred');
    await page.getByRole('row').filter({ hasText: `@${adultHandle}` }).getByText('Referred').waitFor();
  }, 120_000);

  it('the warned account appeals: the moderator who decided is refused, a second moderator overturns it; the case, reopened, is closed', async () => {
    const [decision] = await adult.myDecisions();
    await adult.appeal(decision!.id, 'I was only joking, it was a game');
    const mine = pages.moda!.page;
    await mine.goto(caseUrl);
    await mine.getByText('I was only joking, it was a game').first().waitFor();
    await mine.getByRole('button', { name: 'Decide appeal' }).click();
    await mine.getByRole('alert').getByText('An appeal is decided by a different moderator from the one who made the decision.').waitFor();

    const { page } = pages.modb!;
    await page.goto(caseUrl);
    await page.reload();
    await page.getByText('I was only joking, it was a game').first().waitFor();
    await page.getByLabel('Appeal outcome').selectOption('overturned');
    await page.getByLabel('Appeal reason').selectOption('other');
    await page.getByLabel('Appeal note (optional)').fill('not grooming on review');
    await expectAccessible(page, 'appeal form');
    await page.getByRole('button', { name: 'Decide appeal' }).click();
    await page.getByText('Appeal overturned.').waitFor();
    await page.getByText(`Overturned by ${h('modb')}.`).waitFor();
    expect(await page.getByRole('button', { name: 'Decide appeal' }).count()).toBe(0);
    await screenshot(page, 'console-06-appeal-decided');

    // The appeal reopened the case for anyone to take: claimed again, it is closed; nothing is left to decide.
    await mine.reload();
    await mine.getByText('Open (actioned)').waitFor();
    await mine.getByRole('button', { name: 'Claim', exact: true }).click();
    await mine.getByRole('button', { name: 'Close case', exact: true }).click();
    await mine.getByText('Case closed.', { exact: true }).waitFor();
    await mine.getByText('Closed (actioned)').waitFor();
    expect(await mine.getByRole('button', { name: 'Record decision' }).count()).toBe(0);
  }, 60_000);

  it('a plain user is told the console and the compliance report are not for them', async () => {
    const { page } = (pages.user = await signIn(browser, server.url, adultHandle));
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Moderation' }).count()).toBe(0);
    await page.goto(`${server.url}/#/moderation`);
    await page.getByText('You don’t have access to this page: it is for moderators and administrators.').waitFor();
    expect(await page.getByRole('table').count()).toBe(0);
    await expectAccessible(page, 'moderation, no access');
    await screenshot(page, 'console-07-no-access');
    await page.goto(`${server.url}/#/compliance`);
    await page.getByText('You don’t have access to this page: it is for administrators.').waitFor();
    // Statistics are not public on this server: the user is told so, in words.
    await page.goto(`${server.url}/#/transparency`);
    await page.getByText('This server does not make its transparency statistics public; only its administrators can see them.').waitFor();
    await expectAccessible(page, 'transparency, not public');
  }, 90_000);

  it('an admin sees the statistics table, the chart and the CSV, and the compliance report with its Markdown', async () => {
    const { page } = (pages.admin = await signIn(browser, server.url, h('admin')));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Transparency' }).click();
    const table = page.getByRole('table', { name: /^Statistics for .* by police force area$/ });
    await table.waitFor();
    // The warning above counts: one incident actioned, one referral, in the total row.
    const total = table.locator('tfoot tr');
    await expect.poll(() => total.innerText()).toMatch(/^Total\s+1\s/);
    expect(await table.locator('thead th').first().innerText()).toBe('Police force area');
    const chart = page.getByRole('img', { name: /^Chart of incidents actioned by police force area/ });
    await chart.waitFor();
    expect(await chart.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth))).toBeGreaterThan(0);
    expect(await chart.getAttribute('src')).toMatch(/^blob:/);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const csv = readFileSync(await (await download).path(), 'utf8');
    expect(csv).toMatch(/Total/);
    await expectAccessible(page, 'transparency for an admin');
    await screenshot(page, 'console-08-transparency');
    await page.getByLabel('Rows by').selectOption('method');
    await page.getByRole('table', { name: /by detection method$/ }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compliance' }).click();
    await page.getByRole('heading', { name: /^Measures, / }).waitFor();
    expect(await page.locator('.measure-list > li').count()).toBeGreaterThan(5);
    const md = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download Markdown' }).click();
    expect(readFileSync(await (await md).path(), 'utf8')).toMatch(/^#/);
    await expectAccessible(page, 'compliance');
    await screenshot(page, 'console-09-compliance');
  }, 90_000);

  it('a signed-out visitor reaches the transparency page and is told the statistics are not public', async () => {
    const { page } = (pages.visitor = await openApp(browser, `${server.url}/#/transparency`));
    await page.getByText('This server does not make its transparency statistics public.').waitFor({ timeout: 30_000 });
    await expectAccessible(page, 'transparency, signed out');
    await screenshot(page, 'console-10-transparency-visitor');
  }, 60_000);
});
