// The dashboard's counts, the admin's list of applications and the
// ranking's data, kept (issue 16, migrations 0022 and 0023): after every
// kind of change to what they show, what is served equals what is
// computed afresh (the oracles: dashboard_counts_of(), applist_page_of()
// and ranking_data_of(), the queries the pages ran on every view
// before), the round's generation rose, and the change shows. Writes that change nothing shown raise nothing; a change
// committed after a view was kept is seen by the next view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startApp, until, asAppRole } from '../../lib/harness.mjs';
import { openRound, applicant, apply } from '../../lib/apply.mjs';
import { submitted } from '../../lib/panel.mjs';

let app, round, chair;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'kept';
const A = [];
const U = [];
const S = [];

const hidden = () => `ranking_hidden(${round}, ${chair})`;
const gen = () => Number(sql(`SELECT coalesce((SELECT gen FROM round_generations WHERE round_id = ${round}), 0)`));

// Each kept page as served, and as its oracle computes it afresh.
const VIEWS = {
  counts: { kept: () => sql(`SELECT dashboard_counts(${round}, ${chair})`),
    fresh: () => sql(`SELECT dashboard_counts_of(${round}, ${hidden()})`) },
  list: { kept: () => sql(`SELECT round_applications_view('${SLUG}', '1', ${chair})`),
    fresh: () => sql(`SELECT applist_page_of(${round}, 1)`) },
  ranking: { kept: () => sql(`SELECT ranking_data('${SLUG}', ${chair}) -> 'kept'`),
    fresh: () => sql(`SELECT ranking_data_of(${round}, ${hidden()})`) },
};
const kept = VIEWS.counts.kept;
const fresh = VIEWS.counts.fresh;
const counts = () => JSON.parse(kept());
const keptList = VIEWS.list.kept;
const keptRanking = VIEWS.ranking.kept;

function same(what) {
  for (const [name, v] of Object.entries(VIEWS))
    assert.equal(v.kept(), v.fresh(), `${what}: the ${name}`);
  // /admin's figures for the round are the counts'.
  const c = counts();
  const listed = JSON.parse(sql(`SELECT round_dashboard_list(${chair})`)).find((r) => r.slug === SLUG);
  assert.deepEqual([listed.submitted, listed.drafts, listed.reviews_done, listed.reviews_assigned],
    [c.submitted, c.drafts, c.reviews_done, c.reviews_assigned], what);
  return c;
}

// A change that view shows: the generation rises, every kept page is
// the fresh one, and that view differs from before.
function shows(view, what, stmt) {
  const before = VIEWS[view].kept();
  const g = gen();
  sql(stmt);
  assert.ok(gen() > g, `${what}: the generation rose`);
  same(what);
  const after = VIEWS[view].kept();
  assert.notEqual(after, before, `${what}: the ${view} shows it`);
  return JSON.parse(after);
}
const changes = (what, stmt) => shows('counts', what, stmt);
const listed = (what, stmt) => shows('list', what, stmt);
const ranked = (what, stmt) => shows('ranking', what, stmt);

// A write that nothing shown reads: nothing rises, what is kept serves.
function nothing(what, stmt) {
  const before = Object.values(VIEWS).map((v) => v.kept());
  const g = gen();
  sql(stmt);
  assert.equal(gen(), g, `${what}: the generation stayed`);
  assert.deepEqual(Object.values(VIEWS).map((v) => v.kept()), before, what);
}

