// The round dashboard and reminders (issue 14): counts against a seeded
// round, the chart's bars equal to its table, overdue reviewers marked
// in words, the next phase's needs, reminders at most one a day, and the
// mailer's automatic reminders exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startApp, tempDir, ROOT, Client } from '../../lib/harness.mjs';
import { openRound, applicant, apply } from '../../lib/apply.mjs';
import { admin, submitted } from '../../lib/panel.mjs';

let app, chair, other;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'dash';
const base = `/admin/rounds/${SLUG}`;
const A = [];
const R = {};

function user(name) {
  const email = `${name.split(' ')[0].toLowerCase()}@rev.example`;
  return sql(`INSERT INTO users (email, display_name, password_hash, verified_at)
    VALUES ('${email}', '${name}', 'x', now()) RETURNING id`);
}

function assign(appId, u, state = null) {
  const s = sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
    SELECT id, ${appId}, ${u}, 'manual', now() FROM rounds WHERE slug = '${SLUG}' RETURNING id`);
  if (state)
    sql(`INSERT INTO reviews (assignment_id, state, version, submitted_at) VALUES (${s}, '${state}', 1, now())`);
  return s;
}

const cells = (html, id) => {
  const t = html.match(new RegExp(`<table[^>]*id="${id}"[\\s\\S]*?</table>`))[0];
  return [...t.matchAll(/<tr><th scope="row">([^<]*)<\/th><td>(\d+)<\/td><\/tr>/g)].map((m) => [m[1], Number(m[2])]);
};

function mailOnce(dir) {
  return execFileSync(join(ROOT, 'build/laurelctl'), ['mail', '--once'], {
    env: { ...process.env, LAUREL_OWNER_DB: '', LAUREL_DB: app.dsn, LAUREL_MAIL_MODE: 'file',
      LAUREL_MAIL_DIR: dir, LAUREL_BASE_URL: 'http://laurel.test' }, encoding: 'utf8',
  });
}

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app);
  other = await applicant(app, 'nobody@example.org', '203.0.113.77');
  openRound(app, SLUG);
  for (let i = 0; i < 3; i++)
    A.push(await submitted(app, SLUG, `a${i}@apps.example`, { title: `Practice number ${i}`,
      ...(i === 2 ? { country: 'BE', category: 'CULTURE' } : {}) }));
  await apply(await applicant(app, 'draft@apps.example', '203.0.113.78'), SLUG);
  R.ana = user('Ana Reviewer');
  R.ben = user('Ben Reviewer');
  assign(A[0].id, R.ana, 'submitted');
  assign(A[1].id, R.ana);
  assign(A[0].id, R.ben, 'submitted');
  assign(A[2].id, R.ben, 'abstained');
});

after(() => app?.stop());

test('anonymous users sign in first; non-admins get the 404 page', async () => {
  const anon = new Client(app);
  const res = await anon.get(base, { redirect: 'manual' });
  assert.equal(res.status, 303);
  assert.match(res.headers.get('location'), /^\/login/);
  assert.equal((await anon.post(`${base}/remind`, {})).status, 403);
  assert.equal((await other.get(base)).status, 404);
  assert.equal((await other.get('/admin')).status, 404);
  await other.page('/account');
  assert.equal((await other.post(`${base}/remind`, {})).status, 404);
  assert.equal(sql(`SELECT count(*) FROM reminders`), '0');
});

test('the dashboard counts, and the chart equals its table', async () => {
  const home = await chair.page('/admin');
  assert.match(home.html, /3 submitted/);
  const { html: text } = await chair.page(base);
  assert.deepEqual(cells(text, 'dashboard-states').find((c) => c[0] === 'Submitted'), ['Submitted', 3]);
  const table = cells(text, 'dashboard-days');
  const bars = [...text.matchAll(/data-label="([^"]*)" data-value="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
  assert.ok(bars.length > 0);
  assert.deepEqual(bars, table);
  assert.equal(table.reduce((s, c) => s + c[1], 0), 3);
  assert.match(text, /<svg[^>]*viewBox=/);
  assert.match(text, /3 reviews are not submitted|1 review is not submitted/);
  assert.match(text, /applications? still lacks? a third review/);
  assert.match(text, /3 applications have no decision yet/);
  assert.doesNotMatch(text, /Overdue/);
  assert.deepEqual(cells(text, 'dashboard-categories'), [['IMPACT', 2], ['CULTURE', 1]]);
  assert.deepEqual(cells(text, 'dashboard-countries'), [['Austria', 2], ['Belgium', 1]]);
  assert.match(text, /<tr><th scope="row">Draft<\/th><td>1<\/td>/);
  assert.match(text, /consensus">Consensus agenda<\/a>: 0 applications have all their reviews in/);
});

test('a conflicted admin counts nothing of that application', async () => {
  sql(`INSERT INTO conflicts (application_id, user_id, source, reason)
    SELECT ${A[2].id}, id, 'admin', 'Former employer' FROM users WHERE email = 'chair@example.org'`);
  const { html } = await chair.page(base);
  assert.deepEqual(cells(html, 'dashboard-countries'), [['Austria', 2]]);
  assert.match((await chair.page('/admin')).html, /2 submitted/);
  sql(`DELETE FROM conflicts WHERE application_id = ${A[2].id}`);
});

test('overdue reviewers are marked in words', async () => {
  sql(`UPDATE rounds SET closes_at = now() - interval '2 days', opens_at = now() - interval '9 days',
    reviews_due = now() - interval '1 day' WHERE slug = '${SLUG}'`);
  const { html: text } = await chair.page(base);
  assert.match(text, /Ana Reviewer <strong class="[^"]*overdue-mark">Overdue<\/strong>/);
  assert.doesNotMatch(text, /Ben Reviewer <strong/);
});

test('reminders: one a day per reviewer, listing the reviews and the deadline', async () => {
  sql(`UPDATE rounds SET reviews_due = now() + interval '20 days' WHERE slug = '${SLUG}'`);
  const before = Number(sql('SELECT coalesce(max(id), 0) FROM outbox'));
  await chair.page(base);
  const res = await chair.post(`${base}/remind`, {});
  assert.equal(res.status, 303, 'redirected to the dashboard');
  assert.equal(res.headers.get('location'), `${base}?reminded=1&skipped=0#reminders`);
  let { html } = await chair.page(res.headers.get('location'));
  assert.match(html, /Reminders sent to 1 reviewer; 0 skipped/);
  assert.match(html, /<td>Ana Reviewer<\/td><td>[^<]*<\/td><td>\d/, 'who was reminded, and when');
  const mail = sql(`SELECT to_addr || '|' || body FROM outbox WHERE id > ${before}`);
  assert.match(mail, /^ana@rev\.example\|/);
  assert.match(mail, /Practice number 1/);
  assert.match(mail, /\/review\/\d+/);
  assert.match(mail, /Reviews are due by .*\(Europe\/Brussels time\)/);
  const again = await chair.post(`${base}/remind`, {});
  assert.equal(again.headers.get('location'), `${base}?reminded=0&skipped=1#reminders`);
  ({ html } = await chair.page(again.headers.get('location')));
  assert.match(html, /Reminders sent to 0 reviewers; 1 skipped, reminded within the day/);
  assert.equal(sql(`SELECT count(*) FROM outbox WHERE id > ${before}`), '1');
  assert.equal(sql(`SELECT count(*) FROM audit WHERE action = 'round.remind'`), '2');
});

