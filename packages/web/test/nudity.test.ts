import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@haven/server';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, sharedPath } from '../../../testing/env';
import { birthDateForAge, ensureBuilt, expectAccessible, launchChromium, newConversation, openApp, screenshot, signUp, waitReady, type AppPage } from './harness';

// Nudity warnings on a child's device in the web app (issue 11 item 5, issue 14 item 4), in Chromium
// against a real `haven serve`, with the real classifier (nsfwjs MobileNetV2 on TensorFlow.js's WASM
// backend, loaded from the built app). No sexual imagery is used, ever: an ordinary photo
// (../shared/pdq-reference) must not be blurred; "flagged" is simulated by the test-only threshold 0
// (set through the DevTools protocol, which no page, link or server can do; it can only make the check
// stricter), and a classifier failure by refusing the `.wasm` files. Steps run in order on one server.

const CHROMIUM = chromiumPath();
const PHOTO = sharedPath('pdq-reference', 'images', 'bridge-mod-square-512x512.jpg');
const run = Date.now().toString(36).slice(-5);
const h = (name: string) => `${name}${run}`;

/** The classifier's own timings in the page (performance measures; nothing is sent anywhere). */
function timings(page: Page): Promise<{ load: number[]; classify: number[] }> {
  return page.evaluate(() => ({
    load: performance.getEntriesByName('haven-nudity-load').map((e) => Math.round(e.duration)),
    classify: performance.getEntriesByName('haven-nudity-classify').map((e) => Math.round(e.duration)),
  }));
}

