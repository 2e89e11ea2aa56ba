// One link for the whole life of a release: a pre-save page until the release moment, then the smart link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openPage, importRelease } from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const LABEL = { slug: 'e2e-label', name: 'E2E Label' };

test('a pre-save page turns into the smart link when its moment passes, and a click-out reaches the service', async () => {
  const releaseAt = new Date(Date.now() + 6000);
  const path = importRelease({
    organization: LABEL,
    artist: { slug: 'e2e-artist', name: 'E2E Artist' },
    release: {
      slug: `soon-${Date.now()}`, title: 'Soon Single', kind: 'single', status: 'published',
      release_at: releaseAt.toISOString(), time_zone: 'Europe/Berlin',
      links: [
        { service: 'spotify', url: 'https://open.spotify.com/track/e2eSoon' },
        { service: 'deezer', url: 'https://www.deezer.com/track/424242' },
      ],
    },
  });
  const { page, problems } = await openPage(browser);

  await page.goto(`${BASE_URL}${path}`);
  await page.getByRole('heading', { name: 'Soon Single' }).waitFor();
  await page.getByRole('link', { name: 'Pre-save on Spotify' }).waitFor();
  await page.getByRole('timer').waitFor(); // the countdown, revealed by the inline script
  assert.equal(await page.getByRole('list', { name: 'Listen on' }).count(), 0);

  // At zero the countdown reloads the page; the server, past the moment, answers with the smart link.
  await page.getByRole('list', { name: 'Listen on' }).waitFor({ timeout: 20_000 });
  assert.ok(Date.now() >= releaseAt.getTime(), 'switched at the moment, not before');
  assert.equal(await page.getByRole('list', { name: 'Listen on' }).getByRole('link').count(), 2);

  // The browser follows Dropday's 302 to the service. The service itself is outside this machine (no network
  // here), so that last request may fail; that it was made, to exactly the stored URL, is what counts.
  const destination = page.waitForRequest('https://open.spotify.com/track/e2eSoon');
  await page.getByRole('link', { name: /Spotify/ }).click();
  const request = await destination;
  assert.ok(request.redirectedFrom()?.url().match(/\/go\/\d+\/spotify/), 'reached through the click-out redirect');
  assert.deepEqual(problems.filter((p) => !p.includes('https://open.spotify.com/track/e2eSoon')), []);
});

test('hostile titles, names, labels and URLs are shown as text and never run', async () => {
  const hostile = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
  const path = importRelease({
    organization: LABEL,
    artist: { slug: `hostile-${Date.now()}`, name: `"Quoted" & <b>bold</b> ${hostile}` },
    release: {
      slug: 'x', title: hostile, kind: 'album', status: 'published', upc: '</script><!--',
      release_at: '2020-01-01T00:00:00Z',
      links: [{ service: 'spotify', url: 'https://open.spotify.com/album/x?q="><script>window.__pwned=3</script>' }],
      custom_links: [{ label: '<script>window.__pwned=4</script>', url: 'https://shop.example/?a="<b>' }],
    },
  });
  const { page, problems } = await openPage(browser);
  page.on('dialog', (dialog) => { problems.push(`dialog: ${dialog.message()}`); dialog.dismiss(); });
  for (const url of [`${BASE_URL}${path}`, `${BASE_URL}${path.split('/').slice(0, 2).join('/')}`]) {
    await page.goto(url);
    await page.waitForLoadState('load');
    assert.equal(await page.evaluate(() => window.__pwned), undefined, `nothing injected ran on ${url}`);
  }
  await page.goto(`${BASE_URL}${path}`);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), hostile);
  assert.equal(await page.title(), `${hostile} by "Quoted" & <b>bold</b> ${hostile}`);
  const jsonLd = JSON.parse(await page.locator('script[type="application/ld+json"]').textContent());
  assert.equal(jsonLd.name, hostile, 'JSON-LD carries the title intact');
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  assert.equal(await page.getByRole('link', { name: '<script>window.__pwned=4</script>' }).count(), 1);
  assert.deepEqual(problems.filter((p) => !p.includes('favicon')), []);
});

test('the smart link works at 320 px and with the keyboard alone', async () => {
  const { page, problems } = await openPage(browser, { viewport: { width: 320, height: 640 } });
  await page.goto(`${BASE_URL}/nova-lights/midnight-signal`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 320 px (overflow ${overflow}px)`);

  // Tab from the top: the artist link, the video, then the first service button, each with a visible name.
  let focused;
  for (let presses = 0; presses < 8; presses += 1) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => ({
    text: document.activeElement.innerText.trim(),
    href: document.activeElement.getAttribute('href'),
    outline: getComputedStyle(document.activeElement).outlineStyle,
    }));
    if (/\/go\/\d+\//.test(focused.href ?? '')) break;
  }
  assert.match(focused.href, /\/go\/\d+\/\w+/);
  assert.ok(focused.text.length > 0, 'the focused button has an accessible name');
  assert.notEqual(focused.outline, 'none', 'focus is visible');
  assert.deepEqual(problems, []);
});
