// The access matrix: every route of SPEC §10 that exists so far, for
// each role: an anonymous visitor, the owner of application 1, another
// applicant, the reviewer assigned to it (after the conflict check), a
// reviewer of the round not assigned to it, a reviewer conflicted with
// it (and assigned to it by mistake: assignment 2), and an admin; and
// CSRF refusal on every POST route, changing nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startApp } from '../../lib/harness.mjs';
import { totp, enrolStart } from '../../lib/totp.mjs';
import { openRound, apply, pdf, upload, saveForm, fullForm } from '../../lib/apply.mjs';

let app;
const PW = 'lantern orbit cactus 42';
const who = {};
const ROLES = ['anonymous', 'owner', 'other', 'reviewer', 'bystander', 'conflicted', 'admin'];

const sql = (q) => app.cluster.psql(q, app.db);
let ip = 10;
const client = () => new Client(app, { ip: `100.64.0.${ip++}` });

async function account(email, admin) {
  const c = client();
  await c.page('/register');
  await c.post('/register', { display_name: email.split('@')[0], email, password: PW });
  const link = new URL(sql(`SELECT body FROM outbox WHERE to_addr = '${email}'`).match(/http:\/\/\S+/)[0]);
  await c.get(link.pathname + link.search);
  if (admin)
    sql(`UPDATE users SET is_admin = true WHERE email = '${email}'`);
  await c.page('/login');
  await c.post('/login', { email, password: PW });
  if (admin) {
    const { secret } = await enrolStart(c, PW);
    await c.post('/account/totp', { totp_code: totp(secret) });
  }
  return c;
}

const member = (email) => sql(`INSERT INTO panel_members (round_id, user_id)
  SELECT r.id, u.id FROM rounds r, users u WHERE r.slug = 'access' AND u.email = '${email}' RETURNING user_id`);

