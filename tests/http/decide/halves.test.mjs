// review_halves (issue 16): each review's scores in its round's rubric
// order, kept by triggers so that the ranking reads a row per review.
// After every kind of change to scores or rubric, what the ranking reads
// from it must equal what it computed from review_scores before the
// table existed (the oracle below), review by review.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startApp, until, asAppRole } from '../../lib/harness.mjs';
import { openRound } from '../../lib/apply.mjs';
import { submitted } from '../../lib/panel.mjs';

let app, round;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'halves';
const S = [];	// assignment ids

// The rubric's codes in order, as ranking_data() takes them.
const CODES = () => `(SELECT coalesce(array_agg(k.code ORDER BY k.position), '{}')
  FROM rubric_criteria k WHERE k.round_id = ${round})`;

// What ranking_data() made of review_scores before review_halves: the
// scores ordered by the rubric, cut to its length, empty unless the
// review has every criterion of the rubric.
function oracle() {
  return sql(`SELECT string_agg(q.id || ':' || q.h, ' ' ORDER BY q.id) FROM (
    SELECT x.assignment_id AS id,
      CASE WHEN count(array_position(c.codes, x.criterion)) = cardinality(c.codes)
        THEN array_to_string((array_agg(x.halves ORDER BY
          array_position(c.codes, x.criterion)))[1:cardinality(c.codes)], ',')
        ELSE repeat(',', cardinality(c.codes) - 1) END AS h
    FROM review_scores x, ${CODES()} AS c(codes)
    GROUP BY x.assignment_id, c.codes) q`);
}

// What ranking_data() reads now.
function cached() {
  return sql(`SELECT string_agg(q.id || ':' || q.h, ' ' ORDER BY q.id) FROM (
    SELECT r.assignment_id AS id,
      CASE WHEN r.criteria[1:cardinality(c.codes)] = c.codes
        THEN array_to_string(r.halves[1:cardinality(c.codes)], ',')
        ELSE repeat(',', cardinality(c.codes) - 1) END AS h
    FROM review_halves r, ${CODES()} AS c(codes)) q`);
}

function same(what) {
  const want = oracle();
  assert.equal(cached(), want, what);
  return want;
}

// Swaps two criteria's places, as rubric_edit() moves one.
function swap(a, b) {
  sql(`DO $$ DECLARE pa int; pb int; BEGIN
    SELECT position INTO pa FROM rubric_criteria WHERE round_id = ${round} AND code = '${a}';
    SELECT position INTO pb FROM rubric_criteria WHERE round_id = ${round} AND code = '${b}';
    UPDATE rubric_criteria SET position = -1 WHERE round_id = ${round} AND code = '${a}';
    UPDATE rubric_criteria SET position = pa WHERE round_id = ${round} AND code = '${b}';
    UPDATE rubric_criteria SET position = pb WHERE round_id = ${round} AND code = '${a}';
  END $$`);
}