describe.skipIf(!CHROMIUM.available || !PHOTO.available)(
  `nudity warnings on a child's device${CHROMIUM.available && PHOTO.available ? '' : ` (skipped: ${CHROMIUM.reason || PHOTO.reason})`}`,
  () => {
    let server: TestServer;
    let browser: Browser;
    let closeBrowser: () => Promise<void>;
    let photo: Buffer;
    let kid: AppPage;
    let adult: AppPage;

    beforeAll(async () => {
      ensureBuilt();
      photo = readFileSync(PHOTO.value);
      server = await startTestServer();
      ({ browser, close: closeBrowser } = await launchChromium(CHROMIUM.value));
    }, 120_000);

    afterAll(async () => {
      await closeBrowser?.();
      await server?.close();
    });

    afterEach(async (ctx) => {
      if (ctx.task.result?.state !== 'fail') return;
      for (const [who, p] of [['kid', kid], ['adult', adult]] as const) if (p && !p.page.isClosed()) await screenshot(p.page, `nudity-failed-${who}`).catch(() => undefined);
    });

    const log = (p: Page) => p.getByRole('log');
    const attach = (p: Page) => p.locator('#attach').setInputFiles({ name: 'bridge.jpg', mimeType: 'image/jpeg', buffer: photo });

    it('an ordinary photo is checked on the child’s device and not blurred, both ways; an adult’s images are not checked', async () => {
      kid = await openApp(browser, server.url);
      adult = await openApp(browser, server.url);
      await signUp(kid.page, h('kid'), birthDateForAge(14));
      await signUp(adult.page, h('grownup'), '1980-02-02');
      // The child asks; the adult accepts and starts the (visible) conversation.
      await kid.page.getByRole('link', { name: 'Contacts' }).click();
      await kid.page.getByLabel('Their handle').fill(h('grownup'));
      await kid.page.getByRole('button', { name: 'Send request' }).click();
      await adult.page.getByRole('link', { name: 'Contacts' }).click();
      await adult.page.getByRole('button', { name: 'Accept' }).click({ timeout: 30_000 });
      await adult.page.getByRole('link', { name: /^Messages/ }).click();
      await newConversation(adult.page, h('kid'));
      await adult.page.getByRole('button', { name: /^Visible to safety checks/ }).waitFor();
      await kid.page.getByRole('link', { name: /^Messages/ }).click();
      await kid.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: new RegExp(`^${h('grownup')}`) }).click({ timeout: 30_000 });

      // The child sends an ordinary photo: checked first (no warning), then it goes.
      await attach(kid.page);
      await log(adult.page).getByRole('img', { name: 'Image: bridge.jpg' }).waitFor({ timeout: 60_000 });
      expect(await kid.page.getByRole('alertdialog').count()).toBe(0);
      // The adult receives it unblurred, and the adult's page never loads the classifier.
      expect(await log(adult.page).getByRole('note', { name: /Blurred image|Image not checked/ }).count()).toBe(0);
      expect((await timings(adult.page)).classify).toEqual([]);

      // The adult sends the same photo: on the child's device it is checked before it is shown, and shown.
      const kidRequests: Request[] = [];
      kid.page.on('request', (r) => kidRequests.push(r));
      await attach(adult.page);
      await log(kid.page).locator('.message.theirs').getByRole('img', { name: 'Image: bridge.jpg' }).waitFor({ timeout: 60_000 });
      expect(await log(kid.page).getByRole('note', { name: /Blurred image|Image not checked/ }).count()).toBe(0);
      const t = await timings(kid.page);
      expect(t.classify.length).toBeGreaterThanOrEqual(2);
      process.stdout.write(`nudity in Chromium (nsfwjs MobileNetV2, WASM): model load ${t.load.join(', ')} ms; classify ${t.classify.join(', ')} ms\n`);
      // Nothing about the check went to the server: the child's page only fetched the image (and read).
      const writes = kidRequests.filter((r) => r.method() !== 'GET' && !/\/v1\/(conversations\/[^/]+\/(read|ack)|notices)/.test(r.url()));
      expect(writes.map((r) => `${r.method()} ${r.url()}`)).toEqual([]);
      expect(kidRequests.every((r) => r.url().startsWith(server.url) || r.url().startsWith('blob:'))).toBe(true);
      expect(kid.problems).toEqual([]);
      await expectAccessible(kid.page, 'child conversation with a checked image');
      await screenshot(kid.page, 'nudity-01-child-ordinary-photo');
    }, 180_000);

    it('flagged (threshold 0): blurred with the guard’s words and Childline until the child chooses to see it', async () => {
      await kid.context.addInitScript(() => {
        (globalThis as { __HAVEN_NUDITY_TEST__?: unknown }).__HAVEN_NUDITY_TEST__ = { threshold: 0 };
      });
      await kid.page.reload();
      await waitReady(kid.page);
      const veil = log(kid.page).getByRole('note', { name: 'Blurred image' });
      await veil.waitFor({ timeout: 60_000 });
      const text = await veil.innerText();
      expect(text).toMatch(/It's OK not to look/);
      expect(text).toMatch(/Childline: 0800 1111/);
      expect(text).toMatch(/block or report/);
      await expect(veil.getByRole('button', { name: 'Report image' }).isVisible()).resolves.toBe(true);
      await expect(veil.getByRole('button', { name: `Block @${h('grownup')}` }).isVisible()).resolves.toBe(true);
      expect(await log(kid.page).locator('.message.theirs').getByRole('img', { name: 'Image: bridge.jpg' }).count()).toBe(0);
      await expectAccessible(kid.page, 'blurred image');
      await screenshot(kid.page, 'nudity-02-child-blurred');
      await veil.getByRole('button', { name: 'Show image' }).click();
      await log(kid.page).locator('.message.theirs').getByRole('img', { name: 'Image: bridge.jpg' }).waitFor();
      expect(await log(kid.page).getByRole('note', { name: 'Blurred image' }).count()).toBe(0);
      await screenshot(kid.page, 'nudity-03-child-revealed');
      // The adult's page is not affected: the same image, unblurred.
      expect(await log(adult.page).getByRole('note', { name: /Blurred image|Image not checked/ }).count()).toBe(0);
    }, 120_000);

    it('a child about to send a flagged image is warned, with help, and can cancel: nothing is sent', async () => {
      const before = await log(adult.page).locator('.message').count();
      const uploads: string[] = [];
      kid.page.on('request', (r) => r.method() !== 'GET' && uploads.push(`${r.method()} ${r.url()}`));
      await attach(kid.page);
      const warning = kid.page.getByRole('alertdialog', { name: 'Before you send this image' });
      await warning.waitFor({ timeout: 60_000 });
      const text = await warning.innerText();
      expect(text).toMatch(/Think before you send it/);
      expect(text).toMatch(/0800 1111/);
      await expectAccessible(kid.page, 'warning before sending');
      await screenshot(kid.page, 'nudity-04-child-send-warning');
      await warning.getByRole('button', { name: 'Don’t send' }).click();
      await warning.waitFor({ state: 'detached' });
      await kid.page.waitForTimeout(1500);
      expect(uploads.filter((u) => /\/v1\/(media|conversations\/[^/]+\/messages)/.test(u))).toEqual([]);
      expect(await log(adult.page).locator('.message').count()).toBe(before);
    }, 90_000);

    it('a classifier that cannot load: the image is blurred as not checked, never shown by accident', async () => {
      await kid.page.route('**/*.wasm', (r) => r.abort());
      await kid.page.reload();
      await waitReady(kid.page);
      const veil = log(kid.page).getByRole('note', { name: 'Image not checked' });
      await veil.waitFor({ timeout: 60_000 });
      expect(await veil.innerText()).toMatch(/couldn't check this image/);
      expect(await veil.innerText()).toMatch(/0800 1111/);
      await screenshot(kid.page, 'nudity-05-child-unchecked');
      await kid.page.unroute('**/*.wasm');
    }, 90_000);
  },
);
