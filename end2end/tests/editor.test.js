// The release editor in the sandbox: a release made from a Spotify link gets its other services from the fake
// Odesli, the editor reorders and hides services, previews the fan page, publishes, and the fan page follows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DEMO_ADMIN, hydrated, launch, openPage, signIn } from './browser.js';

// The sandbox catalog's "Low Orbit" EP (server/src/sandbox/catalog.rs).
const SPOTIFY_LINK = 'https://open.spotify.com/album/0LowOrbitEpSingle00000?si=shared-from-the-app';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Waits until the preview frame has finished loading a URL matching `pattern`. */
async function previewShows(page, pattern) {
  await page.waitForFunction((source) => {
    const doc = document.querySelector('[data-testid="preview"]')?.contentDocument;
    return Boolean(doc && new RegExp(source).test(doc.location.href) && doc.readyState === 'complete'
      && doc.querySelector('main'));
  }, pattern.source);
}

async function setServiceOrder(page, artistPath, order) {
  await page.goto(`${BASE_URL}${artistPath}`);
  await hydrated(page);
  await page.getByTestId('service-order').selectOption(order);
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/save_artist') && r.status() === 200);
  await page.getByRole('button', { name: 'Save' }).click();
  await saved;
}

test('a release from a Spotify link: services found, reordered, hidden, previewed, published', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page, DEMO_ADMIN);

  // Create it from the link; the editor opens and fills in while the lookups run.
  await page.goto(`${BASE_URL}/dashboard`);
  await hydrated(page);
  await page.getByLabel('Spotify link (album, single, track or playlist)').fill(SPOTIFY_LINK);
  await Promise.all([
    page.waitForURL(/\/dashboard\/releases\/\d+$/),
    page.getByRole('button', { name: 'Create release' }).click(),
  ]);
  const releaseId = page.url().split('/').pop();
  await hydrated(page);
  await page.getByTestId('release-title').filter({ hasText: 'Low Orbit' }).waitFor();
  const services = page.getByTestId('services').locator('li');
  // The page re-reads the release while lookups run: Apple Music arrives from the fake Odesli.
  await page.locator('li[data-service="apple_music"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('link-lookups').filter({ hasText: 'Links looked up' }).waitFor({ timeout: 30_000 });
  const found = await services.evaluateAll((rows) => rows.map((row) => row.dataset.service));
  assert.equal(found[0], 'spotify', found.join());
  assert.ok(found.includes('deezer') && found.includes('amazon_music'), found.join());

  // Deezer to the top with the arrows, Amazon Music hidden, then save.
  for (let index = found.indexOf('deezer'); index > 0; index -= 1) {
    await page.getByRole('button', { name: 'Move Deezer up' }).click();
  }
  await page.locator('li[data-service="amazon_music"]').getByLabel('Hide').check();
  const order = await services.evaluateAll((rows) => rows.map((row) => row.dataset.service));
  assert.equal(order[0], 'deezer');
  assert.equal(order[1], 'spotify');
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/save_release') && r.status() === 200);
  await page.getByRole('button', { name: 'Save' }).click();
  await saved;
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

  // The preview is the fan page as rendered by the server, for a German fan after the release moment.
  // Each change reloads the frame; waiting for each load keeps the previous one from being cut off.
  await page.getByTestId('show-preview').click();
  await previewShows(page, /moment=now/);
  await page.getByTestId('preview-country').fill('DE');
  await page.getByTestId('preview-country').press('Tab');
  await previewShows(page, /country=DE&moment=now/);
  await page.getByTestId('preview-moment').selectOption('after');
  await previewShows(page, /country=DE&moment=after/);
  const preview = page.frameLocator('[data-testid="preview"]');
  await preview.locator(`a[href$="/go/${releaseId}/deezer"]`).waitFor();
  assert.equal(await preview.locator(`a[href*="/go/${releaseId}/amazon_music"]`).count(), 0, 'hidden in the preview');

  // Publish; the fan page shows it at once. With the artist's fixed order, Deezer leads.
  const published = page.waitForResponse((r) => r.url().endsWith('/api/publish_release') && r.status() === 200);
  await page.getByTestId('publish').click();
  await published;
  await page.getByTestId('release-status').filter({ hasText: 'Published' }).waitFor();
  const fanPath = await page.locator('p.muted a[href^="/nova-lights/"]').first().getAttribute('href');
  const artistPath = await (async () => {
    await page.goto(`${BASE_URL}/dashboard/artists`);
    await hydrated(page);
    return page.getByRole('link', { name: 'Nova Lights' }).getAttribute('href');
  })();
  await setServiceOrder(page, artistPath, 'fixed');
  try {
    const fan = await browser.newPage();
    const response = await fan.goto(`${BASE_URL}${fanPath}`);
    assert.equal(response.status(), 200);
    const links = await fan.getByRole('list', { name: 'Listen on' }).getByRole('link')
      .evaluateAll((anchors) => anchors.map((a) => new URL(a.href).pathname));
    assert.equal(links[0], `/go/${releaseId}/deezer`, links.join());
    assert.equal(links[1], `/go/${releaseId}/spotify`, links.join());
    assert.ok(!links.some((href) => href.includes('amazon_music')), links.join());
    assert.equal(await fan.locator('script[src$=".wasm"], link[href$=".wasm"]').count(), 0);
    await fan.close();
  } finally {
    // The demo artist goes back to ordering by country, and its hub to its two releases, for the tests that follow.
    await setServiceOrder(page, artistPath, 'by_country');
    await page.goto(`${BASE_URL}/dashboard/releases/${releaseId}`);
    await hydrated(page);
    const unpublished = page.waitForResponse((r) => r.url().endsWith('/api/publish_release') && r.status() === 200);
    await page.getByTestId('publish').filter({ hasText: 'Unpublish' }).click();
    await unpublished;
    await page.getByTestId('release-status').filter({ hasText: 'Draft' }).waitFor();
  }
  const gone = await page.request.get(`${BASE_URL}${fanPath}`);
  assert.equal(gone.status(), 404, 'unpublished: the link is gone at once');
  assert.deepEqual(problems, []);
});