before(async () => {
  app = await startApp();
  openRound(app, SLUG);
  round = sql(`SELECT id FROM rounds WHERE slug = '${SLUG}'`);
  chair = sql(`INSERT INTO users (email, display_name, password_hash, verified_at, is_admin)
    VALUES ('chair@kept.example', 'Chair', 'x', now(), true) RETURNING id`);
  for (const k of ['a', 'b', 'c', 'd'])
    A.push((await submitted(app, SLUG, `${k}@kept.example`)).id);
  await apply(await applicant(app, 'draft@kept.example', '203.0.113.90'), SLUG);
  for (const k of [1, 2])
    U.push(sql(`INSERT INTO users (email, display_name, password_hash, verified_at)
      VALUES ('r${k}@kept.example', 'Reviewer ${k}', 'x', now()) RETURNING id`));
  for (const a of A.slice(0, 3))
    S.push(sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
      VALUES (${round}, ${a}, ${U[0]}, 'manual', now()) RETURNING id`));
});
after(() => app?.stop());

test('kept once computed; served again until something counted changes', () => {
  const first = same('the first view');
  assert.equal(first.submitted, 4);
  assert.equal(first.drafts, 1);
  assert.equal(first.reviews_assigned, 3);
  assert.equal(sql(`SELECT count(*) FROM round_kept WHERE round_id = ${round} AND page = 'dashboard' AND gen = ${gen()}`), '1');
  // Served from what was kept: a row changed behind the triggers' back
  // (as no writer of the app does) shows only once something counted
  // changes.
  sql(`ALTER TABLE applications DISABLE TRIGGER applications_dashboard_update;
    UPDATE applications SET category = 'CULTURE' WHERE id = ${A[3]};
    ALTER TABLE applications ENABLE TRIGGER applications_dashboard_update`);
  assert.deepEqual(counts(), first, 'kept counts served');
  assert.notEqual(fresh(), JSON.stringify(first));
  sql(`UPDATE applications SET category = NULL WHERE id = ${A[3]}`);
  same('after a counted change');
});

test('applications: submitted, withdrawn, moved in category, country and day, deleted', async () => {
  changes('a new application', `INSERT INTO applications (round_id, owner_id, state)
    VALUES (${round}, ${U[1]}, 'draft')`);
  changes('a category', `UPDATE applications SET category = 'CULTURE' WHERE id = ${A[0]}`);
  changes('a country', `UPDATE applications SET country = 'BE' WHERE id = ${A[0]}`);
  changes('a day', `UPDATE applications SET submitted_at = submitted_at - interval '1 day' WHERE id = ${A[1]}`);
  const w = changes('a withdrawal', `UPDATE applications SET state = 'withdrawn' WHERE id = ${A[3]}`);
  assert.equal(w.states.withdrawn, 1);
  changes('a deleted application', `DELETE FROM applications WHERE owner_id = ${U[1]}`);
  const s = (await submitted(app, SLUG, 'e@kept.example')).id;
  assert.equal(same('a submission through the app').submitted, 4);
  A.push(s);
});

test('assignments and reviews: assigned, started, saved, submitted, ended, deleted', () => {
  changes('an assignment', `INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
    VALUES (${round}, ${A[0]}, ${U[1]}, 'manual', now())`);
  changes('a review begun', `INSERT INTO reviews (assignment_id, state, version) VALUES (${S[0]}, 'draft', 1)`);
  changes('a draft saved', `UPDATE reviews SET updated_at = now() - interval '3 days' WHERE assignment_id = ${S[0]}`);
  const done = changes('a review submitted', `UPDATE reviews SET state = 'submitted', submitted_at = now()
    WHERE assignment_id = ${S[0]}`);
  assert.equal(done.reviews_done, 1);
  changes('a review deleted', `DELETE FROM reviews WHERE assignment_id = ${S[0]}`);
  changes('an assignment ended', `UPDATE assignments SET ended_at = now(), ended_reason = 'member_removed'
    WHERE id = ${S[2]}`);
  changes('an assignment deleted', `DELETE FROM assignments WHERE user_id = ${U[1]}`);
});

test('decisions, the round, a reviewer\'s name and a country\'s name', () => {
  changes('a decision', `INSERT INTO decisions (application_id, round_id, decision, citation)
    VALUES (${A[0]}, ${round}, 'winner', 'A practice to follow.')`);
  changes('a decision taken back', `DELETE FROM decisions WHERE application_id = ${A[0]}`);
  changes('k', `UPDATE rounds SET reviews_per_application = 1 WHERE id = ${round}`);
  changes('the zone', `UPDATE rounds SET timezone = 'America/New_York' WHERE id = ${round}`);
  changes('a name', `UPDATE users SET display_name = 'Renamed Reviewer' WHERE id = ${U[0]}`);
  changes('a country', `UPDATE countries SET name = 'Belgique' WHERE code = 'BE'`);
  sql(`UPDATE countries SET name = 'Belgium' WHERE code = 'BE'`);
});

test('writes no count reads raise nothing', () => {
  nothing('a draft saved', `UPDATE applications SET title = 'Draft title', version = version + 1
    WHERE state = 'draft' AND round_id = ${round}`);
  nothing('a conflict check confirmed', `UPDATE assignments SET confirmed_at = now() WHERE id = ${S[1]}`);
  nothing('a second factor used', `UPDATE users SET totp_last_step = totp_last_step + 1 WHERE id = ${U[0]}`);
  changes('a review begun', `INSERT INTO reviews (assignment_id, state, version) VALUES (${S[1]}, 'draft', 1)`);
  // A draft's score is in no count, but the ranking's triggers watch
  // every score (a save changes the review's time anyway).
  changes('a draft\'s score', `INSERT INTO review_scores (assignment_id, criterion, halves) VALUES (${S[1]}, 'C1', 6);
    UPDATE reviews SET updated_at = now() - interval '1 day' WHERE assignment_id = ${S[1]}`);
  // Reminders are read as they are on every view, not kept.
  nothing('a reminder', `INSERT INTO reminders (round_id, user_id, kind) VALUES (${round}, ${U[0]}, 'manual')`);
});

test('the list: titles, panel members, conflicts, affiliations and keys', () => {
  const row = (l, id) => l.applications.find((a) => String(a.id) === String(id));
  listed('a submitted application\'s title', `UPDATE applications SET title = 'Retitled' WHERE id = ${A[0]}`);
  let l = listed('a panel member', `INSERT INTO panel_members (round_id, user_id) VALUES (${round}, ${U[0]})`);
  assert.equal(row(l, A[1]).assigned, 1, 'the member\'s assignment counts');
  l = listed('a conflict declared', `INSERT INTO conflicts (application_id, user_id, source, reason)
    VALUES (${A[1]}, ${U[0]}, 'declared', 'test')`);
  assert.equal(row(l, A[1]).conflicts, 1);
  listed('a conflict withdrawn', `DELETE FROM conflicts WHERE reason = 'test'`);
  const key = sql(`SELECT key FROM application_keys WHERE application_id = ${A[1]} ORDER BY key LIMIT 1`);
  assert.ok(key, 'the submitted application has keys');
  l = listed('an affiliation', `INSERT INTO affiliations (user_id, kind, name, key)
    VALUES (${U[0]}, 'organisation', 'Same organisation', '${key}')`);
  assert.equal(row(l, A[1]).conflicts, 1);
  l = listed('the application\'s keys', `DELETE FROM application_keys WHERE application_id = ${A[1]} AND key = '${key}'`);
  assert.equal(row(l, A[1]).conflicts, 0);
  listed('a member removed', `UPDATE panel_members SET removed_at = now() WHERE user_id = ${U[0]}`);
  // The same keys again rewrite nothing; a draft's keys show nowhere.
  const keys = sql(`SELECT json_agg(json_build_object('kind', kind, 'name', name, 'key', key))
    FROM application_keys WHERE application_id = ${A[1]}`);
  nothing('the same keys', `SELECT application_keys_set(${A[1]}, '${keys}')`);
  const draft = sql(`SELECT id FROM applications WHERE round_id = ${round} AND state = 'draft' LIMIT 1`);
  nothing('a draft\'s keys', `SELECT application_keys_set(${draft}, '[{"kind":"organisation","name":"X","key":"org:x"}]')`);
  // Pages past the last are the last, and not kept.
  assert.equal(JSON.parse(sql(`SELECT round_applications_view('${SLUG}', '99', ${chair})`)).page, 1);
  assert.equal(sql(`SELECT string_agg(page, ',') FROM round_kept WHERE round_id = ${round} AND page LIKE 'applications%'`), 'applications 1');
});

test('the ranking: scores, consensus, the rubric, categories and decisions', () => {
  sql(`UPDATE panel_members SET removed_at = NULL WHERE user_id = ${U[0]}`);
  const s = S[1];
  const a = sql(`SELECT application_id FROM assignments WHERE id = ${s}`);
  let r = ranked('a review submitted with every score', `
    INSERT INTO review_scores (assignment_id, criterion, halves)
      SELECT ${s}, code, 4 FROM rubric_criteria WHERE round_id = ${round}
      ON CONFLICT (assignment_id, criterion) DO UPDATE SET halves = 4;
    UPDATE reviews SET state = 'submitted', submitted_at = now() WHERE assignment_id = ${s}`);
  const row = (x) => x.applications.find((p) => String(p[0]) === String(a));
  assert.match(row(r)[10], /^\d+,4,4,4,4,4,4,4$/);
  r = ranked('a score changed', `UPDATE review_scores SET halves = 9 WHERE assignment_id = ${s} AND criterion = 'C2'`);
  assert.match(row(r)[10], /^\d+,4,9,4,4,4,4,4$/);
  r = ranked('a consensus', `INSERT INTO consensus (application_id, comment, feedback) VALUES (${a}, 'Agreed.', 'Well done.');
    INSERT INTO consensus_scores (application_id, criterion, halves) VALUES (${a}, 'C1', 7)`);
  assert.deepEqual(row(r)[7], { C1: 7 });
  ranked('a criterion renamed', `UPDATE rubric_criteria SET name = 'Renamed criterion' WHERE round_id = ${round} AND code = 'C1'`);
  ranked('a category described', `UPDATE round_categories SET description = 'Described again' WHERE round_id = ${round}
    AND position = (SELECT min(position) FROM round_categories WHERE round_id = ${round})`);
  ranked('a decision', `INSERT INTO decisions (application_id, round_id, decision, citation)
    VALUES (${a}, ${round}, 'finalist', 'A practice to follow.')`);
  r = ranked('a citation', `UPDATE decisions SET citation = 'Another practice.' WHERE application_id = ${a}`);
  assert.equal(row(r)[9], 'Another practice.');
  // The phase is the clock's, not kept: it is beside the kept data.
  assert.equal(sql(`SELECT ranking_data('${SLUG}', ${chair}) ->> 'phase'`), sql(`SELECT round_phase(r) FROM rounds r WHERE id = ${round}`));
  sql(`DELETE FROM decisions WHERE application_id = ${a}`);
});

test('an admin\'s conflict hides the application: kept apart from the counts all others see', () => {
  const all = counts();
  sql(`INSERT INTO conflicts (application_id, user_id, source, reason) VALUES (${A[1]}, ${chair}, 'admin', 'test')`);
  const mine = same('with a conflict');
  assert.equal(mine.submitted, all.submitted - 1);
  assert.equal(sql(`SELECT count(*) FROM round_kept WHERE round_id = ${round} AND page = 'dashboard'`), '2');
  sql(`DELETE FROM conflicts WHERE reason = 'test'`);
  assert.deepEqual(same('without it again'), all);
});

// A view kept while a change is in flight: the change raises the
// generation when it commits, so the next view counts again.
test('a change committed after a view was kept is in the next view', async () => {
  const before = same('before');
  const t = spawn('psql', [app.cluster.dsn(app.db), '-Atq', '-v', 'ON_ERROR_STOP=1']);
  let out = '';
  t.stdout.on('data', (d) => { out += d; });
  t.stdin.write(`BEGIN; UPDATE applications SET state = 'withdrawn' WHERE id = ${A[2]}; SELECT 'held';\n`);
  await until('the change to be made, not committed', () => out.includes('held'));
  assert.deepEqual(same('while it is in flight'), before);
  t.stdin.end('COMMIT;\n');
  assert.equal(await new Promise((r) => t.on('exit', r)), 0);
  const after = same('after its commit');
  assert.equal(after.submitted, before.submitted - 1);
});

test('the app\'s role can neither read the tables nor call the helpers', () => {
  for (const q of ['SELECT count(*) FROM round_kept', 'SELECT count(*) FROM round_generations',
    `SELECT dashboard_touch('{${round}}')`, `SELECT dashboard_counts(${round}, ${chair})`,
    `SELECT dashboard_counts_of(${round}, '{}')`, `SELECT applist_page_of(${round}, 1)`,
    `SELECT ranking_data_of(${round}, '{}')`, `SELECT ranking_hidden(${round}, ${chair})`,
    `SELECT kept_get(${round}, 'dashboard', '{}')`, `SELECT kept_put(${round}, 'x', '{}', 0, '{}')`])
    assert.equal(asAppRole(app, q), 'denied', q);
});
