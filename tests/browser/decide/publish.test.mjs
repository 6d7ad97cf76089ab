// The round's end in the browser (issue 13): an admin closes review,
// records decisions and citations on the ranking, sees the preview and
// publishes; an applicant reads the decision and the panel's feedback; a
// visitor reads the winners' page and a practice's. Phone and desktop,
// no axe violation, nothing that scrolls sideways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { launch, checkClean, signInPage, PHONE, DESKTOP } from '../../lib/browser.mjs';
import { PW, openRound, setCloses } from '../../lib/apply.mjs';
import { admin, submitted } from '../../lib/panel.mjs';

let app, browser;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'browse-finale';
const CODES = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7'];
const A = {};

function review(appId, email, h) {
  const u = sql(`INSERT INTO users (email, display_name, password_hash, verified_at)
    VALUES ('${email}', '${email.split('@')[0]}', 'x', now()) ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id`);
  sql(`INSERT INTO panel_members (round_id, user_id) SELECT id, ${u} FROM rounds WHERE slug = '${SLUG}' ON CONFLICT DO NOTHING`);
  const s = sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
    SELECT id, ${appId}, ${u}, 'manual', now() FROM rounds WHERE slug = '${SLUG}' RETURNING id`);
  sql(`INSERT INTO reviews (assignment_id, state, version, recommendation, feedback, confidential, submitted_at)
    VALUES (${s}, 'submitted', 1, 'award', 'Clear evidence; publish the protocol.', 'Panel only.', now())`);
  sql(`INSERT INTO review_scores (assignment_id, criterion, halves)
    SELECT ${s}, c, ${h} FROM unnest('{${CODES}}'::text[]) AS c`);
}

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off' } });
  browser = await launch();
  await admin(app);
  openRound(app, SLUG);
  A.win = await submitted(app, SLUG, 'winner@apps.example', { title: 'Federated registry', organisation_name: 'Registry Hospital' });
  A.other = await submitted(app, SLUG, 'other@apps.example', { title: 'Another practice', organisation_name: 'Other Org' });
  for (const k of ['win', 'other'])
    A[k].ref = sql(`SELECT reference FROM applications WHERE id = ${A[k].id}`);
  review(A.win.id, 'ana@rev.example', 9);
  review(A.win.id, 'ben@rev.example', 8);
  review(A.other.id, 'ana@rev.example', 5);
  review(A.other.id, 'ben@rev.example', 4);
  setCloses(app, SLUG, -60);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

const clean = (page, name) => checkClean(page, `decide-${name}`);

const signIn = (ctx, email) => signInPage(app, ctx, email, PW);

test('an admin closes review, decides, previews and publishes', async () => {
  const ctx = await browser.newContext({ viewport: DESKTOP });
  const page = await signIn(ctx, 'chair@example.org');
  await page.goto(app.url(`/admin/rounds/${SLUG}/ranking`));
  await clean(page, 'ranking-reviewing');
  await page.getByRole('button', { name: 'Close review' }).click();
  await page.waitForURL(/ranking\?done=closed$/);
  await clean(page, 'ranking-deciding');

  // A winner without its citation: the message beside the field.
  await page.getByLabel(`Decision on ${A.win.ref}`).selectOption('winner');
  await page.getByLabel(`Decision on ${A.other.ref}`).selectOption('not_selected');
  await page.getByRole('button', { name: 'Save decisions' }).click();
  await page.waitForSelector('.field__error');
  assert.match(await page.locator('.field__error').first().innerText(), /needs a public citation/);
  await clean(page, 'ranking-error');
  await page.getByLabel(`Public citation of ${A.win.ref} (at most 150 words)`).fill('A registry that patients helped to govern.');
  await page.getByRole('button', { name: 'Save decisions' }).click();
  await page.waitForURL(/ranking\?done=decided$/);
  assert.equal(sql(`SELECT decision FROM decisions WHERE application_id = ${A.win.id}`), 'winner');

  await page.goto(app.url(`/admin/rounds/${SLUG}/preview`));
  assert.match(await page.content(), /A registry that patients helped to govern\./);
  assert.match(await page.content(), /Registry Hospital/);
  assert.doesNotMatch(await page.locator('#public-preview').innerText(), /Other Org/);
  await clean(page, 'preview');
  await page.getByRole('button', { name: 'Publish the round' }).click();
  await page.waitForURL(/preview\?done=published$/);
  assert.equal(await page.locator('.notice', { hasText: 'The round is published' }).count(), 1);
  await clean(page, 'published');
  assert.equal(sql(`SELECT round_phase(r) FROM rounds r WHERE slug = '${SLUG}'`), 'published');
  await ctx.close();
});

for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`the applicant reads the decision; a visitor the winners (${label})`, async () => {
    const ctx = await browser.newContext({ viewport });
    const page = await signIn(ctx, 'winner@apps.example');
    await page.goto(app.url(`/applications/${A.win.id}`));
    assert.match(await page.locator('#result').innerText(), /The panel's decision: Winner/);
    assert.match(await page.locator('#result').innerText(), /Clear evidence; publish the protocol\./);
    assert.doesNotMatch(await page.content(), /Panel only\./);
    await clean(page, `applicant-${label}`);
    await ctx.close();

    const visitor = await browser.newContext({ viewport });
    const v = await visitor.newPage();
    await v.goto(app.url('/awards'));
    await clean(v, `awards-${label}`);
    await v.getByRole('link', { name: new RegExp(`Round ${SLUG}`) }).first().click();
    await v.waitForURL(new RegExp(`/awards/${SLUG}$`));
    assert.match(await v.content(), /A registry that patients helped to govern\./);
    assert.doesNotMatch(await v.content(), /Other Org/);
    await clean(v, `round-${label}`);
    const ld = JSON.parse(await v.locator('script[type="application/ld+json"]').textContent());
    assert.ok(JSON.stringify(ld).includes('Registry Hospital'), 'the JSON-LD names the winner');
    await v.getByRole('link', { name: 'Federated registry' }).click();
    await v.waitForURL(new RegExp(`/awards/${SLUG}/${A.win.ref}$`));
    assert.match(await v.content(), /Registry Hospital/);
    await clean(v, `practice-${label}`);
    await visitor.close();
  });
}
