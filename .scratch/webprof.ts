import { writeFileSync } from 'node:fs';
import { startTestServer } from '@haven/server';
import { chromium, type Page } from 'playwright-core';

async function signUp(page: Page, handle: string): Promise<void> {
  await page.getByLabel('Handle', { exact: true }).fill(handle);
  await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
  await page.getByLabel('Birth date', { exact: true }).fill('1990-01-01');
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await page.getByRole('button', { name: 'New conversation', exact: true }).waitFor({ timeout: 60_000 });
  await page.getByText('Setting up end-to-end encryption in this browser…').waitFor({ state: 'detached', timeout: 120_000 });
}
const N = Number(process.argv[2] ?? 40);
const server = await startTestServer();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'] });
const tag = Date.now().toString(36).slice(-4);
const alice = await (await browser.newContext()).newPage();
await alice.goto(server.url);
await signUp(alice, `pa${tag}`);
const bob = await (await browser.newContext()).newPage();
await bob.goto(server.url);
await signUp(bob, `pb${tag}`);
await alice.getByRole('button', { name: 'New conversation', exact: true }).click();
await alice.getByRole('dialog').getByLabel('Handle', { exact: true }).fill(`pb${tag}`);
await alice.getByRole('dialog').getByLabel('Handle', { exact: true }).press('Enter');
const composer = alice.getByRole('textbox', { name: 'Message', exact: true });
await composer.fill('hello');
await composer.press('Enter');
await bob.locator('.conversation-item').first().click({ timeout: 60_000 });
await bob.getByRole('log').getByText('hello', { exact: true }).waitFor({ timeout: 60_000 });
const acdp = await alice.context().newCDPSession(alice);
const bcdp = await bob.context().newCDPSession(bob);
const events: { who: string; kind: string; t: number; detail?: string }[] = [];
// Wall time of CDP timestamps: Network.* timestamps are monotonic seconds; use wallTime where offered, else record our own receipt.
for (const [who, cdp] of [['alice', acdp], ['bob', bcdp]] as const) {
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketFrameSent', (e: any) => events.push({ who, kind: 'wsSent', t: e.timestamp, detail: String(e.response.payloadData).slice(0, 120) }));
  cdp.on('Network.webSocketFrameReceived', (e: any) => events.push({ who, kind: 'wsRecv', t: e.timestamp, detail: String(e.response.payloadData).slice(0, 120) }));
  cdp.on('Network.requestWillBeSent', (e: any) => events.push({ who, kind: 'http', t: e.timestamp, detail: `${e.request.method} ${e.request.url}` }));
  cdp.on('Network.loadingFinished', (e: any) => events.push({ who, kind: 'httpDone', t: e.timestamp, detail: e.requestId }));
}
await alice.evaluate(() => {
  const w = window as any; w.sentAt = {};
  document.addEventListener('keydown', (e) => { const t = e.target as HTMLTextAreaElement; if (e.key === 'Enter' && t.id === 'composer') w.sentAt[t.value] = performance.now() / 1000 + (performance.timeOrigin / 1000); }, true);
});
await bob.evaluate(() => {
  const w = window as any; w.seenAt = {};
  new MutationObserver(() => { for (const el of document.querySelectorAll('.message.theirs .text')) { const text = el.textContent ?? ''; if (!(text in w.seenAt)) w.seenAt[text] = performance.now() / 1000 + performance.timeOrigin / 1000; } }).observe(document.body, { childList: true, subtree: true });
});
// Map monotonic CDP timestamps to wall: ask each page for performance.now+timeOrigin vs a CDP Runtime timestamp is awkward; instead record monotonic via page 'performance.now()' (same monotonic clock base in Chromium as Network timestamps, in seconds since boot? check offset).
const off = async (p: Page, cdp: any) => {
  const r = await cdp.send('Runtime.evaluate', { expression: 'performance.timeOrigin/1000 + performance.now()/1000', returnByValue: true });
  return r.result.value as number;
};
if (process.env.PROFILE) { for (const c of [acdp, bcdp]) { await c.send('Profiler.enable'); await c.send('Profiler.setSamplingInterval', { interval: 200 }); await c.send('Profiler.start'); } }
const t0 = Date.now();
for (let n = 0; n < N; n++) {
  await composer.fill(`m${n}`);
  await composer.press('Enter');
  await bob.waitForFunction((t) => t in (window as any).seenAt, `m${n}`, { polling: 'raf', timeout: 60_000 });
}
if (process.env.PROFILE) { for (const [who, c] of [['alice', acdp], ['bob', bcdp]] as const) { const { profile } = await c.send('Profiler.stop'); writeFileSync(`/tmp/web-${who}.cpuprofile`, JSON.stringify(profile)); } }
const sent = await alice.evaluate(() => (window as any).sentAt);
const seen = await bob.evaluate(() => (window as any).seenAt);
// Network timestamps are monotonic; estimate wall offset per page with one sample: MonotonicTime vs wall via a probe frame isn't available; print raw sequence for message m5..m8 relative to keydown using a probe: the first alice wsSent/http after keydown.
const lat = Array.from({ length: N }, (_, n) => (seen[`m${n}`] - sent[`m${n}`]) * 1000).sort((a, b) => a - b);
console.log('p50', lat[Math.floor(N / 2)]!.toFixed(0), 'p90', lat[Math.floor(N * 0.9)]!.toFixed(0), 'max', lat[N - 1]!.toFixed(0), 'wall', Date.now() - t0);
writeFileSync('/tmp/web-events.json', JSON.stringify({ events, sent, seen }, null, 1));
await browser.close();
await server.close();