test('a new artist from their Spotify link: the import runs in the background with a progress bar', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page, DEMO_ADMIN);
  await page.goto(`${BASE_URL}/dashboard/artists`);
  await hydrated(page);
  await page.getByLabel('Name').fill('Marisol Vega');
  await page.getByLabel('Spotify artist link').fill('https://open.spotify.com/artist/0MarisolVegaArtist0000');
  await Promise.all([
    page.waitForURL(/\/dashboard\/artists\/\d+$/),
    page.getByRole('button', { name: 'Add artist' }).click(),
  ]);
  await hydrated(page);
  const bar = page.getByTestId('import-progress');
  await page.locator('[data-testid="import-progress"][data-finished="true"]').waitFor({ timeout: 30_000 });
  assert.equal(await bar.getAttribute('data-status'), 'done');
  assert.equal(await bar.locator('progress').getAttribute('value'), '100');
  const summary = await bar.textContent();
  assert.match(summary, /2 found on Spotify: 2 new, 0 already here/);

  // Importing again adds nothing: the same two releases are recognised.
  const started = page.waitForResponse((r) => r.url().endsWith('/api/import_artist_releases') && r.status() === 200);
  await page.getByTestId('import').click();
  await started;
  await page.waitForFunction(() => /0 new, 2 already here/.test(document.querySelector('[data-testid="import-progress"]')?.textContent ?? ''), null, { timeout: 30_000 });

  // Both wait as drafts in the release list.
  await page.goto(`${BASE_URL}/dashboard`);
  await hydrated(page);
  const rows = page.locator('table.releases tr', { hasText: 'Marisol Vega' });
  await rows.first().waitFor();
  assert.equal(await rows.count(), 2);
  assert.deepEqual(problems, []);
});
