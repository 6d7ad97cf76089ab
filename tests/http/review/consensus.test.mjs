// The panel's consensus (issue 12): the round's agenda lists the
// applications whose reviews disagree, each with why; once an
// application's reviews are in, an admin as rapporteur records a score
// per criterion, the reasoning, the feedback for the applicant and a
// minority view, beside the individual reviews; recording again
// replaces it. Reviews are set up straight in SQL (the review form has
// its own tests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { openRound } from '../../lib/apply.mjs';
import { admin, submitted } from '../../lib/panel.mjs';

let app, chair, vice;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'consensus';
const A = {};	// applications by name: { c, id, ref }
const R = {};	// reviewers by name: user ids
const CODES = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7'];
const page = (id) => `/admin/rounds/${SLUG}/applications/${id}/consensus`;
const agendaPath = `/admin/rounds/${SLUG}/consensus`;
const unescape = (html) => html.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

// A reviewer who never signs in: only their name shows.
function user(name) {
  const email = `${name.split(' ')[0].toLowerCase()}@rev.example`;
  const id = sql(`INSERT INTO users (email, display_name, password_hash, verified_at)
    VALUES ('${email}', '${name}', 'x', now()) RETURNING id`);
  sql(`INSERT INTO panel_members (round_id, user_id) SELECT id, ${id} FROM rounds WHERE slug = '${SLUG}'`);
  return id;
}

