import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hashImageBuffer } from '@haven/pdq/node';
import { startTestServer, type TestServer } from '@haven/server';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, sharedPath } from '../../../testing/env';
import { birthDateForAge, ensureBuilt, expectAccessible, launchChromium, openApp, screenshot, signUp, type AppPage } from './harness';

// A child's own picture, blocked everywhere, from the web app (issue 11 item 6: "and later a web page"),
// in Chromium against a real server: the picture is hashed in the page (PDQ of the eight rotations and
// flips over canvas pixels, SHA-256, MD5) and only the hashes are sent; no request carries the picture.

const CHROMIUM = chromiumPath();
const PHOTO = sharedPath('pdq-reference', 'images', 'bridge-mod-square-512x512.jpg');
const run = Date.now().toString(36).slice(-5);

function hamming(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i += 2) {
    let x = Number.parseInt(a.slice(i, i + 2), 16) ^ Number.parseInt(b.slice(i, i + 2), 16);
    for (; x; x &= x - 1) d++;
  }
  return d;
}

describe.skipIf(!CHROMIUM.available || !PHOTO.available)(
  `a picture of you, blocked from the web app${CHROMIUM.available && PHOTO.available ? '' : ` (skipped: ${CHROMIUM.reason || PHOTO.reason})`}`,
  () => {
    let server: TestServer;
    let browser: Browser;
    let closeBrowser: () => Promise<void>;
    let kid: AppPage;

    beforeAll(async () => {
      ensureBuilt();
      server = await startTestServer();
      ({ browser, close: closeBrowser } = await launchChromium(CHROMIUM.value));
    }, 120_000);
    afterAll(async () => {
      await closeBrowser?.();
      await server?.close();
    });
    afterEach(async (ctx) => {
      if (ctx.task.result?.state === 'fail' && kid && !kid.page.isClosed()) await screenshot(kid.page, 'self-report-failed').catch(() => undefined);
    });

    it('the child blocks a picture: only its hashes reach the server (the same as the SDK computes), the answer says what was and was not done, and the child can stop it', async () => {
      const photo = readFileSync(PHOTO.value);
      kid = await openApp(browser, server.url);
      await signUp(kid.page, `selfkid${run}`, birthDateForAge(15));
      const bodies: Buffer[] = [];
      kid.page.on('request', (r) => {
        const b = r.postDataBuffer();
        if (b) bodies.push(b);
      });

      // From the help panel, one click away.
      await kid.page.getByRole('button', { name: 'Help', exact: true }).click();
      await kid.page.getByRole('dialog', { name: 'Help' }).getByRole('link', { name: 'Block it on Haven' }).click();
      await kid.page.getByRole('heading', { name: 'Block a picture of you' }).waitFor();
      await expect.poll(() => kid.page.getByText('None yet.').count(), { timeout: 30_000 }).toBe(1);

      // Something that is not a picture: a clear sentence, nothing sent.
      const before = bodies.length;
      await kid.page.getByLabel('Choose a picture').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture at all') });
      await kid.page.getByRole('button', { name: 'Block this picture' }).click();
      await kid.page.getByRole('alert').filter({ hasText: 'We couldn’t open this picture' }).waitFor({ timeout: 30_000 });
      expect(bodies.length).toBe(before);

      await kid.page.getByLabel('Choose a picture').setInputFiles({ name: 'me.jpg', mimeType: 'image/jpeg', buffer: photo });
      await kid.page.getByRole('button', { name: 'Block this picture' }).click();
      const done = kid.page.getByRole('status').filter({ hasText: 'This picture is now blocked on Haven' });
      await done.waitFor({ timeout: 60_000 });
      const said = await done.innerText();
      expect(said).toMatch(/never left your device/);
      expect(said).toMatch(/cannot remove copies that are already outside Haven/);
      expect(said).toMatch(/Report Remove/);
      expect(said).toMatch(/0800 1111/);
      await expectAccessible(kid.page, 'block a picture of you');
      await screenshot(kid.page, '20-self-report-child');

      // No request carried the picture (nor any 64-byte run of it).
      const probe = photo.subarray(Math.floor(photo.length / 2), Math.floor(photo.length / 2) + 64);
      for (const b of bodies) {
        expect(b.length).toBeLessThan(photo.length);
        expect(b.includes(probe)).toBe(false);
      }

      // The platform list holds the hashes: SHA-256 and MD5 exactly the file's, PDQ within decoder
      // rounding of the SDK's (sharp) for every one of the eight variants.
      const rows = await server.services.db
        .selectFrom('self_report_hashes')
        .innerJoin('self_reports', 'self_reports.id', 'self_report_hashes.report_id')
        .innerJoin('accounts', 'accounts.id', 'self_reports.account_id')
        .select(['self_report_hashes.kind', 'self_report_hashes.value'])
        .where('accounts.handle', '=', `selfkid${run}`)
        .where('self_reports.removed_at', 'is', null)
        .execute();
      expect(rows.find((r) => r.kind === 'sha256')?.value).toBe(createHash('sha256').update(photo).digest('hex'));
      expect(rows.find((r) => r.kind === 'md5')?.value).toBe(createHash('md5').update(photo).digest('hex'));
      const sdk = await hashImageBuffer(photo, { dihedral: true });
      const pdqs = rows.filter((r) => r.kind === 'pdq').map((r) => r.value);
      expect(pdqs).toHaveLength(8);
      for (const variant of Object.values(sdk.dihedral!)) expect(Math.min(...pdqs.map((p) => hamming(p, variant)))).toBeLessThanOrEqual(16);

      // Listed; the child can stop blocking it.
      await kid.page.getByRole('button', { name: /^Stop blocking the picture blocked on/ }).click();
      await expect.poll(() => kid.page.getByText('None yet.').count(), { timeout: 30_000 }).toBe(1);
      const left = await server.services.db.selectFrom('self_reports').select('removed_at').execute();
      expect(left).toHaveLength(1);
      expect(left[0]!.removed_at).not.toBeNull();
      expect(kid.problems).toEqual([]);
    }, 240_000);
  },
);