before(async () => {
  app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  who.anonymous = client();
  who.owner = await account('applicant@example.org', false);
  who.other = await account('other@example.org', false);
  who.reviewer = await account('reviewer@rev.example', false);
  who.bystander = await account('bystander@rev.example', false);
  who.conflicted = await account('conflicted@hospital-example.example', false);
  who.admin = await account('admin@example.org', true);
  // The owner's application 1, submitted, with document 1 (a fresh
  // database); the panel: assignment 1 (the reviewer's, confirmed) and 2
  // (the conflicted reviewer's, whose organisation is the applicant's).
  openRound(app, 'access');
  const id = await apply(who.owner, 'access');
  await upload(who.owner, id, pdf('access'), 'a.pdf');
  assert.equal((await saveForm(who.owner, id, fullForm({ organisation_name: 'Hospital Example' }), { action: 'submit' })).status, 303);
  assert.equal(`${id}/${sql('SELECT max(id) FROM application_files')}`, '1/1');
  const [r, , x] = ['reviewer@rev.example', 'bystander@rev.example', 'conflicted@hospital-example.example'].map(member);
  sql(`INSERT INTO affiliations (user_id, kind, name, key) VALUES (${x}, 'organisation', 'Hospital Example Ltd', 'org:hospital example')`);
  sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
    SELECT round_id, 1, ${r}, 'manual', now() FROM applications WHERE id = 1;
    INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
    SELECT round_id, 1, ${x}, 'manual', now() FROM applications WHERE id = 1`);
  assert.equal(sql('SELECT string_agg(id::text, \',\' ORDER BY id) FROM assignments'), '1,2');
  assert.equal(sql(`SELECT conflict_between(1, ${x})`), 't');
});
after(async () => { await app.stop(); });

// [path, ...one answer per role in ROLES]; 303 to /login for anonymous.
const everyone = (n) => [n, n, n, n, n, n, n];
const signedIn = (n) => [303, n, n, n, n, n, n];
const adminOnly = (n = 200) => [303, 404, 404, 404, 404, 404, n];
const GETS = [
  ['/', ...everyone(200)],
  ['/rules', ...everyone(200)],
  ['/privacy', ...everyone(200)],
  ['/healthz', ...everyone(200)],
  ['/readyz', ...everyone(200)],
  ['/register', 200, 303, 303, 303, 303, 303, 303],
  ['/login', 200, 303, 303, 303, 303, 303, 303],
  ['/verify?token=nope', ...everyone(400)],
  ['/password/forgot', ...everyone(200)],
  ['/password/reset?token=nope', ...everyone(400)],
  ['/invite?token=nope', ...everyone(404)],
  ['/account', ...signedIn(200)],
  ['/account/totp', ...signedIn(200)],
  ['/account/affiliations', ...signedIn(200)],
  ['/login/totp', ...everyone(303)],
  ['/admin', ...adminOnly()],
  ['/account/export', ...signedIn(200)],
  ['/applications', ...signedIn(200)],
  // The owner sees an application, its versions and documents; an admin
  // reads a submitted one; reviewers read theirs at /review/{assignment}.
  ['/applications/1', 303, 200, 404, 404, 404, 404, 200],
  ['/applications/1?version=0', 303, 200, 404, 404, 404, 404, 200],
  ['/applications/2', ...signedIn(404)],
  ['/applications/1/files/1', 303, 200, 404, 404, 404, 404, 200],
  ['/applications/1/files/2', ...signedIn(404)],
  ['/applications/99999999999999999999', ...signedIn(404)],
  ['/admin/rounds/new', ...adminOnly()],
  // People and the audit trail (issue 14).
  ['/admin/users', ...adminOnly()],
  ['/admin/users?q=example&page=2', ...adminOnly()],
  ['/admin/audit', ...adminOnly()],
  ['/admin/audit?action=login.&round=access&page=2', ...adminOnly()],
  ['/admin/rounds/access', ...adminOnly()],
  ['/admin/rounds/access/panel', ...adminOnly()],
  ['/admin/rounds/access/conflicts', ...adminOnly()],
  ['/admin/rounds/access/assignments', ...adminOnly()],
  ['/admin/rounds/access/applications', ...adminOnly()],
  ['/admin/rounds/access/rubric', ...adminOnly()],
  ['/admin/rounds/no-such-round/rubric', ...adminOnly(404)],
  // The consensus: the agenda, and an application's page (its reviews
  // are not in: the page says so); another round's, or none, is 404.
  ['/admin/rounds/access/consensus', ...adminOnly()],
  ['/admin/rounds/no-such-round/consensus', ...adminOnly(404)],
  ['/admin/rounds/access/applications/1/consensus', ...adminOnly()],
  ['/admin/rounds/access/applications/2/consensus', ...adminOnly(404)],
  ['/admin/rounds/no-such-round/applications/1/consensus', ...adminOnly(404)],
  // Ranking, calibration and the preview of publication (issue 13).
  ['/admin/rounds/access/ranking', ...adminOnly()],
  ['/admin/rounds/access/ranking?category=IMPACT', ...adminOnly()],
  ['/admin/rounds/access/calibration', ...adminOnly()],
  ['/admin/rounds/access/preview', ...adminOnly()],
  ['/admin/rounds/no-such-round/ranking', ...adminOnly(404)],
  ['/admin/rounds/no-such-round/calibration', ...adminOnly(404)],
  ['/admin/rounds/no-such-round/preview', ...adminOnly(404)],
  // Exports (issue 14): admins only; another round's application is 404.
  ['/admin/rounds/access/export/applications.csv', ...adminOnly()],
  ['/admin/rounds/access/export/scores.csv', ...adminOnly()],
  ['/admin/rounds/access/applications/1/documents.zip', ...adminOnly()],
  ['/admin/rounds/access/applications/2/documents.zip', ...adminOnly(404)],
  ['/admin/rounds/no-such-round/export/applications.csv', ...adminOnly(404)],
  // Public awards: the list for everyone; a round not published is the
  // 404 page for everyone, its admin included.
  ['/awards', ...everyone(200)],
  ['/awards.json', ...everyone(200)],
  ['/awards/access', ...everyone(404)],
  ['/awards/access.json', ...everyone(404)],
  ['/awards/access/BPR-2026-0001', ...everyone(404)],
  ['/awards/no-such-round', ...everyone(404)],
  ['/admin/rounds/no-such-round', ...adminOnly(404)],
  ['/admin/rounds/no-such-round/panel', ...adminOnly(404)],
  ['/admin/rounds/no-such-round/assignments', ...adminOnly(404)],
  // A reviewer's list for everyone signed in; an assignment is the 404
  // page for anyone it is not for, and for a conflicted reviewer even
  // when it is theirs.
  ['/review', ...signedIn(200)],
  ['/review/1', 303, 404, 404, 200, 404, 404, 404],
  ['/review/2', ...signedIn(404)],
  ['/review/1/files/1', 303, 404, 404, 200, 404, 404, 404],
  ['/review/2/files/1', ...signedIn(404)],
  ['/review/99999999999999999999', ...signedIn(404)],
  ['/static/no-such-file.css', ...everyone(404)],
  ['/no/such/page', ...everyone(404)],
];

for (const [path, ...want] of GETS) {
  test(`GET ${path}: ${ROLES.map((r, i) => `${r} ${want[i]}`).join(', ')}`, async () => {
    for (const [i, role] of ROLES.entries()) {
      const res = await who[role].get(path);
      assert.equal(res.status, want[i], `${role} on ${path}`);
      if (role === 'anonymous' && res.status === 303 && path.startsWith('/account'))
        assert.match(res.headers.get('location'), /^\/login\?next=/);
    }
  });
}

const POSTS = ['/register', '/login', '/logout', '/login/totp', '/password/forgot',
  '/password/reset', '/account', '/account/totp', '/account/delete', '/rounds/access/apply',
  '/applications/1', '/applications/1/files', '/applications/1/files/1/delete',
  '/applications/1/withdraw', '/admin/rounds/new', '/admin/rounds/access',
  '/admin/rounds/access/panel', '/admin/rounds/access/conflicts', '/admin/rounds/access/assignments',
  '/admin/rounds/access/rubric', '/admin/rounds/access/applications/1/consensus',
  '/invite?token=nope', '/account/affiliations', '/review/1', '/review/1/conflict',
  '/admin/rounds/access/close-review', '/admin/rounds/access/decisions', '/admin/rounds/access/publish',
  '/admin/users', '/admin/rounds/access/remind'];
const COUNTS = `SELECT concat_ws('/', (SELECT count(*) FROM users), (SELECT count(*) FROM sessions),
  (SELECT count(*) FROM outbox), (SELECT count(*) FROM audit), (SELECT count(*) FROM applications),
  (SELECT count(*) FROM application_versions), (SELECT count(*) FROM application_files),
  (SELECT string_agg(state, ',') FROM applications), (SELECT count(*) FROM panel_invitations),
  (SELECT count(*) FROM panel_members WHERE removed_at IS NULL), (SELECT count(*) FROM affiliations),
  (SELECT count(*) FROM conflicts), (SELECT string_agg(id || ':' || (ended_at IS NULL), ',' ORDER BY id) FROM assignments),
  (SELECT count(*) FROM consensus), (SELECT count(*) FROM decisions),
  (SELECT string_agg(coalesce(review_closed_at::text, '-') || coalesce(published_at::text, '-'), ',') FROM rounds))`;

test('every POST route refuses a missing or wrong CSRF token with 403 and changes nothing', async () => {
  const before = sql(COUNTS);
  for (const role of ROLES) {
    for (const path of POSTS) {
      const fields = { email: 'x@example.org', password: PW, display_name: 'X', action: 'name', totp_code: '123456', confirm: 'yes', version: '0', title: 'X',
        reason: 'X', application: '1', reviewer: '1', user: '1' };
      const none = await who[role].post(path, fields, { csrf: false });
      assert.equal(none.status, 403, `${role} ${path} without a token`);
      const wrong = await who[role].post(path, { ...fields, csrf_token: 'B'.repeat(43) }, { csrf: false });
      assert.equal(wrong.status, 403, `${role} ${path} with a wrong token`);
    }
  }
  assert.equal(sql(COUNTS), before);
});

test('an anonymous token does not work for a signed-in session, nor the reverse', async () => {
  const anon = client();
  await anon.page('/login');
  const stolen = anon.csrf;
  const res = await who.owner.post('/account', { action: 'name', display_name: 'Hijacked', csrf_token: stolen }, { csrf: false });
  assert.equal(res.status, 403);
  assert.equal(sql("SELECT display_name FROM users WHERE email = 'applicant@example.org'"), 'applicant');
});

test('GET-only pages refuse other methods with the 405 page', async () => {
  for (const path of ['/', '/rules', '/privacy', '/healthz', '/readyz', '/verify', '/admin',
    '/applications', '/account/export', '/applications/1/files/1', '/review', '/review/1/files/1', '/admin/rounds/access/applications',
    '/admin/rounds/access/consensus']) {
    const res = await who.anonymous.post(path, {}, { csrf: false });
    assert.equal(res.status, 405, path);
  }
  assert.equal((await who.anonymous.get('/logout')).status, 405);
  for (const path of ['/admin/rounds/access/close-review', '/admin/rounds/access/decisions',
    '/admin/rounds/access/publish', '/admin/rounds/access/remind'])
    assert.equal((await who.admin.get(path)).status, 405, path);
  for (const path of ['/awards', '/awards/access', '/admin/audit', '/admin/rounds/access/ranking',
    '/admin/rounds/access/calibration', '/admin/rounds/access/preview'])
    assert.equal((await who.anonymous.post(path, {}, { csrf: false })).status, 405, path);
  for (const path of ['/rounds/access/apply', '/applications/1/withdraw', '/applications/1/files',
    '/applications/1/files/1/delete', '/account/delete', '/review/1/conflict'])
    assert.equal((await who.owner.get(path)).status, 405, path);
});

test("a signed-in stranger's POSTs to the applicant's application are 404 and change nothing", async () => {
  const before = sql(COUNTS);
  await who.admin.page('/account');
  for (const path of ['/applications/1', '/applications/1/files/1/delete', '/applications/1/withdraw']) {
    const res = await who.admin.post(path, { action: 'save', version: '0', title: 'Admin edit', confirm: 'yes' });
    assert.equal(res.status, 404, path);
  }
  assert.equal((await upload(who.admin, 1, pdf('intruder'), 'x.pdf')).status, 404);
  assert.equal(sql(COUNTS), before);
});

test("the round's end and the people are the admins': everyone else's POSTs, with a valid token, are 404 and change nothing", async () => {
  const before = sql(COUNTS);
  for (const role of ROLES.filter((r) => r !== 'admin' && r !== 'anonymous')) {
    await who[role].page('/account');
    for (const path of ['/admin/rounds/access/close-review', '/admin/rounds/access/decisions',
      '/admin/rounds/access/publish', '/admin/users', '/admin/rounds/access/remind'])
      assert.equal((await who[role].post(path, { 'decision_1': 'winner', 'citation_1': 'Mine.', action: 'promote',
        user: '1', password: PW })).status, 404, `${role} ${path}`);
  }
  assert.equal(sql(COUNTS), before);
});

test('hostile input on every form: clear 4xx, nothing written', async () => {
  const before = sql('SELECT count(*) FROM users');
  const c = client();
  await c.page('/register');
  const token = c.csrf;
  const bodies = [
    `csrf_token=${token}&email=%FF%FE&password=x`,
    `csrf_token=${token}&email=a%ZZ`,
    `csrf_token=${token}&` + 'a=1&'.repeat(600),
    `csrf_token=${token}&display_name=${'%00'.repeat(3)}&email=z@example.org&password=${encodeURIComponent(PW)}`,
  ];
  for (const path of ['/register', '/login', '/password/forgot', '/password/reset']) {
    for (const raw of bodies) {
      const res = await c.post(path, {}, { raw });
      assert.ok(res.status >= 400 && res.status < 500, `${path} ${raw.slice(0, 40)} gave ${res.status}`);
      assert.match(await res.text(), /<main id="main"/);
    }
  }
  assert.equal(sql('SELECT count(*) FROM users'), before);
});

// The pages the instance declares, as it lists them at start (one line
// per route of conf/routes.conf, checked against the HANDLER declarations).
function declared() {
  const lines = app.log().split('\n').filter((l) => l.includes('handler: route='));
  const seen = new Map();
  for (const l of lines) {
    const m = l.match(/route=(\S+) name=(\S+) methods=(\S*) enter=(\S+) body=(\S+) rights=(\d+)/);
    assert.ok(m, l);
    seen.set(m[1], { route: m[1], name: m[2], methods: m[3], enter: m[4], body: m[5], rights: Number(m[6]) });
  }
  return [...seen.values()];
}

const matches = (route, path) => route.startsWith('/') ? route === path.split('?')[0]
  : new RegExp(route).test(path.split('?')[0]);

test('every declared page is in this matrix, for each of its methods', () => {
  const pages = declared();
  assert.ok(pages.length >= 25, `only ${pages.length} pages listed`);
  for (const p of pages) {
    if (p.route === '^/')
      continue;	// the catch-all: /no/such/page above
    if (p.methods.includes('GET'))
      assert.ok(GETS.some(([path]) => matches(p.route, path)), `GET ${p.route} (${p.name}) is not in the matrix`);
    if (p.methods.includes('POST'))
      assert.ok(POSTS.some((path) => matches(p.route, path)), `POST ${p.route} (${p.name}) is not in the matrix`);
  }
});

test("the matrix agrees with each page's declared gate", () => {
  for (const p of declared()) {
    if (p.route === '^/')
      continue;	// the catch-all answers 404 to everyone
    for (const [path, anon, applicant] of GETS) {	// applicant: the owner
      if (!matches(p.route, path) || !p.methods.includes('GET'))
        continue;
      if (p.enter === 'signed_in' || p.enter === 'admin' || p.enter === 'second_factor')
        assert.equal(anon, 303, `${path}: anonymous visitors of a ${p.enter} page are sent to sign in`);
      if (p.enter === 'admin')
        assert.notEqual(applicant, 200, `${path}: an admin page is not an applicant's`);
      if (p.enter === 'public')
        assert.equal(applicant, anon, `${path}: a public page answers everyone alike`);
      if (p.rights)
        assert.ok(p.enter === 'signed_in' || p.enter === 'admin', `${path}: rights need a signed-in user`);
    }
  }
});