test('blind rounds: no titles in the reminder', async () => {
  sql(`UPDATE rounds SET blind_review = true WHERE slug = '${SLUG}'`);
  sql(`DELETE FROM reminders`);
  const before = Number(sql('SELECT coalesce(max(id), 0) FROM outbox'));
  assert.equal((await chair.post(`${base}/remind`, {})).status, 303);
  const mail = sql(`SELECT body FROM outbox WHERE id > ${before}`);
  assert.doesNotMatch(mail, /Practice number/);
  assert.match(mail, /BPR-/);
  sql(`UPDATE rounds SET blind_review = false WHERE slug = '${SLUG}'`);
});

test('automatic reminders go exactly once', async () => {
  sql(`DELETE FROM reminders`);
  sql(`UPDATE rounds SET reviews_due = now() + interval '7 days' - interval '1 hour' WHERE slug = '${SLUG}'`);
  const before = Number(sql('SELECT coalesce(max(id), 0) FROM outbox'));
  const dir = tempDir('remind-mail');
  mailOnce(dir);
  mailOnce(dir);
  assert.equal(sql(`SELECT count(*) FROM outbox WHERE id > ${before}`), '1');
  assert.equal(sql(`SELECT kind FROM reminders`), 'auto7');
});

test('the dashboard lists the reminders sent; none once review is closed', async () => {
  assert.match((await chair.page(base)).html, /<td>Ana Reviewer<\/td><td>Automatic, 7 days before reviews are due<\/td>/);
  sql(`DELETE FROM reminders`);
  sql(`UPDATE rounds SET review_closed_at = now() WHERE slug = '${SLUG}'`);
  const before = Number(sql('SELECT coalesce(max(id), 0) FROM outbox'));
  const res = await chair.post(`${base}/remind`, {});
  assert.equal(res.status, 409);
  assert.match(await res.text(), /Review is closed: reminders are no longer sent\./);
  mailOnce(tempDir('remind-closed'));
  assert.equal(sql(`SELECT count(*) FROM outbox WHERE id > ${before}`), '0');
});

test('the log is clean (sanitizers, workers)', () => {
  assert.deepEqual(app.dirtyLines(), []);
});
