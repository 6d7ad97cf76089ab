// The access matrix: every route of SPEC §10 that exists so far, for an
// anonymous visitor, an applicant and an admin; and CSRF refusal on every
// POST route, changing nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startApp } from '../../lib/harness.mjs';
import { totp, enrolStart } from '../../lib/totp.mjs';
import { openRound, apply, pdf, upload } from '../../lib/apply.mjs';

let app;
const PW = 'lantern orbit cactus 42';
const who = {};

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

before(async () => {
  app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  who.anonymous = client();
  who.applicant = await account('applicant@example.org', false);
  who.admin = await account('admin@example.org', true);
  // The applicant's application 1 with document 1 (a fresh database).
  openRound(app, 'access');
  const id = await apply(who.applicant, 'access');
  await upload(who.applicant, id, pdf('access'), 'a.pdf');
  assert.equal(`${id}/${sql('SELECT max(id) FROM application_files')}`, '1/1');
});
after(async () => { await app.stop(); });

// [path, anonymous, applicant, admin]; 303 to /login for anonymous.
const GETS = [
  ['/', 200, 200, 200],
  ['/rules', 200, 200, 200],
  ['/privacy', 200, 200, 200],
  ['/healthz', 200, 200, 200],
  ['/readyz', 200, 200, 200],
  ['/register', 200, 303, 303],
  ['/login', 200, 303, 303],
  ['/verify?token=nope', 400, 400, 400],
  ['/password/forgot', 200, 200, 200],
  ['/password/reset?token=nope', 400, 400, 400],
  ['/account', 303, 200, 200],
  ['/account/totp', 303, 200, 200],
  ['/login/totp', 303, 303, 303],
  ['/admin', 303, 404, 200],
  ['/account/export', 303, 200, 200],
  ['/applications', 303, 200, 200],
  // Only the owner sees an application, its versions and documents;
  // admins and panel members come with later issues.
  ['/applications/1', 303, 200, 404],
  ['/applications/1?version=0', 303, 200, 404],
  ['/applications/2', 303, 404, 404],
  ['/applications/1/files/1', 303, 200, 404],
  ['/applications/1/files/2', 303, 404, 404],
  ['/applications/99999999999999999999', 303, 404, 404],
  ['/admin/rounds/new', 303, 404, 200],
  ['/admin/rounds/access', 303, 404, 200],
  ['/admin/rounds/no-such-round', 303, 404, 404],
  ['/static/no-such-file.css', 404, 404, 404],
  ['/no/such/page', 404, 404, 404],
];

for (const [path, ...want] of GETS) {
  test(`GET ${path}: anonymous ${want[0]}, applicant ${want[1]}, admin ${want[2]}`, async () => {
    for (const [i, role] of ['anonymous', 'applicant', 'admin'].entries()) {
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
  '/applications/1/withdraw', '/admin/rounds/new', '/admin/rounds/access'];
const COUNTS = `SELECT concat_ws('/', (SELECT count(*) FROM users), (SELECT count(*) FROM sessions),
  (SELECT count(*) FROM outbox), (SELECT count(*) FROM audit), (SELECT count(*) FROM applications),
  (SELECT count(*) FROM application_versions), (SELECT count(*) FROM application_files),
  (SELECT string_agg(state, ',') FROM applications))`;

test('every POST route refuses a missing or wrong CSRF token with 403 and changes nothing', async () => {
  const before = sql(COUNTS);
  for (const role of ['anonymous', 'applicant', 'admin']) {
    for (const path of POSTS) {
      const fields = { email: 'x@example.org', password: PW, display_name: 'X', action: 'name', totp_code: '123456', confirm: 'yes', version: '0', title: 'X' };
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
  const res = await who.applicant.post('/account', { action: 'name', display_name: 'Hijacked', csrf_token: stolen }, { csrf: false });
  assert.equal(res.status, 403);
  assert.equal(sql("SELECT display_name FROM users WHERE email = 'applicant@example.org'"), 'applicant');
});

test('GET-only pages refuse other methods with the 405 page', async () => {
  for (const path of ['/', '/rules', '/privacy', '/healthz', '/readyz', '/verify', '/admin',
    '/applications', '/account/export', '/applications/1/files/1']) {
    const res = await who.anonymous.post(path, {}, { csrf: false });
    assert.equal(res.status, 405, path);
  }
  assert.equal((await who.anonymous.get('/logout')).status, 405);
  for (const path of ['/rounds/access/apply', '/applications/1/withdraw', '/applications/1/files',
    '/applications/1/files/1/delete', '/account/delete'])
    assert.equal((await who.applicant.get(path)).status, 405, path);
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
    for (const [path, anon, applicant] of GETS) {
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
