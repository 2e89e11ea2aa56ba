// Fan pages are server-rendered and load no WASM and no script at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openPage } from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a released single is a smart link: no WASM, no script file, and click-outs go through the redirect', async () => {
  const { page, problems, requests } = await openPage(browser, { viewport: { width: 360, height: 740 } });
  const response = await page.goto(`${BASE_URL}/nova-lights/midnight-signal`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'], /default-src 'none'/);
  await page.getByRole('heading', { name: 'Midnight Signal' }).waitFor();

  const services = page.getByRole('list', { name: 'Listen on' }).getByRole('link');
  assert.equal(await services.count(), 8);
  const spotify = page.getByRole('link', { name: /Spotify/ }).first();
  // The inline script makes the links absolute (it manages their query string), so compare the path.
  const href = new URL(await spotify.getAttribute('href'), BASE_URL).pathname;
  assert.match(href, /^\/go\/\d+\/spotify$/);

  // Only the small inline script (allowed by hash) and JSON-LD: no script files, no WASM.
  assert.equal(await page.locator('script[src], script[type="module"]').count(), 0);
  assert.ok(!requests.some((url) => url.endsWith('.wasm') || url.endsWith('.js')), `no WASM or JS: ${requests}`);
  const jsonLd = JSON.parse(await page.locator('script[type="application/ld+json"]').textContent());
  assert.equal(jsonLd['@type'], 'MusicRecording');
  assert.equal(jsonLd.name, 'Midnight Signal');

  // The inline script ran under the page's CSP: it revealed the share button and the remember option.
  await page.getByRole('button', { name: 'Share' }).waitFor();
  await page.getByLabel(/Remember my choice/).check();
  assert.match(await spotify.getAttribute('href'), /remember=1$/);

  // The click-out answers 302 to the stored URL and is not cacheable.
  const redirect = await page.request.get(`${BASE_URL}${href}`, { maxRedirects: 0 });
  assert.equal(redirect.status(), 302);
  assert.equal(redirect.headers()['location'], 'https://open.spotify.com/track/0MidnightSignalTrack00');
  assert.equal(redirect.headers()['cache-control'], 'no-store');
  assert.deepEqual(problems, []);
});

test('an album before its release moment is a pre-save page, and the hub lists both releases', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${BASE_URL}/nova-lights/afterglow-atlas`);
  await page.getByRole('heading', { name: 'Afterglow Atlas' }).waitFor();
  assert.match(await page.locator('.moment').innerText(), /^Out Fri /);
  assert.equal(await page.getByRole('list', { name: 'Listen on' }).count(), 0);

  await page.getByRole('link', { name: 'Nova Lights' }).click();
  await page.getByRole('heading', { name: 'Nova Lights' }).waitFor();
  const releases = page.getByRole('list', { name: 'Releases' }).getByRole('link');
  assert.deepEqual(await releases.allInnerTexts().then((t) => t.map((s) => s.split('\n')[0].trim())), ['Afterglow Atlas', 'Midnight Signal']);
  assert.deepEqual(problems, []);
});

test('an unknown link answers 404 with a readable page', async () => {
  const { page, problems } = await openPage(browser);
  const response = await page.goto(`${BASE_URL}/nova-lights/no-such-release`);
  assert.equal(response.status(), 404);
  await page.getByRole('heading', { name: /does not exist/ }).waitFor();
  // The 404 response itself is the only expected "error"; nothing else may fail.
  assert.deepEqual(problems.filter((p) => !p.includes('404')), []);
});
