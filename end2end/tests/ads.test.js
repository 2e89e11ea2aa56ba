// Ad pixels in a real browser: an admin switches Meta on for an artist in the hydrated dashboard and sends a test
// event; on that artist's fan page nothing third-party loads before the fan answers the consent banner; after
// "Allow", the (fake) Meta pixel fires the page view and the click-out with the same event ids as Dropday's
// server-side events, and the fake Meta pairs them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DEMO_ADMIN, hydrated, importRelease, launch, openPage, signIn } from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Named to sort after the demo artist: other tests create releases for the first artist in the organization.
const ARTIST = { slug: `zephyr-pixel-${Date.now()}`, name: 'Zephyr Pixel' };

/** What the sandbox's fake ad platforms recorded. */
async function fakeEvents(origin) {
  const response = await fetch(`${origin}/_fake/events`);
  assert.equal(response.status, 200);
  return response.json();
}

/** Waits until the fake paired a Meta `name` event (browser and server with one id); returns the pair's id. */
async function pairedMeta(origin, name) {
  for (let i = 0; i < 100; i++) {
    const { paired } = await fakeEvents(origin);
    const pair = paired.find((e) => e.platform === 'meta' && e.event_name === name);
    if (pair) return pair.event_id;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`no paired Meta ${name}: ${JSON.stringify(await fakeEvents(origin))}`);
}

test('no pixel loads before consent; after it the browser and server events carry the same event ids', async () => {
  const path = importRelease({
    organization: { slug: 'nightfall-records', name: 'Nightfall Records' },
    artist: ARTIST,
    release: {
      slug: 'pixel-single', title: 'Pixel Single', kind: 'single', status: 'published',
      release_at: '2020-01-01T00:00:00Z',
      links: [{ service: 'spotify', url: 'https://open.spotify.com/track/e2ePixel' }],
    },
  });

  // The admin switches Meta on, with a Conversions API token, in the hydrated dashboard.
  const admin = await openPage(browser);
  await signIn(admin.page, DEMO_ADMIN);
  await admin.page.goto(`${BASE_URL}/dashboard/artists`);
  await hydrated(admin.page);
  await admin.page.getByRole('link', { name: ARTIST.name }).click();
  await admin.page.getByTestId('ads-link').click();
  await admin.page.getByRole('heading', { name: 'Ad tracking' }).waitFor();
  await hydrated(admin.page);
  const meta = admin.page.locator('form[data-platform="meta"]');
  await meta.getByLabel('Use').selectOption('on');
  await meta.getByLabel('Pixel id').fill('1234567890');
  await meta.getByLabel('Conversions API access token').fill('e2e-meta-token');
  await meta.getByRole('button', { name: 'Save' }).click();
  // Saved and read back: the token is stored, never shown.
  await admin.page.locator('form[data-platform="meta"] input[placeholder^="stored"]').waitFor();
  assert.equal(await meta.getByLabel('Conversions API access token').inputValue(), '');
  await admin.page.locator('form[data-platform="meta"]').getByTestId('send-test').click();
  const result = admin.page.getByTestId('test-result');
  await result.waitFor();
  assert.match(await result.innerText(), /Meta.*test event sent/);
  await admin.page.getByTestId('delivery-log').getByText('(test)').first().waitFor();
  assert.deepEqual(admin.problems, []);

  // A fan on a phone with no cookies: the banner asks, and nothing of Meta's loads. (Headless Chromium's own
  // User-Agent says HeadlessChrome: a bot, whose visits never become conversions.)
  const fan = await openPage(browser, {
    viewport: { width: 390, height: 844 },
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  });
  await fan.page.goto(`${BASE_URL}${path}`, { waitUntil: 'networkidle' });
  const config = JSON.parse(await fan.page.locator('#dd-ads').textContent());
  assert.equal(config.p.m, '1234567890');
  const fakeOrigin = new URL(config.s.m).origin;
  const banner = fan.page.getByRole('region', { name: 'Ad measurement' });
  await banner.waitFor();
  assert.match(await banner.innerText(), /May Meta measure/);
  assert.deepEqual(fan.requests.filter((url) => url.startsWith(fakeOrigin)), [], 'nothing third-party before consent');
  assert.equal(await fan.page.evaluate(() => typeof window.fbq), 'undefined');

  // "Allow": the pixel loads and fires the page view; the server sends its copy with the same id.
  const pixelScript = fan.page.waitForRequest((request) => request.url().startsWith(`${fakeOrigin}/en_US/fbevents.js`));
  await banner.getByRole('button', { name: 'Allow' }).click();
  await pixelScript;
  await banner.waitFor({ state: 'hidden' });
  const pageViewId = await pairedMeta(fakeOrigin, 'PageView');
  assert.match(pageViewId, /^[0-9a-f-]{36}$/);

  // The click-out: the browser's Lead and the server's carry one id; the fan still reaches Spotify.
  const destination = fan.page.waitForRequest('https://open.spotify.com/track/e2ePixel');
  await fan.page.getByRole('link', { name: /Spotify/ }).click();
  const request = await destination;
  assert.ok(request.redirectedFrom()?.url().match(/\/go\/\d+\/spotify\?eid=/), 'the click-out carried its event id');
  const clickId = await pairedMeta(fakeOrigin, 'Lead');
  assert.notEqual(clickId, pageViewId);
  const { server } = await fakeEvents(fakeOrigin);
  const lead = server.find((e) => e.event_name === 'Lead' && e.event_id === clickId);
  assert.ok(lead.user.client_user_agent, 'the server event carries the user agent');
  // Left out: Spotify itself (no network here), and the pixel's own keepalive reports, which Chromium reports as
  // aborted once the page navigates away although they were delivered (the fake paired both, above).
  assert.deepEqual(
    fan.problems.filter((p) => !p.includes('https://open.spotify.com/track/e2ePixel')
      && !(p.includes(`${fakeOrigin}/tr?`) && p.endsWith('net::ERR_ABORTED'))),
    [],
  );

  // The consent is remembered: on the next visit no banner, and the pixel loads at once.
  const again = fan.page.waitForRequest((r) => r.url().startsWith(`${fakeOrigin}/en_US/fbevents.js`));
  await fan.page.goto(`${BASE_URL}${path}`);
  await again;
  await fan.page.getByRole('heading', { name: 'Pixel Single' }).waitFor();
  assert.equal(await banner.isVisible(), false);
});
