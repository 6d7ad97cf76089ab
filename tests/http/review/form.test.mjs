// The review form (issue 12): drafts, submit with every score and a
// recommendation, abstain with a reason, autosave and versions, edits
// until reviews_due and none after, hostile input, and the others'
// reviews only after one's own (HotCRP's rule), never named.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { openRound, formBody } from '../../lib/apply.mjs';
import { admin, reviewer, submitted } from '../../lib/panel.mjs';

let app, chair, app1;
const R = {};
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'scoring';
const ALL = { score_C1: '3.5', score_C2: '4', score_C3: '2', score_C4: '5', score_C5: '0', score_C6: '1.5', score_C7: '3' };

// Each reviewer's assignment to app1, confirmed.
const aid = (k) => R[k].aid;

async function post(k, fields, { raw = null } = {}) {
  const c = R[k].c;
  const { html } = await c.page(`/review/${aid(k)}`);
  const version = html.match(/name="version" value="(\d+)"/)?.[1] ?? '0';
  if (raw !== null)
    return c.post(`/review/${aid(k)}`, null, { raw });
  return c.post(`/review/${aid(k)}`, null, { raw: formBody({ csrf_token: c.csrf, version, ...fields }) });
}

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app);
  openRound(app, SLUG);
  app1 = await submitted(app, SLUG, 'lead@apps.example', { title: 'Scored practice' });
  for (const k of ['r1', 'r2', 'r3']) {
    const email = `${k}@${k}-lab.example`;
    R[k] = { c: await reviewer(app, chair, SLUG, email) };
    R[k].id = sql(`SELECT id FROM users WHERE email = '${email}'`);
    R[k].aid = sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
      SELECT id, ${app1.id}, ${R[k].id}, 'manual', now() FROM rounds WHERE slug = '${SLUG}' RETURNING id`);
  }
});
after(async () => { await app.stop(); });

test('a draft keeps what is there; the page shows it again', async () => {
  const res = await post('r1', { action: 'save', score_C1: '3.5', comment_C1: 'Clear legal basis.', feedback: 'Strong start.' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `/review/${aid('r1')}?done=save`);
  assert.equal(sql(`SELECT state || ' ' || version FROM reviews WHERE assignment_id = ${aid('r1')}`), 'draft 1');
  assert.equal(sql(`SELECT halves FROM review_scores WHERE assignment_id = ${aid('r1')} AND criterion = 'C1'`), '7');
  assert.equal(sql(`SELECT started_at IS NOT NULL FROM assignments WHERE id = ${aid('r1')}`), 't');
  const { html } = await R.r1.c.page(`/review/${aid('r1')}?done=save`);
  assert.match(html, /Your review has been saved/);
  assert.match(html, /<option value="3\.5" selected>3\.5<\/option>/);
  assert.match(html, /Clear legal basis\./);
  assert.doesNotMatch(html, /The other reviews/);
});

test('submit needs every score and a recommendation; each missing one is named, input kept', async () => {
  const res = await post('r1', { action: 'submit', score_C1: '3.5', comment_C2: 'Kept comment' });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(html, /Give a score for C2: Minimisation and safe access\./);
  assert.match(html, /Give a score for C7/);
  assert.match(html, /Choose your overall recommendation\./);
  assert.match(html, /Kept comment/);
  assert.equal(sql(`SELECT state FROM reviews WHERE assignment_id = ${aid('r1')}`), 'draft');
});

test('hostile input: bad scores, forged ids, broken UTF-8; nothing stored', async () => {
  const before = sql(`SELECT version FROM reviews WHERE assignment_id = ${aid('r1')}`);
  for (const score of ['0.3', '5.5', '-1', 'abc', '1e0', '3,5', ' 3']) {
    const res = await post('r1', { action: 'save', score_C1: score });
    assert.equal(res.status, 422, score);
    assert.match(await res.text(), /Scores go from 0 to 5 in steps of 0\.5/);
  }
  assert.equal((await post('r1', { action: 'save', recommendation: 'winner' })).status, 422);
  const c = R.r1.c;
  await c.page(`/review/${aid('r1')}`);
  for (const forged of [aid('r2'), '999999', '0']) {
    const res = await c.post(`/review/${forged}`, { action: 'save', version: '0', score_C1: '3' });
    assert.equal(res.status, 404, forged);
  }
  const bad = await post('r1', {}, { raw: `csrf_token=${c.csrf}&version=${before}&action=save&feedback=%FF%FE` });
  assert.equal(bad.status, 400);
  assert.equal(sql(`SELECT version FROM reviews WHERE assignment_id = ${aid('r1')}`), before);
});

test('autosave answers in JSON; an unchanged one makes no version; two tabs never overwrite', async () => {
  const c = R.r1.c;
  const { html } = await c.page(`/review/${aid('r1')}`);
  const version = html.match(/name="version" value="(\d+)"/)[1];
  const auto = (v, fields) => c.post(`/review/${aid('r1')}`, null, { raw: formBody({ csrf_token: c.csrf, version: v, action: 'autosave', ...fields }), headers: { Accept: 'application/json' } });
  const res = await auto(version, { score_C1: '4', feedback: 'Autosaved text' });
  assert.equal(res.status, 200);
  const j = await res.json();
  assert.equal(j.ok, true);
  assert.equal(j.version, Number(version) + 1);
  const same = await auto(String(j.version), { score_C1: '4', feedback: 'Autosaved text' });
  assert.equal((await same.json()).version, j.version);
  // A tab still on the old version: refused, nothing lost on the server.
  const stale = await auto(version, { score_C1: '1', feedback: 'Other tab' });
  assert.equal(stale.status, 409);
  assert.equal((await stale.json()).conflict, true);
  const page = await c.post(`/review/${aid('r1')}`, null, { raw: formBody({ csrf_token: c.csrf, version, action: 'save', feedback: 'Other tab' }) });
  assert.equal(page.status, 409);
  assert.match(await page.text(), /saved elsewhere meanwhile/);
  assert.equal(sql(`SELECT feedback FROM reviews WHERE assignment_id = ${aid('r1')}`), 'Autosaved text');
});

test("others' reviews appear only after one's own, as Reviewer N, never named", async () => {
  assert.equal((await post('r2', { action: 'submit', ...ALL, recommendation: 'award', feedback: 'R2 feedback', confidential: 'R2 secret note' })).status, 303);
  assert.equal(sql(`SELECT state FROM reviews WHERE assignment_id = ${aid('r2')}`), 'submitted');
  // r1 has a draft: nothing of r2's.
  let { html } = await R.r1.c.page(`/review/${aid('r1')}`);
  assert.doesNotMatch(html, /R2 feedback|R2 secret note|The other reviews/);
  // r2 sees the others' section, with nothing in yet.
  ({ html } = await R.r2.c.page(`/review/${aid('r2')}?done=submit`));
  assert.match(html, /The other reviews/);
  assert.match(html, /No other review is in yet/);
  // r1 submits: now sees r2's, labelled, without name or address.
  assert.equal((await post('r1', { action: 'submit', ...ALL, score_C7: '1', recommendation: 'finalist' })).status, 303);
  ({ html } = await R.r1.c.page(`/review/${aid('r1')}`));
  assert.match(html, /<h3>Reviewer 2<\/h3>/);
  assert.match(html, /R2 secret note/);
  assert.match(html, /Recommendation: Award/);
  assert.doesNotMatch(html, /r2@|r2-lab/);
  assert.equal(sql(`SELECT string_agg(action, ',' ORDER BY id) FROM audit WHERE action LIKE 'review.%' AND action <> 'review.autosave'`),
    'review.save,review.submit,review.submit');
  // The round's rubric is now fixed.
  assert.equal(sql(`SELECT rubric_locked(id) FROM rounds WHERE slug = '${SLUG}'`), 't');
});

test('abstaining needs a reason and counts as done', async () => {
  const res = await post('r3', { action: 'abstain', abstain_reason: '' });
  assert.equal(res.status, 422);
  assert.match(await res.text(), /Say why you abstain/);
  assert.equal((await post('r3', { action: 'abstain', abstain_reason: 'Outside my field' })).status, 303);
  const { html } = await R.r3.c.page(`/review/${aid('r3')}`);
  assert.match(html, /You abstained: Outside my field/);
  assert.match(html, /<h3>Reviewer 1<\/h3>/);
  assert.match((await R.r1.c.page(`/review/${aid('r1')}`)).html, /Abstained: Outside my field/);
});

test('a submitted review stays complete when edited, each edit a version; after reviews_due it is read-only', async () => {
  const incomplete = await post('r1', { action: 'save', ...ALL, score_C3: '', recommendation: 'finalist' });
  assert.equal(incomplete.status, 422);
  assert.match(await incomplete.text(), /Give a score for C3/);
  const v = Number(sql(`SELECT version FROM reviews WHERE assignment_id = ${aid('r1')}`));
  assert.equal((await post('r1', { action: 'save', ...ALL, score_C3: '4.5', recommendation: 'award' })).status, 303);
  assert.equal(sql(`SELECT state || ' ' || version FROM reviews WHERE assignment_id = ${aid('r1')}`), `submitted ${v + 1}`);
  assert.equal(sql(`SELECT count(*) FROM review_versions WHERE assignment_id = ${aid('r1')}`), String(v + 1));

  sql(`UPDATE rounds SET opens_at = now() - interval '20 days', closes_at = now() - interval '10 days',
    reviews_due = now() - interval '1 second' WHERE slug = '${SLUG}'`);
  const { html } = await R.r1.c.page(`/review/${aid('r1')}`);
  assert.match(html, /your review is read-only/);
  assert.doesNotMatch(html, /name="action" value="submit"/);
  const c = R.r1.c;
  const late = await c.post(`/review/${aid('r1')}`, null, { raw: formBody({ csrf_token: c.csrf, version: String(v + 1), action: 'save', ...ALL, recommendation: 'award' }) });
  assert.equal(late.status, 409);
  assert.match(await late.text(), /the reviews were due/);
  assert.equal(sql(`SELECT version FROM reviews WHERE assignment_id = ${aid('r1')}`), String(v + 1));
});
