// The analytics page: a visit and a click-out on a fan page show up in the release's numbers, the range presets
// refetch through the server function, and the definitions page explains the numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DEMO_ADMIN, hydrated, launch, openPage, signIn } from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const statValue = async (page, key) =>
  Number((await page.locator(`[data-stat="${key}"] .stat-value`).textContent()).replace(/[^0-9.]/g, ''));

test('a fan visit and click-out appear on the analytics page; presets refetch; definitions explain', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page, DEMO_ADMIN);
  await page.getByRole('link', { name: 'Midnight Signal' }).click();
  await page.waitForURL(/\/dashboard\/releases\/\d+$/);
  const releaseId = page.url().split('/').pop();

  await page.goto(`${BASE_URL}/dashboard/analytics?release=${releaseId}`);
  await hydrated(page);
  await page.getByTestId('report-title').filter({ hasText: 'Midnight Signal' }).waitFor();
  const visitsBefore = await statValue(page, 'visits');
  const clicksBefore = await statValue(page, 'click_outs');

  // A fan on a phone, in another browser context: one visit, one click-out. (Headless Chromium's own User-Agent
  // says HeadlessChrome, which is rightly filtered as a bot.)
  const fan = await openPage(browser, {
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  });
  await fan.page.goto(`${BASE_URL}/nova-lights/midnight-signal`);
  const clickOut = fan.page.waitForRequest((r) => r.url().includes(`/go/${releaseId}/`));
  await fan.page.locator('a.service').first().click({ noWaitAfter: true });
  await clickOut;
  await fan.context.close();

  // Events are buffered for a moment before they are written, the visit and the click possibly in separate
  // batches: reload until both count (up to about half a minute, for a machine busy with other work).
  let visits = visitsBefore;
  let clicks = clicksBefore;
  for (let attempt = 0; attempt < 60 && (visits <= visitsBefore || clicks <= clicksBefore); attempt++) {
    await page.waitForTimeout(300);
    await page.reload();
    await hydrated(page);
    visits = await statValue(page, 'visits');
    clicks = await statValue(page, 'click_outs');
  }
  assert.equal(visits, visitsBefore + 1);
  assert.equal(clicks, clicksBefore + 1);
  await page.locator('figure.chart svg').waitFor();
  await page.locator('section.breakdown[data-dimension="service"] tbody tr').first().waitFor();
  // The fan's session had a click-out in it: engaged. The busiest link leads the links table.
  assert.ok((await statValue(page, 'engagement_rate')) > 0);
  const topLink = page.locator('section[data-table="links"] tbody tr').first();
  assert.ok(Number(await topLink.locator('td.num').first().textContent()) >= 1);

  const refetch = page.waitForResponse((r) => r.url().endsWith('/api/load_stats') && r.status() === 200);
  await page.getByRole('button', { name: '7 days' }).click();
  const body = await (await refetch).json();
  assert.equal(body.series.length, 7);

  // The organization's view lists releases; a release's name opens its own numbers.
  await page.goto(`${BASE_URL}/dashboard/analytics`);
  await hydrated(page);
  await page.getByTestId('report-title').filter({ hasText: 'All releases' }).waitFor();
  await page.locator('section[data-table="releases"]').getByRole('link', { name: 'Midnight Signal' }).click();
  await page.getByTestId('report-title').filter({ hasText: 'Midnight Signal' }).waitFor();

  await page.getByRole('link', { name: 'What the numbers mean' }).click();
  await page.getByRole('heading', { name: 'What the numbers mean' }).waitFor();
  await page.getByText('Click-through rate').first().waitFor();
  assert.deepEqual(problems, []);
});
