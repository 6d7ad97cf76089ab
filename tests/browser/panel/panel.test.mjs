// The panel in the browser (issue 11): an admin invites a reviewer; the
// invitee creates an account from the link, records affiliations, sees
// an assignment, passes the conflict check and reads the application;
// the admin's panel, conflicts and assignment pages. Phone and desktop,
// no axe violation on any page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { launch, axeViolations, screenshot, PHONE, DESKTOP } from '../../lib/browser.mjs';
import { PW, openRound } from '../../lib/apply.mjs';
import { admin, invite, inviteLink, submitted } from '../../lib/panel.mjs';

let app, browser, chair;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'browser';

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off' } });
  browser = await launch();
  chair = await admin(app);
  openRound(app, SLUG);
  sql(`UPDATE rounds SET reviews_per_application = 1 WHERE slug = '${SLUG}'`);
  await submitted(app, SLUG, 'lead@apps.example', { title: 'Regional genomics pipeline', organisation_name: 'Genome Lab' });
  await submitted(app, SLUG, 'other@apps.example', { title: 'Conflicted practice', organisation_name: 'Clinica Rossi S.p.A.' });
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

async function clean(page, name) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
  await screenshot(page, `panel-${name}`);
}

async function noOverflow(page, name) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name} scrolls sideways by ${overflow}px`);
}

for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`invitation, account, affiliations, conflict check, reading (${label})`, async () => {
    const email = `reviewer-${label}@rev-${label}.example`;
    assert.equal((await invite(chair, SLUG, { email, name: `Reviewer ${label}` })).status, 303);
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();

    await page.goto(app.url(inviteLink(app, email)));
    await clean(page, `invite-${label}`);
    await page.getByLabel('Password').fill(PW);
    await page.getByRole('button', { name: 'Create the account and join' }).click();
    await page.waitForURL(/\/login\?/);
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password').fill(PW);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/account\/affiliations\?done=joined$/);
    assert.match(await page.locator('.notice').innerText(), /Welcome to the panel/);
    await clean(page, `affiliations-${label}`);

    await page.getByRole('textbox', { name: 'Organisation', exact: true }).first().fill('Clinica Rossi');
    await page.getByRole('button', { name: 'Add the organisation' }).click();
    await page.waitForURL(/done=added/);
    await page.getByRole('textbox', { name: 'E-mail domain' }).fill('gmail.com');
    await page.getByRole('button', { name: 'Add the domain' }).click();
    await page.waitForSelector('.error-summary');
    await clean(page, `affiliations-error-${label}`);
    await noOverflow(page, 'affiliations');

    // The admin assigns automatically: the reviewer gets the application
    // they are not conflicted with.
    await chair.page(`/admin/rounds/${SLUG}/assignments`);
    const me = sql(`SELECT id FROM users WHERE email = '${email}'`);
    assert.equal(sql(`SELECT conflict_between((SELECT id FROM applications a WHERE EXISTS (SELECT 1 FROM application_versions v
      WHERE v.application_id = a.id AND v.content ->> 'title' = 'Conflicted practice')), ${me})`), 't');
    // Others on the panel may already hold the places: the reviewer is
    // added by hand to the one they may read.
    const app1 = sql(`SELECT a.id FROM applications a JOIN application_versions v ON v.application_id = a.id
      AND v.version = a.version WHERE v.content ->> 'title' = 'Regional genomics pipeline'`);
    assert.equal((await chair.post(`/admin/rounds/${SLUG}/assignments`, { action: 'add', application: app1, reviewer: me })).status, 303);

    await page.goto(app.url('/review'));
    await clean(page, `review-list-${label}`);
    assert.doesNotMatch(await page.content(), /Conflicted practice/);
    await page.getByRole('link', { name: /Regional genomics pipeline|BPR-/ }).first().click();
    await page.waitForURL(/\/review\/\d+$/);
    assert.doesNotMatch(await page.content(), /Genome Lab/);
    await clean(page, `conflict-check-${label}`);
    await page.getByRole('button', { name: /no conflict of interest/i }).click();
    await page.waitForURL(/\/review\/\d+$/);
    assert.match(await page.content(), /Genome Lab/);
    await clean(page, `reading-${label}`);
    await noOverflow(page, 'reading');
    await ctx.close();
  });
}

test("the admin's panel, conflicts, assignments and applications pages", async () => {
  const ctx = await browser.newContext({ viewport: DESKTOP });
  const page = await ctx.newPage();
  await page.goto(app.url('/login'));
  await page.getByLabel('E-mail address').fill('chair@example.org');
  await page.getByLabel('Password').fill(PW);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/account$/);
  for (const p of ['panel', 'conflicts', 'assignments', 'applications']) {
    await page.goto(app.url(`/admin/rounds/${SLUG}/${p}`));
    await clean(page, `admin-${p}`);
  }
  await page.goto(app.url(`/admin/rounds/${SLUG}/assignments`));
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.waitForLoadState();
  await clean(page, 'admin-preview');
  await page.goto(app.url(`/admin/rounds/${SLUG}/panel`));
  await page.getByRole('button', { name: 'Send the invitation' }).click();
  await page.waitForSelector('.error-summary');
  await clean(page, 'admin-panel-errors');
  await ctx.close();
});
