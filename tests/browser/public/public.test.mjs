// The public pages in a real browser: phone and desktop, with and without
// JavaScript, zero axe violations, nothing blocked by the CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { launch, axeViolations, screenshot, PHONE, DESKTOP } from '../../lib/browser.mjs';

let app, browser;

before(async () => {
  app = await startApp();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

const PAGES = ['/', '/rules', '/privacy', '/no-such-page'];

for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
  for (const path of PAGES) {
    test(`${path} on a ${label}: accessible, styled, no CSP breakage`, async () => {
      const ctx = await browser.newContext({ viewport });
      const page = await ctx.newPage();
      const problems = [];
      page.on('console', (m) => {
        // The 404 page's own status is reported as a console error.
        if (m.type() === 'error' && !(path === '/no-such-page' && /status of 404/.test(m.text())))
          problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      const res = await page.goto(app.url(path));
      assert.equal(res.status(), path === '/no-such-page' ? 404 : 200);
      // The stylesheet applied: the masthead has the brand colour.
      const bg = await page.$eval('.masthead', (e) => getComputedStyle(e).backgroundColor);
      assert.equal(bg, 'rgb(11, 59, 117)');
      // The script ran (progressive enhancement hook).
      assert.ok(await page.$eval('html', (e) => e.classList.contains('js')));
      // Nothing wider than the screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
      assert.deepEqual(await axeViolations(page), []);
      assert.deepEqual(problems, [], 'no console errors (CSP violations show here)');
      await screenshot(page, `${label}${path.replace(/\//g, '_') || '_home'}`);
      await ctx.close();
    });
  }
}

test('the pages work without JavaScript', async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: PHONE });
  const page = await ctx.newPage();
  await page.goto(app.url('/'));
  await page.getByRole('link', { name: 'Rules', exact: true }).click();
  await page.waitForURL(/\/rules$/);
  assert.match(await page.title(), /Rules of the award/);
  await page.getByRole('link', { name: 'Privacy', exact: true }).click();
  await page.waitForURL(/\/privacy$/);
  assert.ok(await page.getByRole('heading', { name: 'Privacy notice' }).isVisible());
  await ctx.close();
});

test('keyboard users can skip to the content', async () => {
  const ctx = await browser.newContext({ viewport: DESKTOP });
  const page = await ctx.newPage();
  await page.goto(app.url('/'));
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement.textContent);
  assert.equal(focused, 'Skip to content');
  await ctx.close();
});
