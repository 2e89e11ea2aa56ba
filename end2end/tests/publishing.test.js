// Paid publishing in a real browser: an admin sets a base fee per release on the hydrated organization page; the
// artist's release editor says why it cannot be published and offers to pay; the fee is paid on the sandbox's
// fake Stripe Checkout page; back in the dashboard the payment is confirmed and the release publishes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, DEMO_ADMIN, DEMO_ARTIST, hydrated, importRelease, launch, openPage, signIn,
} from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Sets the demo organization's access mode on the organization page, as its admin. */
async function setAccess(page, mode, fee) {
  await page.goto(`${BASE_URL}/dashboard/organization`);
  await hydrated(page);
  await page.getByTestId('access-mode').selectOption(mode);
  await page.getByTestId('base-fee').fill(fee);
  await page.getByTestId('base-fee-currency').fill('EUR');
  await page.getByTestId('base-fee-currency').press('Tab');
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/manage_organization') && r.status() === 200);
  await page.getByTestId('save-access').click();
  await saved;
}

test('an artist pays the base fee through Stripe Checkout and publishes', async () => {
  const title = `Paid Single ${Date.now()}`;
  const fanPath = importRelease({
    organization: { slug: 'nightfall-records', name: 'Nightfall Records' },
    artist: { slug: 'nova-lights', name: 'Nova Lights' },
    release: {
      slug: `paid-single-${Date.now()}`, title, kind: 'single', status: 'draft',
      release_at: '2020-01-01T00:00:00Z',
      links: [{ service: 'spotify', url: 'https://open.spotify.com/track/e2ePaidSingle' }],
    },
  });

  const admin = await openPage(browser);
  await signIn(admin.page, DEMO_ADMIN);
  await admin.page.getByRole('link', { name: 'Organization' }).click();
  await admin.page.getByTestId('access').waitFor();
  await setAccess(admin.page, 'base_fee', '9');
  // The organization page is a WASM chunk of its own, loaded when first opened (client-side) and again for the
  // server-rendered page it hydrates.
  const chunks = admin.requests.filter((url) => /\/pkg\/split___organization_route_view_[^/]*\.wasm$/.test(url));
  assert.equal(chunks.length >= 1, true, `the organization page's chunk was loaded: ${admin.requests.join(' ')}`);
  assert.deepEqual(admin.problems, []);
  try {
    const { page, problems } = await openPage(browser);
    await signIn(page, DEMO_ARTIST);
    await page.getByRole('link', { name: title }).click();
    await hydrated(page);

    // Why not, and what to do.
    const blocked = page.getByTestId('publish-blocked');
    await blocked.filter({ hasText: 'charges EUR 9.00 per release' }).waitFor();
    assert.equal((await page.request.get(`${BASE_URL}${fanPath}`)).status(), 404, 'a draft has no fan page');

    // Pay on Stripe Checkout (the sandbox's fake), and come back to the dashboard.
    await Promise.all([
      page.waitForURL((url) => url.pathname.startsWith('/c/pay/')),
      blocked.getByTestId('pay-fee').click(),
    ]);
    await page.getByText('9.00 EUR').first().waitFor();
    await Promise.all([
      page.waitForURL((url) => url.pathname.endsWith('/publishing') && url.searchParams.has('session_id')),
      page.getByRole('button', { name: 'Pay', exact: true }).click(),
    ]);
    await hydrated(page);
    await page.getByTestId('payment-note').filter({ hasText: 'Payment received' }).waitFor();
    await page.getByTestId('holdings').filter({ hasText: title }).waitFor();

    // Now it publishes, and fans can open it.
    await page.goto(`${BASE_URL}/dashboard`);
    await hydrated(page);
    await page.getByRole('link', { name: title }).click();
    await hydrated(page);
    assert.equal(await page.getByTestId('publish-blocked').count(), 0, 'the fee covers this release');
    const published = page.waitForResponse((r) => r.url().endsWith('/api/publish_release') && r.status() === 200);
    await page.getByTestId('publish').click();
    await published;
    await page.getByTestId('release-status').filter({ hasText: 'Published' }).waitFor();
    assert.equal((await page.request.get(`${BASE_URL}${fanPath}`)).status(), 200);
    assert.deepEqual(problems, []);
  } finally {
    // Back to free for all, for the tests that follow.
    await setAccess(admin.page, 'free', '9');
  }
  assert.deepEqual(admin.problems, []);
});

test('an admin adds a package, changes its price and stops selling it', async () => {
  const name = `Three drops ${Date.now()}`;
  const { page, problems } = await openPage(browser);
  await signIn(page, DEMO_ADMIN);
  await page.goto(`${BASE_URL}/dashboard/organization`);
  await hydrated(page);
  const saved = () => page.waitForResponse((r) => r.url().endsWith('/api/manage_organization') && r.status() === 200);

  await page.getByTestId('package-name').fill(name);
  await page.getByTestId('package-price').fill('29');
  await page.getByTestId('package-currency').fill('eur');
  await page.getByTestId('package-releases').fill('3');
  await page.getByTestId('package-days').fill('90');
  await page.getByTestId('package-days').press('Tab');
  let done = saved();
  await page.getByTestId('add-package').click();
  await done;
  const row = page.getByTestId('package').filter({ hasText: name });
  await row.filter({ hasText: 'EUR 29.00 · 3 releases within 90 days' }).waitFor();

  // Edit: the form is filled with what was saved; a new price replaces the old one in place.
  await row.getByRole('button', { name: 'Edit' }).click();
  await page.getByTestId('package-editing').filter({ hasText: name }).waitFor();
  assert.equal(await page.getByTestId('package-price').inputValue(), '29.00');
  assert.equal(await page.getByTestId('package-releases').inputValue(), '3');
  await page.getByTestId('package-price').fill('24.50');
  await page.getByTestId('package-price').press('Tab');
  done = saved();
  await page.getByRole('button', { name: 'Save the package' }).click();
  await done;
  await row.filter({ hasText: 'EUR 24.50 · 3 releases within 90 days' }).waitFor();
  assert.equal(await page.getByTestId('package').filter({ hasText: name }).count(), 1, 'changed, not added');
  assert.equal(await page.getByTestId('package-name').inputValue(), '', 'the form is blank again');

  // Stop selling it: it stays listed, greyed, and can be sold again.
  done = saved();
  await row.getByRole('button', { name: 'Stop selling' }).click();
  await done;
  await row.getByRole('button', { name: 'Sell again' }).waitFor();
  assert.deepEqual(problems, []);
});