before(async () => {
  app = await startApp();
  openRound(app, SLUG);
  round = sql(`SELECT id FROM rounds WHERE slug = '${SLUG}'`);
  const apps = [];
  for (const k of ['a', 'b', 'c'])
    apps.push((await submitted(app, SLUG, `${k}@halves.example`)).id);
  const users = sql(`INSERT INTO users (email, display_name, password_hash, verified_at)
    SELECT 'r' || i || '@halves.example', 'Reviewer ' || i, 'x', now()
    FROM generate_series(1, 3) i RETURNING id`).split('\n');
  for (const u of users) {
    sql(`INSERT INTO panel_members (round_id, user_id) VALUES (${round}, ${u})`);
    for (const a of apps) {
      const s = sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
        VALUES (${round}, ${a}, ${u}, 'manual', now()) RETURNING id`);
      sql(`INSERT INTO reviews (assignment_id, state, version, recommendation, feedback, submitted_at)
        VALUES (${s}, 'submitted', 1, 'finalist', 'Feedback.', now())`);
      S.push(s);
    }
  }
});
after(async () => { await app.stop(); });

test('scores written in one statement for many reviews, each in rubric order', () => {
  // A different score on every criterion of every review, so that an
  // order gone wrong shows.
  sql(`INSERT INTO review_scores (assignment_id, criterion, halves)
    SELECT s, k.code, (s * 7 + k.position * 3) % 11
    FROM unnest('{${S}}'::bigint[]) s
    JOIN rubric_criteria k ON k.round_id = ${round}`);
  const got = same('after the first scores');
  assert.equal(got.split(' ').length, S.length);
  assert.match(got, /^\d+:\d+(,\d+){6}( |$)/);
  // The first criterion's score leads: position 1 of review S[0].
  const first = (Number(S[0]) * 7 + 3) % 11;
  assert.ok(got.startsWith(`${S[0]}:${first},`), got);
});

test('a score changed, a review saved again, a draft with a score missing', () => {
  sql(`UPDATE review_scores SET halves = 10 WHERE assignment_id = ${S[1]} AND criterion = 'C3'`);
  same('after an update');
  // review_save(): every score deleted, then inserted again.
  sql(`BEGIN; DELETE FROM review_scores WHERE assignment_id = ${S[2]};
    INSERT INTO review_scores (assignment_id, criterion, halves)
    SELECT ${S[2]}, code, 10 - position FROM rubric_criteria WHERE round_id = ${round};
    COMMIT`);
  same('after a save');
  sql(`UPDATE review_scores SET halves = NULL WHERE assignment_id = ${S[3]} AND criterion = 'C2'`);
  sql(`DELETE FROM review_scores WHERE assignment_id = ${S[4]} AND criterion = 'C5'`);
  const got = same('after a NULL score and a missing one');
  assert.ok(got.includes(`${S[4]}:,,,,,,`), got);
});

test('the rubric reordered, grown and shrunk: every review follows it', () => {
  swap('C1', 'C7');
  const moved = same('after C1 and C7 swapped places');
  swap('C2', 'C3');
  same('after C2 and C3 swapped places');
  sql(`INSERT INTO rubric_criteria (round_id, position, code, name, question, weight,
      level0, level1, level3, level5)
    SELECT round_id, 8, 'C8', 'New', 'New?', 5, level0, level1, level3, level5
    FROM rubric_criteria WHERE round_id = ${round} AND code = 'C1'`);
  const grown = same('after a criterion was added');
  // No review has C8 yet: every one is incomplete.
  assert.ok(grown.split(' ').every((r) => r.endsWith(':,,,,,,,')), grown);
  sql(`DELETE FROM rubric_criteria WHERE round_id = ${round} AND code IN ('C8', 'C4')`);
  const shrunk = same('after two criteria were removed');
  assert.notEqual(shrunk, moved);
  // Renaming changes no order, and the cache agrees still.
  sql(`UPDATE rubric_criteria SET name = 'Renamed' WHERE round_id = ${round} AND code = 'C5'`);
  same('after a rename');
});

// The later of two transactions changing one review's scores writes
// what it reads after the earlier one's commit, not before it: else the
// table keeps the earlier score's old value, and says nothing.
test('two transactions change one review\'s scores at once: both changes are kept', async () => {
  const s = S[7];
  const t1 = spawn('psql', [app.cluster.dsn(app.db), '-Atq', '-v', 'ON_ERROR_STOP=1']);
  let out1 = '';
  t1.stdout.on('data', (d) => { out1 += d; });
  t1.stdin.write(`BEGIN; UPDATE review_scores SET halves = 9 WHERE assignment_id = ${s} AND criterion = 'C1'; SELECT 'held';\n`);
  await until('the first transaction to hold its change', () => out1.includes('held'));
  const t2 = spawn('psql', [app.cluster.dsn(app.db), '-Atq', '-v', 'ON_ERROR_STOP=1', '-c',
    `UPDATE review_scores SET halves = 8 WHERE assignment_id = ${s} AND criterion = 'C2'`]);
  const done2 = new Promise((r) => t2.on('exit', r));
  await until('the second one to wait for the first', () => sql(`SELECT count(*) FROM pg_stat_activity
    WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE review_scores SET halves = 8%'`) === '1');
  t1.stdin.end('COMMIT;\n');
  await new Promise((r) => t1.on('exit', r));
  assert.equal(await done2, 0);
  const got = same('after two transactions at once');
  const row = got.split(' ').find((r) => r.startsWith(`${s}:`));
  const codes = sql(`SELECT array_to_string(array_agg(code ORDER BY position), ',') FROM rubric_criteria WHERE round_id = ${round}`).split(',');
  const h = row.split(':')[1].split(',');
  assert.equal(h[codes.indexOf('C1')], '9', row);
  assert.equal(h[codes.indexOf('C2')], '8', row);
});

test('a review deleted, and its scores, leave nothing behind', () => {
  sql(`DELETE FROM reviews WHERE assignment_id = ${S[5]}`);
  sql(`DELETE FROM review_scores WHERE assignment_id = ${S[6]}`);
  const got = same('after deletions');
  assert.ok(!got.includes(`${S[5]}:`) && !got.includes(`${S[6]}:`), got);
  assert.equal(sql(`SELECT count(*) FROM review_halves WHERE assignment_id IN (${S[5]}, ${S[6]})`), '0');
});

test('the app\'s role can neither read the table nor call its functions', () => {
  const as = (q) => asAppRole(app, q);
  assert.equal(as('SELECT count(*) FROM review_halves'), 'denied');
  assert.equal(as(`SELECT review_halves_refresh('{${S[0]}}')`), 'denied');
  for (const f of [`round_conflicts(${round})`, `round_active_assignments(${round})`, `round_counted_assignments(${round})`])
    assert.equal(as(`SELECT count(*) FROM ${f}`), 'denied', f);
});
