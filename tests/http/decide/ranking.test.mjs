// The ranking of a round and its calibration view (issue 13): each
// application's review totals, raw mean and spread, the z-score
// normalised mean beside them, the consensus as the result where one is
// recorded, gates, the agenda's disagreement flag, ties broken by the
// rubric's tie-break order (each saying which rule decided it), the
// category filter, the reviewers' leniency, what the normalisation
// moves, and the decisions form by phase. Applications are submitted
// through the real pages; the panel, its reviews and the consensus are
// set up straight in SQL (their own pages have their own tests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { openRound } from '../../lib/apply.mjs';
import { admin, submitted } from '../../lib/panel.mjs';

let app, chair, vice;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'ranking';
const A = {};	// applications by name: { c, id, ref }
const R = {};	// reviewers by name: user ids
const CODES = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7'];
const rankingPath = `/admin/rounds/${SLUG}/ranking`;
const calibrationPath = `/admin/rounds/${SLUG}/calibration`;
const unescape = (html) => html.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

// A reviewer who never signs in: only their name shows.
function user(name) {
  const email = `${name.split(' ')[0].toLowerCase()}@rev.example`;
  const id = sql(`INSERT INTO users (email, display_name, password_hash, verified_at)
    VALUES ('${email}', '${name}', 'x', now()) RETURNING id`);
  sql(`INSERT INTO panel_members (round_id, user_id) SELECT id, ${id} FROM rounds WHERE slug = '${SLUG}'`);
  return id;
}