// An assignment of app to reviewer u, confirmed, with its review:
// halves per criterion (C1..C7), state submitted, draft, abstained or
// none (no review begun).
function review(appId, u, halves, state = 'submitted') {
  const s = sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
    SELECT id, ${appId}, ${u}, 'manual', now() FROM rounds WHERE slug = '${SLUG}' RETURNING id`);
  if (state === 'none')
    return s;
  sql(`INSERT INTO reviews (assignment_id, state, version, recommendation, feedback, confidential, abstain_reason, submitted_at)
    VALUES (${s}, '${state}', 1, ${state === 'submitted' ? "'finalist'" : 'NULL'}, 'Feedback of ${u} on ${appId}.',
      'Confidential note of ${u}.', ${state === 'abstained' ? "'Too close to the topic.'" : 'NULL'},
      ${state === 'draft' ? 'NULL' : 'now()'})`);
  if (halves)
    sql(`INSERT INTO review_scores (assignment_id, criterion, halves, comment)
      SELECT ${s}, c, h, 'Comment ' || c || ' by ${u}' FROM unnest('{${CODES}}'::text[], '{${halves}}'::int[]) AS x(c, h)`);
  return s;
}

const all = (h) => CODES.map(() => h);
const form = (over = {}) => ({
  ...Object.fromEntries(CODES.map((c) => [`consensus_${c}`, '3'])),
  consensus_comment: 'The panel agreed after discussing C3.',
  consensus_feedback: 'A strong practice; say more about transparency.',
  minority: '', ...over,
});

async function post(c, id, fields) {
  await c.page(page(id));
  return c.post(page(id), fields);
}

// The agenda's two sections, as text.
async function agenda(c = chair) {
  const { res, html } = await c.page(agendaPath);
  assert.equal(res.status, 200);
  const text = unescape(html);
  const i = text.indexOf('id="others-title"');
  assert.ok(i > 0);
  return { first: text.slice(text.indexOf('id="agenda-title"'), i), others: text.slice(i), text };
}

// The agenda's row of an application.
const row = (section, ref) => section.split('<tr>').find((r) => r.includes(`<code>${ref}</code>`));

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app);
  vice = await admin(app, 'vice@example.org');
  openRound(app, SLUG);
  openRound(app, 'elsewhere');
  for (const [k, email] of [['spread', 'a1'], ['totals', 'a2'], ['gate', 'a3'], ['agree', 'a4'], ['missing', 'a5']]) {
    A[k] = await submitted(app, SLUG, `${email}@apps.example`, { title: `Practice ${k}` });
    A[k].ref = sql(`SELECT reference FROM applications WHERE id = ${A[k].id}`);
  }
  A.other = await submitted(app, 'elsewhere', 'o1@apps.example');
  A.other.ref = sql(`SELECT reference FROM applications WHERE id = ${A.other.id}`);
  R.ana = user('Ana Reviewer');
  R.ben = user('Ben Reviewer');
  R.cem = user('Cem Reviewer');
  // Weights 15 15 15 15 10 10 20; gates C1 and C2 at 3 (6 halves).
  review(A.spread.id, R.ana, [6, 6, 4, 6, 6, 6, 6]);	// C3: 2 and 3.5
  review(A.spread.id, R.ben, [6, 6, 7, 6, 6, 6, 6]);
  review(A.totals.id, R.ana, all(2));			// 20.0
  review(A.totals.id, R.ben, all(8));			// 80.0
  review(A.gate.id, R.ana, [5, 6, 6, 6, 6, 6, 6]);	// C1: 2.5 and 3
  review(A.gate.id, R.ben, [6, 6, 6, 6, 6, 6, 6]);
  review(A.agree.id, R.ana, all(7));			// half a point apart
  review(A.agree.id, R.ben, all(8));
  review(A.agree.id, R.cem, null, 'abstained');	// not counted
  review(A.missing.id, R.ana, all(6));
  review(A.missing.id, R.ben, [6, 6, 6], 'draft');
  review(A.missing.id, R.cem, null, 'none');
  // The vice-chair is conflicted with the gate application.
  sql(`INSERT INTO conflicts (application_id, user_id, source, reason, created_by)
    SELECT ${A.gate.id}, id, 'admin', 'Former employer', id FROM users WHERE email = 'vice@example.org'`);
});
after(async () => { await app.stop(); });

test('the agenda lists the applications whose reviews disagree, each with why', async () => {
  const { first, others } = await agenda();
  const spread = row(first, A.spread.ref);
  assert.ok(spread, 'the 1.5-point spread is on the agenda');
  assert.match(spread, /C3: scores 2 and 3\.5 are 1\.5 apart/);
  assert.doesNotMatch(spread, /totals|gate/);
  assert.match(spread, /Ana Reviewer \(submitted\), Ben Reviewer \(submitted\)/, 'who reviewed, named');
  assert.match(spread, /2 \/ 2/);
  assert.match(spread, /not yet/);
  assert.match(spread, new RegExp(`href="${page(A.spread.id)}"`));

  const totals = row(first, A.totals.ref);
  assert.ok(totals, 'totals far apart are on the agenda');
  assert.match(totals, /totals 20\.0 and 80\.0 are more than 20 points apart/);
  assert.match(totals, /C1: scores 1 and 4 are 3 apart/, 'every reason, not only the first');
  assert.match(totals, /gate C2 \(minimum 3\): scores on both sides/);

  const gate = row(first, A.gate.ref);
  assert.ok(gate, 'a gate split is on the agenda');
  assert.match(gate, /gate C1 \(minimum 3\): scores on both sides/);
  assert.doesNotMatch(gate, /apart/, 'half a point apart is no spread');

  assert.equal(row(first, A.agree.ref), undefined, 'reviews in agreement are not on the agenda');
  const agree = row(others, A.agree.ref);
  assert.ok(agree, 'below, with the others');
  assert.match(agree, /3 \/ 3/, 'an abstention counts as done');
  assert.match(agree, /Cem Reviewer \(abstained\)/);
  assert.match(agree, /75\.0/, 'the mean total of the submitted reviews (70.0 and 80.0)');
  const missing = row(others, A.missing.ref);
  assert.match(missing, /1 \/ 3/);
  assert.match(missing, /Ben Reviewer \(draft, not submitted\)/);
  assert.match(missing, /Cem Reviewer \(not begun\)/);
  assert.doesNotMatch(first + others, new RegExp(`<code>${A.other.ref}</code>`), 'nothing of another round');
});

test('the page refuses while a review is missing, and names whose', async () => {
  const { res, html } = await chair.page(page(A.missing.id));
  assert.equal(res.status, 200);
  const text = unescape(html);
  assert.match(text, /once every review is in\. Still missing: Ben Reviewer \(draft, not submitted\), Cem Reviewer \(not begun\)\./);
  assert.doesNotMatch(html, /name="consensus_C1"/, 'no form');
  assert.match(text, /Ana Reviewer: submitted/, 'the reviews in are shown');
  assert.doesNotMatch(text, new RegExp(`Feedback of ${R.ben} on`), 'a draft stays its reviewer\'s');

  await chair.page(page(A.spread.id));	// a page with a form: the token
  const res2 = await chair.post(page(A.missing.id), form());
  assert.equal(res2.status, 409);
  assert.match(unescape(await res2.text()), /Still missing: Ben Reviewer/);
  assert.equal(sql('SELECT count(*) FROM consensus'), '0');
});

test('once the reviews are in, the form is shown beside every review', async () => {
  const { res, html } = await chair.page(page(A.spread.id));
  assert.equal(res.status, 200);
  const text = unescape(html);
  for (const c of CODES)
    assert.match(html, new RegExp(`<label for="consensus_${c}">`), `a labelled field for ${c}`);
  assert.match(html, /<label for="consensus_comment">/);
  assert.match(html, /<label for="consensus_feedback">/);
  assert.match(html, /<label for="minority">/);
  assert.match(text, /C3: scores 2 and 3\.5 are 1\.5 apart/, 'why it needs discussion');
  // The reviews: named, with scores, comments, recommendation, the
  // feedback and the confidential comment.
  assert.match(text, /<th scope="col">Ana Reviewer<\/th><th scope="col">Ben Reviewer<\/th>/);
  assert.match(text, /C3 · Transparency, consent and control<\/th><td>2<\/td><td>3\.5<\/td><td>2\.75<\/td><td>1\.5<\/td>/);
  assert.match(text, /Total \(0 to 100\)<\/th><td>57\.0<\/td><td>61\.5<\/td><td>59\.3<\/td><td>4\.5<\/td>/);
  assert.match(text, new RegExp(`Comment C3 by ${R.ana}`));
  assert.match(text, new RegExp(`Feedback of ${R.ben} on ${A.spread.id}\\.`));
  assert.match(text, new RegExp(`Confidential note of ${R.ana}\\.`));
  assert.match(text, /recommendation: finalist/);
});

test('every field is checked, each message next to its field, input kept, nothing written', async () => {
  const fields = form({ consensus_C2: '0.3', consensus_C3: '5.5', consensus_C4: 'abc', consensus_comment: '  ',
    consensus_feedback: 'Kept as typed' });
  delete fields.consensus_C1;
  const res = await post(chair, A.spread.id, fields);
  assert.equal(res.status, 422);
  const html = await res.text();
  const text = unescape(html);
  assert.match(text, /<p class="field__error" id="consensus_C1-error">C1: Give the panel's score, from 0 to 5 in steps of 0\.5\.<\/p>/);
  for (const c of ['C2', 'C3', 'C4'])
    assert.match(text, new RegExp(`<p class="field__error" id="consensus_${c}-error">${c}: Scores go from 0 to 5 in steps of 0\\.5\\.</p>`));
  assert.match(text, /id="consensus_comment-error">Write the panel's reasoning: why these scores\.</);
  assert.match(html, /id="consensus_C4" name="consensus_C4" type="text" inputmode="decimal" value="abc" aria-describedby="consensus_C4-hint consensus_C4-error" aria-invalid="true"/);
  assert.match(html, /value="0\.3"/);
  assert.match(html, /value="5\.5"/);
  assert.match(html, />Kept as typed<\/textarea>/);
  assert.match(html, /<a href="#consensus_C1">/, 'the summary links to the field');
  assert.doesNotMatch(html, /id="consensus_C5-error"/);

  const res2 = await post(chair, A.spread.id, form({ consensus_feedback: '', consensus_comment: 'x'.repeat(10001) }));
  assert.equal(res2.status, 422);
  const text2 = unescape(await res2.text());
  assert.match(text2, /Write the feedback the panel agreed for the applicant\./);
  assert.match(text2, /at most 10,000 characters; this has 10001/);
  for (const bad of ['-1', '3,5', '.5', '03', '2.25', '5.0.0', ' 3'])
    assert.equal((await post(chair, A.spread.id, form({ consensus_C7: bad }))).status, 422, bad);
  assert.equal(sql('SELECT count(*) FROM consensus'), '0');
  assert.equal(sql("SELECT count(*) FROM audit WHERE action = 'consensus.record'"), '0');
});

test('recording works, is audited, and shows beside the individual scores and means', async () => {
  const res = await post(chair, A.spread.id, form({ consensus_C3: '3', consensus_C7: '3.5', minority: 'Ben would give C3 3.5.' }));
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `${page(A.spread.id)}?done=recorded`);
  assert.equal(sql(`SELECT version || ' ' || comment || ' | ' || minority || ' | ' || recorded_by FROM consensus WHERE application_id = ${A.spread.id}`),
    `1 The panel agreed after discussing C3. | Ben would give C3 3.5. | ${sql("SELECT id FROM users WHERE email = 'chair@example.org'")}`);
  assert.equal(sql(`SELECT string_agg(criterion || '=' || halves, ' ' ORDER BY criterion) FROM consensus_scores WHERE application_id = ${A.spread.id}`),
    'C1=6 C2=6 C3=6 C4=6 C5=6 C6=6 C7=7');
  assert.equal(sql(`SELECT subject || ' ' || (after ->> 'version') || ' ' || (after -> 'scores' ->> 'C7') || ' ' || (before IS NULL)
    FROM audit WHERE action = 'consensus.record'`), `application:${A.spread.id} 1 7 true`);

  const { html } = await chair.page(`${page(A.spread.id)}?done=recorded`);
  const text = unescape(html);
  assert.match(text, /The consensus has been recorded\./);
  assert.match(text, /Consensus version 1, recorded by chair on \d{4}-\d\d-\d\d \d\d:\d\d \(Europe\/Brussels\); its total is 62\.0\./);
  assert.match(text, /C3 · Transparency, consent and control<\/th><td>2<\/td><td>3\.5<\/td><td>2\.75<\/td><td>1\.5<\/td><td>3<\/td>/);
  assert.match(text, /C7 · [^<]*<\/th><td>3<\/td><td>3<\/td><td>3\.00<\/td><td>0<\/td><td>3\.5<\/td>/);
  assert.match(html, /name="consensus_C7" type="text" inputmode="decimal" value="3\.5"/, 'the form holds what was recorded');
  assert.match(text, />Ben would give C3 3\.5\.<\/textarea>/);
  assert.match(text, /Record again \(replaces version 1\)/);
  const { first } = await agenda();
  assert.match(row(first, A.spread.ref), /recorded \(version 1\)/, 'the agenda says so; the reasons stay');
});

test('recording again replaces it: version 2, the earlier one in the audit log', async () => {
  const res = await post(chair, A.spread.id, form({ consensus_C3: '2.5', consensus_comment: 'Second discussion.' }));
  assert.equal(res.status, 303);
  assert.equal(sql(`SELECT version || ' ' || comment || ' [' || minority || ']' FROM consensus WHERE application_id = ${A.spread.id}`),
    '2 Second discussion. []');
  assert.equal(sql(`SELECT string_agg(criterion || '=' || halves, ' ' ORDER BY criterion) FROM consensus_scores WHERE application_id = ${A.spread.id}`),
    'C1=6 C2=6 C3=5 C4=6 C5=6 C6=6 C7=6');
  assert.equal(sql(`SELECT string_agg((before ->> 'version') || '>' || (after ->> 'version') || ' ' || (before ->> 'comment'), ',' ORDER BY id)
    FROM audit WHERE action = 'consensus.record' AND before IS NOT NULL`), '1>2 The panel agreed after discussing C3.');
  const { html } = await chair.page(page(A.spread.id));
  assert.match(html, /Consensus version 2/);
  const { first } = await agenda();
  assert.match(row(first, A.spread.ref), /recorded \(version 2\)/);
});

test('who may not see a consensus page gets the 404 page, and nothing is written', async () => {
  const before = sql('SELECT count(*) FROM consensus') + sql('SELECT count(*) FROM audit');
  // Not an admin: the applicant of the application.
  for (const path of [page(A.gate.id), agendaPath])
    assert.equal((await A.gate.c.get(path)).status, 404, path);
  await A.gate.c.page('/account');
  assert.equal((await A.gate.c.post(page(A.gate.id), form())).status, 404);
  // An admin conflicted with the application: neither its page nor its
  // line of the agenda.
  assert.equal((await vice.get(page(A.gate.id))).status, 404);
  await vice.page(page(A.spread.id));
  assert.equal((await vice.post(page(A.gate.id), form())).status, 404);
  assert.equal((await vice.get(page(A.spread.id))).status, 200, 'the others are theirs to see');
  const { text } = await agenda(vice);
  assert.doesNotMatch(text, new RegExp(`<code>${A.gate.ref}</code>`));
  assert.match(text, /1 application\(s\) of this round are left out: you have a conflict of interest with them\./);
  // An application of another round, a draft, one that does not exist.
  const draft = sql(`INSERT INTO applications (round_id, owner_id, state, title)
    SELECT r.id, u.id, 'draft', 'A draft' FROM rounds r, users u
    WHERE r.slug = '${SLUG}' AND u.email = 'a1@apps.example' RETURNING id`);
  for (const id of [A.other.id, draft, 999999, '99999999999999999999'])
    assert.equal((await chair.get(page(id))).status, 404, `application ${id}`);
  assert.equal((await chair.get(`/admin/rounds/elsewhere/applications/${A.spread.id}/consensus`)).status, 404);
  assert.equal((await chair.get(`/admin/rounds/no-such-round/consensus`)).status, 404);
  await chair.page(page(A.spread.id));
  assert.equal((await chair.post(page(A.other.id), form())).status, 404);
  assert.equal((await chair.get(`/admin/rounds/elsewhere/applications/${A.other.id}/consensus`)).status, 200,
    'in its own round it is found');
  assert.equal(sql('SELECT count(*) FROM consensus') + sql('SELECT count(*) FROM audit'), before);
});
