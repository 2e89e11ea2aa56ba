// A whole Spotify pre-save in the sandbox: the fan page's form, the fake Spotify's consent page, the confirmation
// on "my pre-saves", cancelling; "Save on Spotify" on a released single, delivered at once; and the release's
// pre-saves in the hydrated dashboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DEMO_ADMIN, hydrated, launch, openPage, signIn } from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** On the fake Spotify's consent page: log in as `account` and agree. */
async function agreeOnSpotify(page, account) {
  await page.getByRole('heading', { name: /Log in to Spotify/ }).waitFor();
  await page.getByLabel('Sandbox account').fill(account);
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/presaves'),
    page.getByRole('button', { name: 'Agree' }).click(),
  ]);
  await page.waitForLoadState('networkidle');
}

test('a fan pre-saves an upcoming album through Spotify and can cancel it', async () => {
  const { page, problems } = await openPage(browser, { viewport: { width: 390, height: 844 } });
  // Settled (favicon included) before the form navigates away.
  await page.goto(`${BASE_URL}/nova-lights/afterglow-atlas`, { waitUntil: 'networkidle' });
  await page.getByRole('heading', { name: 'Afterglow Atlas' }).waitFor();
  assert.match(await page.locator('.presave-form .meta').innerText(), /on release day it lands in your library and you follow Nova Lights/);
  await page.getByLabel(/future releases too/).check();
  await page.getByRole('button', { name: 'Pre-save on Spotify' }).click();

  await agreeOnSpotify(page, 'browser-fan');
  const banner = page.getByRole('status');
  assert.match(await banner.innerText(), /Pre-saved! Afterglow Atlas will be in your library on /);
  const row = page.locator('.presave-list li', { hasText: 'Afterglow Atlas' });
  assert.match(await row.innerText(), /Pre-saved/);
  await page.getByText('Every new release by Nova Lights is pre-saved for you.').waitFor();

  await Promise.all([
    page.waitForURL((url) => url.pathname === '/presaves' && !url.search),
    row.getByRole('button', { name: 'Cancel this pre-save' }).click(),
  ]);
  assert.match(await page.locator('.presave-list li', { hasText: 'Afterglow Atlas' }).innerText(), /Cancelled/);
  assert.deepEqual(problems, []);
});

test('after the release, Save on Spotify adds it to the library at once', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${BASE_URL}/nova-lights/midnight-signal`, { waitUntil: 'networkidle' });
  await page.getByRole('button', { name: 'Save on Spotify' }).click();
  await agreeOnSpotify(page, 'browser-fan-late');
  // Delivered by the background worker within moments; the page says so after a reload.
  let text = '';
  for (let i = 0; i < 30 && !/In your library/.test(text); i++) {
    await page.waitForTimeout(500);
    await page.reload();
    text = await page.locator('.presave-list li', { hasText: 'Midnight Signal' }).innerText();
  }
  assert.match(text, /In your library/);
  assert.deepEqual(problems, []);
});

test("the release's pre-saves show in the hydrated dashboard, with the sandbox named", async () => {
  const { page, problems } = await openPage(browser);
  // The release id from the fan page's form, fetched without navigating (a navigation away would abort its favicon).
  const fanPage = await (await page.request.get(`${BASE_URL}/nova-lights/afterglow-atlas`)).text();
  const releaseId = fanPage.match(/action="\/presave\/(\d+)"/)[1];
  await signIn(page, DEMO_ADMIN);
  await page.goto(`${BASE_URL}/dashboard/releases/${releaseId}`);
  await hydrated(page);
  const panel = page.getByTestId('presaves');
  await panel.getByTestId('presave-counts').waitFor();
  assert.match(await page.getByTestId('presave-follows').inputValue(), /^$/);
  assert.match(await panel.getByTestId('presave-spotify').innerText(), /sandbox's fake Spotify/);
  // The first test's pre-save was cancelled: it shows, and counts in no total.
  assert.match(await panel.getByTestId('presave-counts').innerText(), /1 cancelled/);

  // The pre-save settings are part of the draft the editor saves.
  const follow = page.getByTestId('presave-follow-artist');
  assert.equal(await follow.isChecked(), true);
  await page.getByTestId('presave-ask-email').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved.').waitFor();
  await page.goto(`${BASE_URL}/nova-lights/afterglow-atlas`);
  await page.getByLabel(/Email \(optional\)/).waitFor();
  assert.deepEqual(problems, []);
});
