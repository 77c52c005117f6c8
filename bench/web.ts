// `npm run bench -- web [--messages N]`: the web app in headless Chromium against a real server.
// 1. First load: bytes transferred and time until the sign-up form is usable; the JavaScript of the first
//    load gzipped (goal: under 500 KB before the lazy MLS and PDQ chunks).
// 2. Send-to-seen: two adults in one e2ee conversation; from the Enter key in Alice's tab to the text in
//    Bob's tab (both timed inside the pages on the same clock), p50/p99 over 200 messages (goal p99 < 150 ms).
// 3. Memory of Bob's tab (JS heap, through the DevTools protocol) after 1,000 messages.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadavg } from 'node:os';
import { startTestServer } from '@haven/server';
import { chromium, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'packages', 'web', 'dist');

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Gzipped size of every JS file of the build, and which of them index.html loads first. */
function bundleSizes(): { firstLoadGzip: number; lazyGzip: number; files: { name: string; gzip: number; first: boolean }[] } {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = readdirSync(join(dist, 'assets'))
    .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
    .map((name) => ({ name, gzip: gzipSync(readFileSync(join(dist, 'assets', name))).length, first: html.includes(name) }));
  const sum = (xs: typeof files) => xs.reduce((n, f) => n + f.gzip, 0);
  return { firstLoadGzip: sum(files.filter((f) => f.first && f.name.endsWith('.js'))), lazyGzip: sum(files.filter((f) => !f.first && f.name.endsWith('.js'))), files };
}

async function signUp(page: Page, handle: string): Promise<void> {
  await page.getByLabel('Handle', { exact: true }).fill(handle);
  await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
  await page.getByLabel('Birth date', { exact: true }).fill('1990-01-01');
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await page.getByRole('button', { name: 'New conversation', exact: true }).waitFor({ timeout: 60_000 });
  await page.getByText('Setting up end-to-end encryption in this browser…').waitFor({ state: 'detached', timeout: 120_000 });
}

export async function main(args: string[]): Promise<void> {
  const i = args.indexOf('--messages');
  const total = i >= 0 ? Number(args[i + 1]) : 1000;
  const timed = Math.min(200, total);
  const started = Date.now();
  const server = await startTestServer();
  const browser = await chromium.launch({
    executablePath: process.env.HAVEN_TEST_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    // 1. First load, cold cache.
    const ctx = await browser.newContext();
    const first = await ctx.newPage();
    const cdp = await ctx.newCDPSession(first);
    await cdp.send('Network.enable');
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => (bytes += e.encodedDataLength));
    const t0 = Date.now();
    await first.goto(server.url);
    await first.getByRole('button', { name: 'Create account', exact: true }).waitFor();
    const interactiveMs = Date.now() - t0;
    await first.waitForLoadState('networkidle');
    const firstLoad = { bytesTransferred: bytes, timeToInteractiveMs: interactiveMs, ...bundleSizes() };
    process.stdout.write(`first load: ${(bytes / 1024).toFixed(0)} KB transferred, interactive in ${interactiveMs} ms; JS gzipped ${(firstLoad.firstLoadGzip / 1024).toFixed(0)} KB first + ${(firstLoad.lazyGzip / 1024).toFixed(0)} KB lazy\n`);

    // 2. Send-to-seen in an e2ee conversation.
    const tag = Date.now().toString(36).slice(-4);
    const alice = first;
    await signUp(alice, `benchalice${tag}`);
    const bob = await (await browser.newContext()).newPage();
    await bob.goto(server.url);
    await signUp(bob, `benchbob${tag}`);
    await alice.getByRole('button', { name: 'New conversation', exact: true }).click();
    await alice.getByRole('dialog').getByLabel('Handle', { exact: true }).fill(`benchbob${tag}`);
    await alice.getByRole('dialog').getByLabel('Handle', { exact: true }).press('Enter');
    const composer = alice.getByRole('textbox', { name: 'Message', exact: true });
    await composer.fill('hello');
    await composer.press('Enter');
    await bob.locator('.conversation-item').first().click({ timeout: 60_000 });
    await bob.getByRole('log').getByText('hello', { exact: true }).waitFor({ timeout: 60_000 });
    // Both clocks: performance.timeOrigin + now(), the same wall clock in both tabs.
    await alice.evaluate(() => {
      const w = window as unknown as { sentAt: Record<string, number> };
      w.sentAt = {};
      document.addEventListener('keydown', (e) => {
        const t = e.target as HTMLTextAreaElement;
        if (e.key === 'Enter' && t.id === 'composer') w.sentAt[t.value] = performance.timeOrigin + performance.now();
      }, true);
    });
    await bob.evaluate(() => {
      const w = window as unknown as { seenAt: Record<string, number> };
      w.seenAt = {};
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('.message.theirs .text')) {
          const text = el.textContent ?? '';
          if (!(text in w.seenAt)) w.seenAt[text] = performance.timeOrigin + performance.now();
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    for (let n = 0; n < timed; n++) {
      await composer.fill(`m${n}`);
      await composer.press('Enter');
      await bob.waitForFunction((t) => t in (window as unknown as { seenAt: Record<string, number> }).seenAt, `m${n}`, { polling: 'raf', timeout: 60_000 });
    }
    // The rest go out as fast as they are typed (the outbox keeps the order).
    for (let n = timed; n < total; n++) {
      await composer.fill(`m${n}`);
      await composer.press('Enter');
    }
    await bob.waitForFunction((t) => t in (window as unknown as { seenAt: Record<string, number> }).seenAt, `m${total - 1}`, { polling: 500, timeout: 600_000 });
    const sent = await alice.evaluate(() => (window as unknown as { sentAt: Record<string, number> }).sentAt);
    const seen = await bob.evaluate(() => (window as unknown as { seenAt: Record<string, number> }).seenAt);
    const lat = Array.from({ length: timed }, (_, n) => seen[`m${n}`]! - sent[`m${n}`]!);
    const sendToSeen = { messages: timed, p50Ms: Math.round(percentile(lat, 50)), p99Ms: Math.round(percentile(lat, 99)), maxMs: Math.round(Math.max(...lat)) };
    process.stdout.write(`send-to-seen (e2ee, ${timed} messages): p50 ${sendToSeen.p50Ms} ms, p99 ${sendToSeen.p99Ms} ms\n`);

    // 3. Memory of the receiving tab.
    const bcdp = await bob.context().newCDPSession(bob);
    await bcdp.send('HeapProfiler.collectGarbage');
    const { usedSize, totalSize } = (await bcdp.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
    const domNodes = await bob.evaluate(() => document.getElementsByTagName('*').length);
    const memory = { messages: total + 1, jsHeapUsedBytes: usedSize, jsHeapTotalBytes: totalSize, domElements: domNodes };
    process.stdout.write(`tab after ${total + 1} messages: JS heap ${(usedSize / 1048576).toFixed(1)} MiB used, ${domNodes} elements\n`);

    const result = {
      benchmark: 'web',
      at: new Date().toISOString(),
      loadAverage1m: loadavg()[0],
      durationS: Math.round((Date.now() - started) / 1000),
      firstLoad,
      sendToSeen,
      memory,
      goals: { firstLoadJsGzipUnder500KB: firstLoad.firstLoadGzip < 500 * 1024, sendToSeenP99Under150ms: sendToSeen.p99Ms < 150 },
    };
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'web.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await browser.close();
    await server.close();
  }
}
