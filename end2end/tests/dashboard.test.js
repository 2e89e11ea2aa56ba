// The dashboard hydrates and talks to the server through a server function.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DEMO_ADMIN, launch, openPage, signIn } from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('dashboard hydrates and a filter click calls a server function that updates the list', async () => {
  const { page, problems, requests } = await openPage(browser);
  // A visitor is sent to sign in, and comes back to the dashboard after.
  const visit = await page.goto(`${BASE_URL}/dashboard`);
  assert.match(page.url(), /\/sign-in\?next=\/dashboard$/);
  assert.equal(visit.request().redirectedFrom()?.url(), `${BASE_URL}/dashboard`);
  await signIn(page, DEMO_ADMIN);
  const response = await page.goto(`${BASE_URL}/dashboard`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'], /script-src 'self' 'nonce-/);

  // Server-rendered before any WASM runs: both demo releases are listed.
  await page.getByRole('link', { name: 'Midnight Signal' }).waitFor();
  await page.getByRole('link', { name: 'Afterglow Atlas' }).waitFor();

  // Only the hydrated app sets this marker; a broken WASM leaves the page looking fine but inert.
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30_000 });
  assert.ok(requests.some((url) => url.endsWith('.wasm')), 'the dashboard loads its WASM');

  const serverCall = page.waitForResponse((r) => r.url().includes('/api/list_releases') && r.status() === 200);
  await page.getByRole('tab', { name: 'Upcoming' }).click();
  await serverCall;
  await page.getByTestId('release-count').filter({ hasText: '1 release' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Afterglow Atlas' }).count(), 1);
  assert.equal(await page.getByRole('link', { name: 'Midnight Signal' }).count(), 0);
  assert.equal(await page.getByRole('tab', { name: 'Upcoming' }).getAttribute('aria-selected'), 'true');

  await page.getByRole('tab', { name: 'Out now' }).click();
  await page.getByRole('link', { name: 'Midnight Signal' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Afterglow Atlas' }).count(), 0);

  assert.deepEqual(problems, []);
});
