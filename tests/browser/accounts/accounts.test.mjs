// The account journey in Chromium: register, open the e-mailed link,
// sign in, enrol TOTP as an admin (codes computed here), sign out; axe
// finds no violation on any page, including the pages with errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { launch, axeViolations, screenshot, PHONE, DESKTOP } from '../../lib/browser.mjs';
import { totp } from '../../lib/totp.mjs';

let app, browser;
const EMAIL = 'browser.chair@example.org';
const PASSWORD = 'lantern orbit cactus 42';

before(async () => {
  app = await startApp();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

const sql = (q) => app.cluster.psql(q, app.db);

async function clean(page, name) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
  await screenshot(page, `accounts-${name}`);
}

for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`register, verify, sign in, enrol TOTP, sign out (${label})`, async () => {
    const email = label === 'desktop' ? EMAIL : `phone.${EMAIL}`;
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    await page.goto(app.url('/register'));
    await clean(page, `${label}-register`);
    await page.getByLabel('Your name').fill('Browser Chair');
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForSelector('.error-summary');
    assert.match(await page.locator('.error-summary').innerText(), /at least 12 characters/);
    assert.equal(await page.getByLabel('E-mail address').inputValue(), email, 'input kept');
    await clean(page, `${label}-register-errors`);

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/register\?sent=1$/);
    await clean(page, `${label}-register-sent`);

    const link = sql(`SELECT body FROM outbox WHERE to_addr = '${email}'`).match(/http:\/\/\S+/)[0];
    await page.goto(link);
    assert.match(await page.locator('h1').innerText(), /confirmed/);
    await clean(page, `${label}-verified`);

    await page.getByRole('link', { name: 'Sign in' }).first().click();
    await page.waitForURL(/\/login$/);
    await clean(page, `${label}-login`);
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/account$/);
    await clean(page, `${label}-account`);

    sql(`UPDATE users SET is_admin = true WHERE email = '${email}'`);
    await page.goto(app.url('/admin'));
    await page.waitForURL(/\/account\/totp$/);
    await clean(page, `${label}-totp-password`);
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForSelector('code.secret');
    await clean(page, `${label}-totp-enrol`);
    const secret = (await page.locator('code.secret').innerText()).replace(/ /g, '');
    await page.getByLabel('Code from the app').fill(totp(secret));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await page.waitForSelector('ul.codes');
    assert.equal(await page.locator('ul.codes li').count(), 10);
    await clean(page, `${label}-totp-codes`);

    await page.goto(app.url('/admin'));
    assert.match(await page.locator('h1').innerText(), /Administration/);
    await clean(page, `${label}-admin`);

    await page.goto(app.url('/account'));
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.goto(app.url('/account'));
    await page.waitForURL(/\/login\?next=/);

    // Sign in again: now with the second step.
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/login\/totp$/);
    await clean(page, `${label}-totp-login`);
    const step = Number(sql(`SELECT totp_last_step FROM users WHERE email = '${email}'`));
    await page.getByLabel('Code').fill(totp(secret, (step + 1) * 30 + 1));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/account$/);

    await page.goto(app.url('/password/forgot'));
    await clean(page, `${label}-forgot`);
    assert.deepEqual(errors, []);
    await ctx.close();
  });
}

test('a forgotten password is reset from the e-mailed link, in the browser', async () => {
  const ctx = await browser.newContext({ viewport: DESKTOP });
  const page = await ctx.newPage();
  await page.goto(app.url('/login'));
  await page.getByRole('link', { name: 'Forgotten your password?' }).click();
  await page.getByLabel('E-mail address').fill(EMAIL);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await page.waitForURL(/sent=1$/);
  await clean(page, 'reset-sent');
  const link = sql(`SELECT body FROM outbox WHERE to_addr = '${EMAIL}' AND subject LIKE 'Choose a new password%' ORDER BY id DESC LIMIT 1`).match(/http:\/\/\S+/)[0];
  await page.goto(link);
  await clean(page, 'reset-form');
  await page.getByLabel('New password').fill('harbour violet engine 77');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.waitForURL(/\/login\?reset=1$/);
  assert.match(await page.locator('.notice').innerText(), /Your password has been changed/);
  await clean(page, 'reset-done');
  await page.getByLabel('E-mail address').fill(EMAIL);
  await page.getByLabel('Password').fill('harbour violet engine 77');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/login\/totp$/);
  await ctx.close();
});
