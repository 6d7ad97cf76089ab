// People, the audit trail and the exports in the browser (issue 14): an
// admin finds a person and disables them, reads the trail with the
// chain verified, and takes the round's data as CSV. Phone and desktop,
// no axe violation, nothing that scrolls sideways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { launch, checkClean, signInPage, PHONE, DESKTOP } from '../../lib/browser.mjs';
import { PW, openRound } from '../../lib/apply.mjs';
import { admin, submitted } from '../../lib/panel.mjs';

let app, browser;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'browse-people';

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off' } });
  browser = await launch();
  await admin(app);
  openRound(app, SLUG);
  await submitted(app, SLUG, 'zoe@apps.example', { title: 'Café registry, "quoted"', organisation_name: 'Zoë Clinic' });
  await submitted(app, SLUG, 'yan@apps.example', { title: 'Second practice' });
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

const clean = (page, name) => checkClean(page, `admin-${name}`);

for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`an admin finds and disables a person, reads the trail, exports (${label})`, async () => {
    const ctx = await browser.newContext({ viewport, acceptDownloads: true });
    const page = await signInPage(app, ctx, 'chair@example.org', PW);

    await page.goto(app.url('/admin'));
    await page.getByRole('link', { name: 'People', exact: true }).click();
    await page.waitForURL(/\/admin\/users$/);
    await clean(page, `users-${label}`);
    const who = label === 'desktop' ? 'zoe@apps.example' : 'yan@apps.example';
    await page.getByLabel('Name or e-mail').fill(who.split('@')[0]);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=/);
    assert.match(await page.content(), new RegExp(who));
    await page.getByRole('button', { name: 'Disable' }).first().click();
    await page.waitForURL(/done=disable/);
    assert.equal(sql(`SELECT disabled_at IS NOT NULL FROM users WHERE email = '${who}'`), 't');
    await clean(page, `users-disabled-${label}`);

    await page.goto(app.url('/admin'));
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.waitForURL(/\/admin\/audit$/);
    assert.match(await page.locator('#chain-status').innerText(), /The chain verifies/);
    await page.getByLabel('Action (a prefix, e.g. decision.)').fill('user.');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=user\./);
    await clean(page, `audit-${label}`);

    await page.goto(app.url(`/admin/rounds/${SLUG}`));
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export applications (CSV)' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `round-${SLUG}-applications.csv`);
    const text = await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString('utf8'));
    assert.ok(text.startsWith('\ufeff'), 'a BOM for spreadsheets');
    assert.ok(text.includes('"Café registry, ""quoted"""'), 'quotes doubled, accents whole');
    await ctx.close();
  });
}
