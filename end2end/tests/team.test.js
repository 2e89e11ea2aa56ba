// Team collaboration end to end: an admin invites two people, the editor accepts and edits a release, the admin
// reads it in the activity log, and the view-only member finds no edit controls and is refused by the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DEMO_ADMIN, hydrated, launch, openPage, signIn } from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function invite(page, { email, grantLabel, access }) {
  const form = page.getByTestId('invite-form');
  await form.getByLabel('Email').fill(email);
  await form.getByLabel(grantLabel, { exact: true }).selectOption(access);
  const created = page.waitForResponse((r) => r.url().endsWith('/api/invite_member') && r.status() === 200);
  await form.getByRole('button', { name: 'Create invitation' }).click();
  const body = await (await created).json();
  const link = page.getByTestId('invite-link');
  await link.waitFor();
  const value = await link.inputValue();
  assert.equal(value, body.link, 'the page shows the link the server made');
  // The form starts over for the next person.
  assert.equal(await form.getByLabel('Email').inputValue(), '');
  assert.equal(await form.getByLabel(grantLabel, { exact: true }).inputValue(), '');
  assert.match(value, new RegExp(`^${BASE_URL}/invite/[A-Za-z0-9_-]{43}$`));
  return value;
}

async function accept(browserInstance, link, { name, password }) {
  const session = await openPage(browserInstance);
  const { page } = session;
  await page.goto(link);
  await hydrated(page);
  await page.getByTestId('invitation-summary').filter({ hasText: 'Nightfall Records' }).waitFor();
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Choose a password').fill(password);
  await Promise.all([
    page.waitForURL(/\/dashboard$/),
    page.getByRole('button', { name: 'Accept invitation' }).click(),
  ]);
  await hydrated(page);
  return session;
}

test('admin invites, the collaborator edits a release, the admin sees it in the activity log; view-only cannot edit', async () => {
  const run = Date.now();
  const admin = await openPage(browser);
  await signIn(admin.page, DEMO_ADMIN);
  await admin.page.goto(`${BASE_URL}/dashboard/members`);
  await hydrated(admin.page);

  const editorLink = await invite(admin.page, {
    email: `editor-${run}@example.com`,
    grantLabel: 'Nova Lights · Midnight Signal',
    access: 'edit',
  });
  const viewerLink = await invite(admin.page, {
    email: `viewer-${run}@example.com`,
    grantLabel: 'Nova Lights',
    access: 'view',
  });
  assert.notEqual(editorLink, viewerLink);
  await admin.page.locator(`tr[data-invitation="viewer-${run}@example.com"]`).waitFor();

  // The editor joins and renames the single.
  const editor = await accept(browser, editorLink, { name: `Eddie ${run}`, password: 'editor passphrase' });
  await editor.page.getByRole('link', { name: 'Midnight Signal' }).click();
  await editor.page.waitForURL(/\/dashboard\/releases\/\d+$/);
  await hydrated(editor.page);
  const newTitle = `Midnight Signal (Take ${run})`;
  await editor.page.getByLabel('Title').fill(newTitle);
  const saved = editor.page.waitForResponse((r) => r.url().endsWith('/api/save_release') && r.status() === 200);
  await editor.page.getByRole('button', { name: 'Save' }).click();
  await saved;
  await editor.page.getByTestId('release-title').filter({ hasText: newTitle }).waitFor();
  // The editor's only grant is this release: the album is not listed for them.
  await editor.page.goto(`${BASE_URL}/dashboard`);
  await hydrated(editor.page);
  await editor.page.getByTestId('release-count').filter({ hasText: '1 release' }).waitFor();

  // The admin reads who did it.
  await admin.page.goto(`${BASE_URL}/dashboard/activity`);
  await hydrated(admin.page);
  const entry = admin.page.locator('li[data-action="release.updated"]').first();
  await entry.waitFor();
  const text = await entry.textContent();
  assert.ok(text.includes(`Eddie ${run}`), text);
  assert.ok(text.includes(newTitle), text);
  await admin.page.locator('li[data-action="member.joined"]').first().waitFor();

  // The view-only member sees the release without edit controls...
  const viewer = await accept(browser, viewerLink, { name: `Vic ${run}`, password: 'viewer passphrase' });
  await viewer.page.getByRole('link', { name: newTitle }).click();
  await viewer.page.waitForURL(/\/dashboard\/releases\/\d+$/);
  await hydrated(viewer.page);
  await viewer.page.getByTestId('view-only').waitFor();
  assert.equal(await viewer.page.getByLabel('Title').count(), 0);
  assert.equal(await viewer.page.getByRole('button', { name: 'Save' }).count(), 0);
  // ...and the server refuses the edit even when sent by hand from the page.
  const releaseId = viewer.page.url().split('/').pop();
  const status = await viewer.page.evaluate(async (id) => {
    const loaded = await fetch('/api/load_release_editor', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ release_id: id }),
    }).then((r) => r.json());
    const response = await fetch('/api/save_release', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ draft: { ...loaded.draft, title: 'Sneaky' } }),
    });
    await response.text();
    return response.status;
  }, releaseId);
  assert.equal(status, 403);
  await viewer.page.reload();
  await viewer.page.getByTestId('release-title').filter({ hasText: newTitle }).waitFor();

  // Leave the demo release as it was for whatever runs next.
  await editor.page.goto(`${BASE_URL}/dashboard/releases/${releaseId}`);
  await hydrated(editor.page);
  await editor.page.getByLabel('Title').fill('Midnight Signal');
  const restored = editor.page.waitForResponse((r) => r.url().endsWith('/api/save_release') && r.status() === 200);
  await editor.page.getByRole('button', { name: 'Save' }).click();
  await restored;
  await editor.page.waitForFunction(
    () => document.querySelector('[data-testid="release-title"]')?.textContent === 'Midnight Signal',
  );

  for (const session of [admin, editor]) assert.deepEqual(session.problems, []);
  // The refused fetch logs a console error for its 403; nothing else may go wrong.
  assert.deepEqual(viewer.problems.filter((p) => !p.includes('403')), []);
  for (const session of [admin, editor, viewer]) await session.context.close();
});
