// Shared set-up for browser tests: Debian's Chromium through playwright-core, and a page that records every page
// error, console error and failed request so a test can fail on them.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** A new page plus the list of problems seen on it (page errors, console errors, failed requests). */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('request', (request) => requests.push(request.url()));
  return { context, page, problems, requests };
}

/**
 * Creates a release through the real `dropday import` command against the running server's database
 * (the test script passes DROPDAY_SERVER_BIN and the server's DROPDAY_DATA_DIR). Returns the fan page path.
 */
export function importRelease(document) {
  const binary = process.env.DROPDAY_SERVER_BIN;
  if (!binary) throw new Error('DROPDAY_SERVER_BIN is not set: run the browser tests through scripts/test.sh');
  return execFileSync(binary, ['import', '-'], {
    input: JSON.stringify(document),
    env: { ...process.env, DROPDAY_LOG: 'warn' },
  }).toString().trim();
}

export const DEMO_ADMIN = { email: 'admin@dropday.test', password: 'dropday-demo-admin' };
export const DEMO_ARTIST = { email: 'artist@dropday.test', password: 'dropday-demo-artist' };

/** Waits for the hydrated marker: the WASM app is live, not just server-rendered HTML. */
export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30_000 });
}

/** Signs in through the real form and waits for the hydrated dashboard. */
export async function signIn(page, { email, password }) {
  // Already sent here by a redirect: let that page finish loading instead of aborting it with a second load.
  if (new URL(page.url()).pathname !== '/sign-in') await page.goto(`${BASE_URL}/sign-in`);
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    // The sign-in URL itself carries ?next=/dashboard: wait for the path, not the text.
    page.waitForURL((url) => url.pathname.startsWith('/dashboard')),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await hydrated(page);
}