// An assignment of app to reviewer u with its review: the same score
// (in halves) on every criterion, so that its total is 10 × h (the
// weights 15 15 15 15 10 10 20 sum to 100); state submitted, abstained
// or none (not begun).
function review(appId, u, h, state = 'submitted') {
  const s = sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
    SELECT id, ${appId}, ${u}, 'manual', now() FROM rounds WHERE slug = '${SLUG}' RETURNING id`);
  if (state === 'none')
    return s;
  sql(`INSERT INTO reviews (assignment_id, state, version, recommendation, feedback, abstain_reason, submitted_at)
    VALUES (${s}, '${state}', 1, ${state === 'submitted' ? "'finalist'" : 'NULL'}, 'Feedback.',
      ${state === 'abstained' ? "'Too close to the topic.'" : 'NULL'}, now())`);
  if (state === 'submitted')
    sql(`INSERT INTO review_scores (assignment_id, criterion, halves)
      SELECT ${s}, c, ${h} FROM unnest('{${CODES}}'::text[]) AS c`);
  return s;
}

// The panel's consensus on an application: halves per criterion.
function consensus(appId, halves) {
  sql(`INSERT INTO consensus (application_id, comment, feedback, recorded_by)
    SELECT ${appId}, 'Agreed.', 'Well done.', id FROM users WHERE email = 'chair@example.org'`);
  sql(`INSERT INTO consensus_scores (application_id, criterion, halves)
    SELECT ${appId}, c, h FROM unnest('{${CODES}}'::text[], '{${halves}}'::int[]) AS x(c, h)`);
}

// A page's table rows by application reference, as text.
function rows(html) {
  const text = unescape(html);
  const out = {};
  for (const r of text.split('<tr id="app-').slice(1)) {
    const m = r.match(/<code>([^<]+)<\/code>/);
    out[m[1]] = r.slice(0, r.indexOf('</tr>'));
  }
  return out;
}

// A row's cells, their tags removed: [rank, application, done, totals,
// raw, spread, normalised, consensus, result, gates, disagreement, ...].
const cells = (row) => row.split(/<t[dh][^>]*>/).slice(1)
  .map((c) => c.replace(/<br>|<ul>/g, ' | ').replace(/<\/li><li>/g, ' ; ').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim());

async function ranking(c = chair, query = '') {
  const { res, html } = await c.page(rankingPath + query);
  assert.equal(res.status, 200);
  return { html, text: unescape(html), rows: rows(html) };
}

// The order of the references on the page.
const order = (html) => [...unescape(html).matchAll(/<tr id="app-\d+">\s*<td>[^]*?<code>([^<]+)<\/code>/g)].map((m) => m[1]);

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app);
  vice = await admin(app, 'vice@example.org');
  openRound(app, SLUG);
  openRound(app, 'elsewhere');
  // Submitted in this order, so their references ascend in it.
  const cats = { D: 'CULTURE', E: 'CULTURE', F: 'CULTURE', H: 'CULTURE', T3: 'CULTURE', T4: 'CULTURE' };
  for (const k of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'X', 'T1', 'T2', 'T3', 'T4', 'Z']) {
    A[k] = await submitted(app, SLUG, `${k.toLowerCase()}@apps.example`, { title: `Practice ${k}`, category: cats[k] ?? 'IMPACT' });
    A[k].ref = sql(`SELECT reference FROM applications WHERE id = ${A[k].id}`);
  }
  A.other = await submitted(app, 'elsewhere', 'other@apps.example', { title: 'Practice elsewhere' });
  A.other.ref = sql(`SELECT reference FROM applications WHERE id = ${A.other.id}`);

  for (const n of ['Fay Fair', 'Hal Harsh', 'Lea Lenient', 'Ned New', 'Pia Panel', 'Zoe Zealous'])
    R[n.split(' ')[0]] = user(n);
  // Fay is fair: she reads A to F and gives their worth, 80 down to 30.
  // Hal is harsh (20 below Fay) on A, C, E; Lea lenient (20 above) on
  // B, D, F. Ned reads two (too few to normalise) and has not begun a
  // third; Pia reads the four applications with a consensus and
  // abstains on G; Zoe reads only Z, which the vice-chair is
  // conflicted with.
  review(A.A.id, R.Fay, 8); review(A.B.id, R.Fay, 7); review(A.C.id, R.Fay, 6);
  review(A.D.id, R.Fay, 5); review(A.E.id, R.Fay, 4); review(A.F.id, R.Fay, 3);
  review(A.A.id, R.Hal, 6); review(A.C.id, R.Hal, 4); review(A.E.id, R.Hal, 2);
  review(A.B.id, R.Lea, 9); review(A.D.id, R.Lea, 7); review(A.F.id, R.Lea, 5);
  review(A.G.id, R.Ned, 6); review(A.H.id, R.Ned, 8); review(A.X.id, R.Ned, null, 'none');
  review(A.T1.id, R.Pia, 7); review(A.T2.id, R.Pia, 5); review(A.T3.id, R.Pia, 9); review(A.T4.id, R.Pia, 8);
  review(A.G.id, R.Pia, null, 'abstained');
  review(A.Z.id, R.Zoe, 10);
  // T1 and T2 agree on 63.0 (15·8 + 15·6 + 15·6 + 15·6 + 10·6 + 10·6 +
  // 20·6 = 630 tenths), T1 higher on C1; T3 and T4 on 90.0, alike on
  // every criterion.
  consensus(A.T1.id, [8, 6, 6, 6, 6, 6, 6]);
  consensus(A.T2.id, [6, 8, 6, 6, 6, 6, 6]);
  consensus(A.T3.id, [9, 9, 9, 9, 9, 9, 9]);
  consensus(A.T4.id, [9, 9, 9, 9, 9, 9, 9]);
  sql(`INSERT INTO conflicts (application_id, user_id, source, reason, created_by)
    SELECT ${A.Z.id}, id, 'admin', 'Former employer', id FROM users WHERE email = 'vice@example.org'`);
});
after(async () => { await app.stop(); });

// The figures, computed by hand (population standard deviations).
// The round's 19 totals: Fay 80 70 60 50 40 30, Hal 60 40 20, Lea 90 70
// 50, Ned 60 80, Pia 70 50 90 80, Zoe 100: sum 1190, mean m = 62.6316;
// Σ(t - m)² = 8368.42, s = √(8368.42 / 19) = 20.9867.
// Fay: mean 55, sd √(1750 / 6) = 17.0783. Hal: 40, √(800 / 3) = 16.3299.
// Lea: 70, 16.3299. Pia: 72.5, √(875 / 4) = 14.7902. Ned (2) and Zoe (1)
// are not normalised: their totals count as they are.
// t' = m + (t - m_r) / s_r × s:
//   A: Fay 80 → 62.6316 + 25/17.0783 × 20.9867 = 93.3530,
//      Hal 60 → 62.6316 + 20/16.3299 × 20.9867 = 88.3350: mean 90.8440
//   B: Fay 70 → 81.0644, Lea 90 → 88.3350: 84.6997
//   C: Fay 60 → 68.7759, Hal 40 → 62.6316: 65.7037
//   D: Fay 50 → 56.4873, Lea 70 → 62.6316: 59.5594
//   E: Fay 40 → 44.1987, Hal 20 → 36.9282: 40.5634
//   F: Fay 30 → 31.9101, Lea 50 → 36.9282: 34.4192
//   G: Ned 60 (as it is), H: Ned 80; T1: Pia 70 → 59.0842, T2: 50 →
//   30.7049, T3: 90 → 87.4634, T4: 80 → 73.2738; Z: Zoe 100.
// Results (consensus, else normalised): Z 100.0, A 90.8, T3 90.0, T4
// 90.0, B 84.7, H 80.0, C 65.7, T1 63.0, T2 63.0, G 60.0, D 59.6, E
// 40.6, F 34.4; X has no review in and no rank.
test('the result orders the applications; raw and normalised means side by side', async () => {
  const { html, rows: r } = await ranking();
  assert.deepEqual(order(html), ['Z', 'A', 'T3', 'T4', 'B', 'H', 'C', 'T1', 'T2', 'G', 'D', 'E', 'F', 'X'].map((k) => A[k].ref));
  let c = cells(r[A.A.ref]);
  assert.equal(c[0], '2');
  assert.match(c[1], /Practice A/);
  assert.equal(c[2], '2 / 2');
  assert.equal(c[3], '80.0 | 60.0 |', 'each review\'s total');
  assert.equal(c[4], '70.0 (#7) | tie broken by C1', 'the raw mean: 7th, tied at 70.0 with T1, whose consensus is higher on C1');
  assert.equal(c[5], '20.0', 'the spread of the totals');
  assert.equal(c[6], '90.8 (#2)', 'the normalised mean, beside the raw one');
  assert.equal(c[7], 'none', 'no consensus');
  assert.equal(c[8], '90.8 (#2)');
  assert.equal(c[9], 'eligible');
  assert.equal(c[10], 'none', 'no disagreement: 2 halves apart, totals exactly 20 apart');

  c = cells(r[A.C.ref]);
  assert.deepEqual(c.slice(2, 9), ['2 / 2', '60.0 | 40.0 |', '50.0 (#11) | tie broken by C1', '20.0', '65.7 (#7)', 'none', '65.7 (#7)']);
  c = cells(r[A.E.ref]);
  assert.deepEqual(c.slice(4, 7), ['30.0 (#13)', '20.0', '40.6 (#11)']);
  c = cells(r[A.F.ref]);
  assert.deepEqual(c.slice(4, 7), ['40.0 (#12)', '20.0', '34.4 (#12)']);
  c = cells(r[A.B.ref]);
  assert.deepEqual(c.slice(4, 7), ['80.0 (#4) | tie broken by C1', '20.0', '84.7 (#4)']);
  assert.match(cells(r[A.D.ref])[6], /^59\.6 \(#9\)/);

  c = cells(r[A.X.ref]);
  assert.equal(c[0], 'not ranked');
  assert.equal(c[2], '0 / 1', 'a review not begun is due, not done');
  assert.equal(c[4], '');
  assert.equal(c[9], 'ineligible | C1: no score yet, the minimum is 3 ; C2: no score yet, the minimum is 3');
  assert.match(cells(r[A.G.ref])[2], /^2 \/ 2 \| 1 abstained$/, 'an abstention counts as done, not scored');
  assert.equal(cells(r[A.G.ref])[3], '60.0 | 1 not normalised');
  assert.doesNotMatch(html, new RegExp(A.other.ref), 'nothing of another round');
});

test('a reviewer with fewer than three reviews is not normalised, and the page says so', async () => {
  const { text } = await ranking();
  assert.match(text, /Not normalised: the totals of these reviewers count as they are\.<\/p><ul><li>Ned New: fewer than three reviews<\/li><li>Zoe Zealous: fewer than three reviews<\/li><\/ul>/);
  assert.match(text, /the round's mean \(62\.6\) and spread \(standard deviation 21\.0\)/);
  const r = rows(text);
  // H: only Ned's 80, as it is.
  assert.deepEqual(cells(r[A.H.ref]).slice(3, 7), ['80.0 | 1 not normalised', '80.0 (#5) | tie broken by the lower reference', '', '80.0 (#5)']);
});

test('the consensus is the result where recorded, the individual scores still shown', async () => {
  const { rows: r } = await ranking();
  const c = cells(r[A.T4.ref]);
  assert.equal(c[3], '80.0 |', 'Pia\'s total, still shown');
  assert.equal(c[4], '80.0 (#3)', 'raw 80.0, tied with B and H, above them: the consensus\'s C1 (4.5) is higher');
  assert.equal(cells(r[A.B.ref])[4], '80.0 (#4) | tie broken by C1');
  assert.equal(c[6], '73.3 (#6)');
  assert.equal(c[7], '90.0');
  assert.equal(c[8], '90.0 (#4) | tie broken by the lower reference');
});

test('ties are broken by the tie-break order, else by the reference, each saying which rule', async () => {
  const { text, rows: r } = await ranking();
  assert.match(text, /broken by the higher result on C1, then C2, then C7, then the lower reference/);
  // T1 and T2: both 63.0; T1's consensus is higher on C1.
  assert.equal(cells(r[A.T1.ref])[0], '8');
  assert.equal(cells(r[A.T2.ref])[0], '9 | tie broken by C1');
  // T3 and T4: both 90.0, alike on every criterion: the lower reference.
  assert.equal(cells(r[A.T3.ref])[0], '3');
  assert.equal(cells(r[A.T4.ref])[0], '4 | tie broken by the lower reference');
  assert.ok(A.T3.ref < A.T4.ref);
  // The same in the order of the raw means (?order=raw).
  const raw = await ranking(chair, '?order=raw');
  assert.deepEqual(order(raw.html).slice(0, 5), ['Z', 'T3', 'T4', 'B', 'H'].map((k) => A[k].ref));
  assert.equal(cells(raw.rows[A.T4.ref])[0], '3');
  assert.equal(cells(raw.rows[A.B.ref])[0], '4 | tie broken by C1');
  assert.equal(cells(raw.rows[A.H.ref])[0], '5 | tie broken by the lower reference');
});

test('a gate that the mean fails marks the application ineligible, shown, with the disagreement flag', async () => {
  const { rows: r } = await ranking();
  const c = cells(r[A.C.ref]);
  // C1 and C2: (3 + 2) / 2 = 2.5, below 3.
  assert.equal(c[9], 'ineligible | C1: 2.50, below the minimum of 3 ; C2: 2.50, below the minimum of 3');
  assert.match(c[10], /^to discuss/);
  assert.match(c[10], /gate C1 \(minimum 3\): scores on both sides/);
  assert.match(cells(r[A.E.ref])[9], /C1: 1\.50, below the minimum of 3/);
  assert.equal(cells(r[A.D.ref])[9], 'eligible', '(2.5 + 3.5) / 2 = 3.00 meets the gate');
  assert.equal(cells(r[A.T2.ref])[9], 'eligible', 'the consensus meets it');
});

test('the category filter ranks a category\'s applications among themselves', async () => {
  let p = await ranking(chair, '?category=CULTURE');
  assert.deepEqual(order(p.html), ['T3', 'T4', 'H', 'D', 'E', 'F'].map((k) => A[k].ref));
  assert.equal(cells(p.rows[A.T4.ref])[0], '2 | tie broken by the lower reference');
  assert.equal(cells(p.rows[A.H.ref])[0], '3');
  assert.equal(cells(p.rows[A.H.ref])[6], '80.0 (#2)', 'the normalised mean is the round\'s (80.0), ranked in the category');
  assert.match(p.text, /<strong aria-current="page">CULTURE<\/strong>/);
  p = await ranking(chair, '?category=IMPACT');
  assert.deepEqual(order(p.html), ['Z', 'A', 'B', 'C', 'T1', 'T2', 'G', 'X'].map((k) => A[k].ref));
  assert.equal(cells(p.rows[A.T2.ref])[0], '6 | tie broken by C1');
  assert.equal(cells(p.rows[A.A.ref])[6], '90.8 (#2)', 'normalised over the whole round');
  p = await ranking(chair, '?category=NOPE%3Cb%3E');
  assert.equal(order(p.html).length, 14, 'an unknown category shows all');
  assert.match(p.html, /This round has no category &quot;NOPE&lt;b&gt;&quot;: every application is shown\./);
});

test('the calibration shows each reviewer\'s reviews, mean, spread and leniency, and what moves', async () => {
  const { res, html } = await chair.page(calibrationPath);
  assert.equal(res.status, 200);
  const text = unescape(html);
  const reviewer = (name) => cells(text.split('<tr><th scope="row">').find((x) => x.startsWith(name)).split('</tr>')[0]);
  // Leniency: the reviewer's mean minus the round's 62.6316.
  assert.deepEqual(reviewer('Fay Fair'), ['6', '55.0', '17.1', '-7.6', 'yes']);
  assert.deepEqual(reviewer('Hal Harsh'), ['3', '40.0', '16.3', '-22.6', 'yes']);
  assert.deepEqual(reviewer('Lea Lenient'), ['3', '70.0', '16.3', '+7.4', 'yes']);
  assert.deepEqual(reviewer('Ned New'), ['2', '70.0', '10.0', '+7.4', 'not normalised: fewer than three reviews']);
  assert.deepEqual(reviewer('Pia Panel'), ['4', '72.5', '14.8', '+9.9', 'yes']);
  assert.deepEqual(reviewer('Zoe Zealous'), ['1', '100.0', '0.0', '+37.4', 'not normalised: fewer than three reviews']);
  assert.match(text, /The round: 19 review totals, mean 62\.6, standard deviation 21\.0\./);
  // Raw order: Z T3 T4 B H T1 A D G T2 C F E; normalised: Z A T3 B H T4
  // C G D T1 E F T2.
  const moves = text.slice(text.indexOf('id="moves-title"'));
  const move = (k) => {
    const row = moves.split('<tr>').find((x) => x.includes(`<code>${A[k].ref}</code>`));
    return row && cells(row.split('</tr>')[0]).slice(1);
  };
  assert.deepEqual(move('A'), ['7', '2', 'up 5 places']);
  assert.deepEqual(move('T4'), ['3', '6', 'down 3 places']);
  assert.deepEqual(move('G'), ['9', '8', 'up 1 place']);
  assert.equal(move('B'), undefined, 'B stays 4th');
  assert.equal(move('Z'), undefined);
  assert.match(html, new RegExp(`href="${rankingPath}"`), 'linked to the ranking');
  const { html: rk } = await ranking();
  assert.match(rk, new RegExp(`href="${calibrationPath}"`), 'and back');
  assert.match(rk, new RegExp(`href="/admin/rounds/${SLUG}/consensus"`));
});

test('an admin conflicted with an application sees nothing of it, on either page', async () => {
  const p = await ranking(vice);
  assert.doesNotMatch(p.html, new RegExp(A.Z.ref));
  assert.doesNotMatch(p.html, /Practice Z/);
  assert.match(p.text, /1 application is left out: you have a conflict of interest with it\./);
  assert.equal(order(p.html).length, 13);
  // Its review is left out of the round's figures too: 18 totals, mean
  // 1090 / 18 = 60.6; Zoe reviewed nothing else and is not listed.
  assert.match(p.text, /the round's mean \(60\.6\)/);
  assert.doesNotMatch(p.html, /Zoe/);
  assert.equal(cells(p.rows[A.T3.ref])[0], '1');
  assert.equal(cells(p.rows[A.A.ref])[6], '86.9 (#1)');
  for (const q of ['?category=IMPACT', '?order=raw', '?order=normalised']) {
    const { html } = await vice.page(rankingPath + q);
    assert.doesNotMatch(html, new RegExp(A.Z.ref), q);
  }
  const { res, html } = await vice.page(calibrationPath);
  assert.equal(res.status, 200);
  assert.doesNotMatch(html, new RegExp(A.Z.ref));
  assert.doesNotMatch(html, /Zoe/);
  assert.match(unescape(html), /1 application is left out: you have a conflict of interest with it\./);
  assert.match(html, /The round: 18 review totals, mean 60\.6/);
});

test('who is no admin gets the 404 page; so does a round that does not exist', async () => {
  for (const path of [rankingPath, calibrationPath, `${rankingPath}?category=IMPACT`])
    assert.equal((await A.A.c.get(path)).status, 404, path);
  for (const path of ['/admin/rounds/no-such-round/ranking', '/admin/rounds/no-such-round/calibration'])
    assert.equal((await chair.get(path)).status, 404, path);
  await chair.page(rankingPath);
  assert.equal((await chair.post(rankingPath, {})).status, 405);
});

test('the decisions form follows the round\'s phase', async () => {
  // Open: no form, no closing yet.
  let p = await ranking();
  assert.match(p.text, /Decisions are recorded once review is closed\./);
  assert.doesNotMatch(p.html, /close-review|name="decision_/);
  // Reviewing: closing review is offered.
  sql(`UPDATE rounds SET closes_at = now() - interval '1 day' WHERE slug = '${SLUG}'`);
  p = await ranking();
  assert.match(p.text, /Decisions are recorded once review is closed\./);
  assert.match(p.html, new RegExp(`<form method="post" action="/admin/rounds/${SLUG}/close-review"[^>]*>\\s*<input type="hidden" name="csrf_token" value="[^"]+">\\s*<button class="button" type="submit">Close review</button>`));
  assert.doesNotMatch(p.html, /name="decision_/);
  // Deciding: a decision and a citation per application.
  sql(`UPDATE rounds SET review_closed_at = now() WHERE slug = '${SLUG}'`);
  sql(`INSERT INTO decisions (application_id, round_id, decision, citation)
    SELECT ${A.A.id}, id, 'winner', 'A registry <that> works.' FROM rounds WHERE slug = '${SLUG}'`);
  p = await ranking();
  assert.doesNotMatch(p.html, /close-review/);
  assert.match(p.html, new RegExp(`<form method="post" action="/admin/rounds/${SLUG}/decisions"[^>]*>\\s*<input type="hidden" name="csrf_token" value="[^"]+">`));
  for (const k of ['A', 'B', 'X']) {
    const id = A[k].id;
    assert.match(p.html, new RegExp(`<label for="decision_${id}">Decision on <code>${A[k].ref}</code></label>`));
    assert.match(p.html, new RegExp(`<select id="decision_${id}" name="decision_${id}">`));
    assert.match(p.html, new RegExp(`<label for="citation_${id}">Public citation of <code>${A[k].ref}</code>`));
    assert.match(p.html, new RegExp(`<textarea id="citation_${id}" name="citation_${id}" rows="3">`));
  }
  const sel = (id) => p.html.split(`<select id="decision_${id}"`)[1].split('</select>')[0];
  assert.match(sel(A.A.id), /<option value="winner" selected>Winner<\/option>/);
  assert.equal((sel(A.A.id).match(/ selected>/g) || []).length, 1, 'one option selected');
  assert.match(sel(A.B.id), /<option value="" selected>— undecided —<\/option><option value="winner">Winner<\/option><option value="finalist">Finalist<\/option><option value="honourable_mention">Honourable mention<\/option><option value="not_selected">Not selected<\/option>/);
  assert.match(p.html, /A registry &lt;that&gt; works\.<\/textarea>/, 'the citation, escaped');
  assert.match(p.html, /<button class="button" type="submit">Save decisions<\/button>/);
  // Published: the decision read only, the citation of the recognised
  // ones still correctable.
  sql(`UPDATE rounds SET published_at = now() WHERE slug = '${SLUG}'`);
  p = await ranking();
  assert.doesNotMatch(p.html, /<select/);
  assert.match(p.html, new RegExp(`<form method="post" action="/admin/rounds/${SLUG}/decisions"`));
  assert.match(p.html, new RegExp(`<textarea id="citation_${A.A.id}" name="citation_${A.A.id}"`));
  assert.doesNotMatch(p.html, new RegExp(`name="citation_${A.B.id}"`), 'no citation for an undecided one');
  assert.match(cells(p.rows[A.A.ref])[11], /^Winner/);
  assert.match(cells(p.rows[A.B.ref])[11], /^undecided/);
});
