import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

// The browser tests' tools: Debian's Chromium through playwright-core, axe-core injected into each page,
// screenshots under packages/web/test-output/ (gitignored).

const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUT_DIR = join(WEB_DIR, 'test-output');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The built app must exist (`npm install` builds it); builds it when a checkout skipped that. */
export function ensureBuilt(): void {
  if (existsSync(join(WEB_DIR, 'dist', 'index.html'))) return;
  execFileSync('npm', ['run', 'build', '-w', '@haven/web'], { cwd: resolve(WEB_DIR, '..', '..'), stdio: 'inherit' });
}

/** Headless Chromium with the flags CI needs; playwright gives each launch a fresh user-data dir. */
export async function launchChromium(executablePath: string): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  return { browser, close: () => browser.close() };
}

export interface AppPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and CSP violations seen on the page. */
  problems: string[];
}

/** A new browser context (its own IndexedDB: a separate browser profile) with the app open. */
export async function openApp(browser: Browser, url: string): Promise<AppPage> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: 'en-GB' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  return { context, page, problems };
}

/** Runs axe-core in the page; fails with the list when any serious or critical violation is found. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  // page.evaluate runs through the DevTools protocol, so the app's CSP (no inline scripts) still holds.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run: (ctx: Document, o: unknown) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document, {
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad, `axe on ${what}`).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  await page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`) });
}

export const PASSWORD = 'correct horse battery staple';

/** Signs up through the form, and waits until the browser has its encryption keys on the server. */
export async function signUp(page: Page, handle: string, birthDate: string): Promise<void> {
  await page.getByLabel('Handle', { exact: true }).fill(handle);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Birth date', { exact: true }).fill(birthDate);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await waitReady(page);
}

/** The messenger is shown and end-to-end encryption has finished setting up in this browser. */
export async function waitReady(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'New conversation', exact: true }).waitFor({ timeout: 60_000 });
  await page.getByText('Setting up end-to-end encryption in this browser…').waitFor({ state: 'detached', timeout: 120_000 });
}

/** Starts (or opens) a direct conversation from the `New conversation` dialog; Enter submits. */
export async function newConversation(page: Page, handle: string): Promise<void> {
  await page.getByRole('button', { name: 'New conversation', exact: true }).click();
  await page.getByRole('dialog').getByLabel('Handle', { exact: true }).fill(handle);
  await page.getByRole('dialog').getByLabel('Handle', { exact: true }).press('Enter');
}

export async function sendText(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** A date of birth that makes someone `years` old today. */
export function birthDateForAge(years: number): string {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - years);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 10);
}
