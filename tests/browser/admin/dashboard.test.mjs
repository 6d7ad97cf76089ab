// The round dashboard in the browser (issue 14): an admin reads the
// counts and the submissions chart on a phone and a desktop, and sends
// reminders. No axe violation, nothing that scrolls sideways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { launch, checkClean, signInPage, PHONE, DESKTOP } from '../../lib/browser.mjs';
import { PW, openRound } from '../../lib/apply.mjs';
import { admin, submitted } from '../../lib/panel.mjs';

let app, browser;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'browse-dash';
const A = [];

function assign(appId, email, state) {
  const u = sql(`INSERT INTO users (email, display_name, password_hash, verified_at)
    VALUES ('${email}', '${email.split('@')[0]}', 'x', now()) ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id`);
  const s = sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
    SELECT id, ${appId}, ${u}, 'manual', now() FROM rounds WHERE slug = '${SLUG}' RETURNING id`);
  if (state)
    sql(`INSERT INTO reviews (assignment_id, state, version, submitted_at) VALUES (${s}, '${state}', 1, now())`);
}

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off' } });
  browser = await launch();
  await admin(app);
  openRound(app, SLUG);
  A.push(await submitted(app, SLUG, 'one@apps.example', { title: 'Federated registry' }));
  A.push(await submitted(app, SLUG, 'two@apps.example', { title: 'Readable consent', country: 'BE' }));
  assign(A[0].id, 'ana@rev.example', 'submitted');
  assign(A[1].id, 'ana@rev.example', null);
  assign(A[1].id, 'ben@rev.example', null);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

const clean = (page, name) => checkClean(page, `dashboard-${name}`);

const signIn = (ctx, email) => signInPage(app, ctx, email, PW);

for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`an admin reads the dashboard and its chart (${label})`, async () => {
    const ctx = await browser.newContext({ viewport });
    const page = await signIn(ctx, 'chair@example.org');
    await page.goto(app.url('/admin'));
    assert.match(await page.locator('main, body').first().innerText(), /2 submitted/);
    await clean(page, `home-${label}`);
    await page.goto(app.url(`/admin/rounds/${SLUG}`));
    const chart = page.getByRole('img', { name: 'Submissions per day' });
    assert.equal(await chart.count(), 1);
    const box = await chart.boundingBox();
    assert.ok(box.width > 200 && box.width <= viewport.width, `chart width ${box.width}`);
    const bars = await page.locator('svg.chart rect').evaluateAll((rs) =>
      rs.reduce((s, r) => s + Number(r.getAttribute('data-value')), 0));
    assert.equal(bars, 2);
    assert.match(await page.locator('#dashboard-title').locator('..').innerText(), /2 reviews are not submitted/);
    await clean(page, `round-${label}`);
    await ctx.close();
  });
}

test('an admin sends reminders', async () => {
  const ctx = await browser.newContext({ viewport: PHONE });
  const page = await signIn(ctx, 'chair@example.org');
  await page.goto(app.url(`/admin/rounds/${SLUG}`));
  await page.getByRole('button', { name: 'Send reminders' }).click();
  await page.waitForURL(/reminded=2&skipped=0#reminders$/);
  assert.match(await page.locator('#reminded').innerText(), /Reminders sent to 2 reviewers; 0 skipped/);
  const table = await page.locator('#dashboard-reminders').innerText();
  assert.match(table, /ana/);
  assert.match(table, /ben/);
  await clean(page, 'reminded');
  await page.getByRole('button', { name: 'Send reminders' }).click();
  await page.waitForURL(/reminded=0&skipped=2#reminders$/);
  assert.match(await page.locator('#reminded').innerText(), /2 skipped, reminded within the day/);
  await clean(page, 'skipped');
  await ctx.close();
});
