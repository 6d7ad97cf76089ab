// Reviewing in the browser (issue 12): a reviewer scores an application
// with the descriptors in view, saves a draft, sees the autosave, submits,
// then sees the other review. Phone and desktop, no axe violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { launch, axeViolations, screenshot, PHONE, DESKTOP } from '../../lib/browser.mjs';
import { PW, openRound, formBody } from '../../lib/apply.mjs';
import { admin, reviewer, submitted } from '../../lib/panel.mjs';

let app, browser, chair;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'browse-review';
const ALL = { score_C1: '3.5', score_C2: '4', score_C3: '2', score_C4: '5', score_C5: '0', score_C6: '1.5', score_C7: '3' };

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off' } });
  browser = await launch();
  chair = await admin(app);
  openRound(app, SLUG);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

async function clean(page, name) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
  await screenshot(page, `review-${name}`);
}

for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`score, draft, autosave, submit, then the other review (${label})`, async () => {
    const a = await submitted(app, SLUG, `lead-${label}@apps.example`, { title: `Practice ${label}` });
    const email = `scorer-${label}@lab-${label}.example`;
    await reviewer(app, chair, SLUG, email);
    const other = await reviewer(app, chair, SLUG, `peer-${label}@peer-${label}.example`);
    const ids = {};
    for (const [k, e] of [['me', email], ['peer', `peer-${label}@peer-${label}.example`]])
      ids[k] = sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
        SELECT r.id, ${a.id}, u.id, 'manual', now() FROM rounds r, users u
        WHERE r.slug = '${SLUG}' AND u.email = '${e}' RETURNING id`);
    // The peer's review is in already.
    await other.page(`/review/${ids.peer}`);
    const res = await other.post(`/review/${ids.peer}`, null, { raw: formBody({ csrf_token: other.csrf, version: '0',
      action: 'submit', ...ALL, recommendation: 'award', feedback: 'Peer feedback words' }) });
    assert.equal(res.status, 303);

    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    await page.goto(app.url('/login'));
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password').fill(PW);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/account$/);
    await page.goto(app.url(`/review/${ids.me}`));
    assert.match(await page.content(), /Five Safes/, 'the descriptors are in view');
    assert.doesNotMatch(await page.content(), /Peer feedback words/);
    await clean(page, `form-${label}`);

    await page.getByLabel('Score for C1, 0 to 5').selectOption('3.5');
    await page.getByLabel('Comment on C1 (optional)').fill('A documented legal basis.');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/done=save$/);
    assert.match(await page.locator('.notice').innerText(), /saved/);

    // The autosave: within 20 s of a change, in the background; the
    // database has it without a click.
    await page.getByLabel('Feedback for the applicant').fill('Typed and autosaved.');
    await page.waitForFunction(() => /Saved at \d\d:\d\d/.test(document.getElementById('autosave-status').textContent),
      null, { timeout: 30000 });
    const saved = sql(`SELECT feedback FROM reviews WHERE assignment_id = ${ids.me}`);
    assert.equal(saved, 'Typed and autosaved.', 'autosave reached the server');

    await page.getByRole('button', { name: 'Submit the review' }).click();
    await page.waitForSelector('.error-summary');
    assert.match(await page.locator('.error-summary').innerText(), /Give a score for C2/);
    await clean(page, `errors-${label}`);
    for (const [field, v] of Object.entries(ALL))
      await page.locator(`#${field}`).selectOption(v);
    // 1 where the peer gave 3: the panel will have to discuss C7.
    await page.locator('#score_C7').selectOption('1');
    await page.getByLabel('Finalist').check();
    await page.getByRole('button', { name: 'Submit the review' }).click();
    await page.waitForURL(/done=submit$/);
    assert.match(await page.content(), /Peer feedback words/);
    assert.match(await page.content(), /Reviewer \d/);
    await clean(page, `submitted-${label}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px`);
    await ctx.close();
  });
}

for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`an admin sees where the panel disagrees and records the consensus (${label})`, async () => {
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    await page.goto(app.url('/login'));
    await page.getByLabel('E-mail address').fill('chair@example.org');
    await page.getByLabel('Password').fill(PW);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/account$/);
    await page.goto(app.url(`/admin/rounds/${SLUG}/consensus`));
    await clean(page, `agenda-${label}`);
    // The reviewers of "Practice <label>" gave 3 and 1 on C7: 2 apart.
    assert.match(await page.content(), /C7: scores 1 and 3 are 2 apart/);
    const id = sql(`SELECT a.id FROM applications a WHERE a.title = 'Practice ${label}'`);
    await page.goto(app.url(`/admin/rounds/${SLUG}/applications/${id}/consensus`));
    await clean(page, `consensus-${label}`);
    for (const [k, v] of Object.entries(ALL))
      await page.locator(`#${k.replace('score_', 'consensus_')}`).fill(v);
    await page.getByLabel("The panel's reasoning").fill('Agreed after discussion.');
    await page.getByLabel('Feedback for the applicant').fill('A sound practice.');
    await page.getByRole('button', { name: /Record the consensus/ }).click();
    await page.waitForURL(/done=recorded/);
    await clean(page, `consensus-recorded-${label}`);
    assert.equal(sql(`SELECT comment FROM consensus WHERE application_id = ${id}`), 'Agreed after discussion.');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px`);
    await ctx.close();
  });
}
