// An admin creates a round in the browser; the form, its errors, the
// round page and the home page with the open round have no axe violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startApp } from '../../lib/harness.mjs';
import { launch, axeViolations, screenshot, PHONE, DESKTOP } from '../../lib/browser.mjs';

let app, browser;
const PW = 'lantern orbit cactus 42';
const sql = (q) => app.cluster.psql(q, app.db);

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off' } });
  browser = await launch();
  const c = new Client(app);
  await c.page('/register');
  await c.post('/register', { display_name: 'Chair', email: 'chair@example.org', password: PW });
  const link = new URL(sql("SELECT body FROM outbox WHERE to_addr = 'chair@example.org'").match(/http:\/\/\S+/)[0]);
  await c.get(link.pathname + link.search);
  sql("UPDATE users SET is_admin = true WHERE email = 'chair@example.org'");
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

async function clean(page, name) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
  await screenshot(page, `rounds-${name}`);
}

test('create a round in the browser, then see it open on the home page', async () => {
  const ctx = await browser.newContext({ viewport: DESKTOP });
  const page = await ctx.newPage();
  await page.goto(app.url('/login'));
  await page.getByLabel('E-mail address').fill('chair@example.org');
  await page.getByLabel('Password').fill(PW);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/account$/);
  await page.goto(app.url('/admin'));
  await clean(page, 'admin');
  await page.getByRole('link', { name: 'New round' }).click();
  await clean(page, 'new');

  await page.getByLabel('Title').fill('2026 Recognition');
  await page.getByLabel('Address').fill('Not valid');
  await page.getByRole('button', { name: 'Create round' }).click();
  await page.waitForSelector('.error-summary');
  await clean(page, 'new-errors');

  const now = Date.now();
  const fmt = (t) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Brussels', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(t)).replace(' ', 'T');
  await page.getByLabel('Address').fill('r2026');
  await page.getByLabel('Call text').fill('# Who may apply\n\nOrganisations in **Europe**.');
  await page.getByLabel('Applications open').fill(fmt(now - 86400000));
  await page.getByLabel('Deadline for applications').fill(fmt(now + 20 * 86400000));
  await page.getByRole('button', { name: 'Create round' }).click();
  await page.waitForURL(/\/admin\/rounds\/r2026\?saved=1$/);
  await clean(page, 'saved');

  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const pctx = await browser.newContext({ viewport });
    const pub = await pctx.newPage();
    await pub.goto(app.url('/'));
    assert.match(await pub.locator('.round h2').innerText(), /2026 Recognition/);
    assert.match(await pub.locator('.countdown').innerText(), /minutes left/, 'the script counts down');
    const overflow = await pub.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0);
    await clean(pub, `home-open-${label}`);
    await pctx.close();
  }
  await ctx.close();
});
