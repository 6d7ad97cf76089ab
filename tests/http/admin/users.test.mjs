// People (issue 14): the admins' list of people (search, pages of 50,
// roles, last sign-in), changes of role with the admin's own password,
// disabling (signed out at once, sign-in refused) and enabling, the last
// enabled admin kept, each change audited with before and after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, Client } from '../../lib/harness.mjs';
import { PW, applicant, apply, openRound } from '../../lib/apply.mjs';
import { admin } from '../../lib/panel.mjs';

let app, chair, alice;
const sql = (q) => app.cluster.psql(q, app.db);
const rows = (html) => (html.match(/<tr>\s*<td>/g) || []).length;
const idOf = (email) => sql(`SELECT id FROM users WHERE email = '${email}'`);
const unescape = (html) => html.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

async function change(c, action, email, password) {
  await c.page('/admin/users');
  const fields = { action, user: idOf(email) };
  if (password !== undefined)
    fields.password = password;
  return c.post('/admin/users', fields);
}

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app, 'chair@people.example');
  alice = await applicant(app, 'alice@people.example', '203.0.113.41');
  openRound(app, 'people-round');
  await apply(alice, 'people-round');
  sql(`INSERT INTO users (email, display_name, password_hash, verified_at)
    SELECT 'pager' || lpad(i::text, 2, '0') || '@seed.example', 'Pager ' || lpad(i::text, 2, '0'), 'x', now()
    FROM generate_series(1, 60) i`);
  sql(`INSERT INTO panel_members (round_id, user_id) SELECT r.id, u.id FROM rounds r, users u
    WHERE r.slug = 'people-round' AND u.email = 'pager07@seed.example'`);
});

after(async () => { await app.stop(); });

test('only admins see the people: anonymous to /login, others 404', async () => {
  const anon = await new Client(app).get('/admin/users');
  assert.equal(anon.status, 303);
  assert.match(anon.headers.get('location'), /^\/login/);
  assert.equal((await alice.get('/admin/users')).status, 404);
  assert.equal((await alice.page('/applications')).res.status, 200);
  const res = await alice.post('/admin/users', { action: 'promote', user: idOf('alice@people.example'), password: PW });
  assert.equal(res.status, 404);
  assert.equal(sql(`SELECT is_admin FROM users WHERE email = 'alice@people.example'`), 'f');
  assert.equal((await chair.get('/admin/users')).status, 200);
});

test('search by name or e-mail, 50 a page, with roles and last sign-in', async () => {
  let { res, html } = await chair.page('/admin/users?q=pager');
  assert.equal(res.status, 200);
  assert.match(html, /60 people matching “pager”; page 1 of 2/);
  assert.equal(rows(html), 50);
  assert.match(html, /Pager 01/);
  assert.doesNotMatch(html, /Pager 51/);
  assert.match(html, /<input type="hidden" name="q" value="pager">/);
  assert.match(html, /name="page" value="2">Next page/);
  ({ html } = await chair.page('/admin/users?q=pager&page=2'));
  assert.equal(rows(html), 10);
  assert.match(html, /Pager 51/);
  assert.match(html, /Pager 60/);
  assert.doesNotMatch(html, /Pager 50</);

  ({ html } = await chair.page('/admin/users?q=SEED.EXAMPLE'));
  assert.match(html, /60 people matching/);
  ({ html } = await chair.page('/admin/users?q=pager07'));
  assert.equal(rows(html), 1);
  assert.match(html, /reviewer: <a href="\/admin\/rounds\/people-round\/panel">Round people-round<\/a>/);
  assert.match(html, /never/);
  assert.doesNotMatch(html, /applicant/);
  assert.doesNotMatch(html, /class="role">admin/);

  // LIKE's wildcards are searched as themselves.
  ({ html } = await chair.page('/admin/users?q=%25'));
  assert.match(html, /0 people matching/);

  ({ html } = await chair.page('/admin/users?q=alice'));
  assert.match(html, /applicant \(applications: 1\)/);
  assert.match(html, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}<\/td>/);	// last sign-in
  ({ html } = await chair.page('/admin/users?q=chair%40people'));
  assert.match(html, /<span class="role">admin<\/span>/);
  assert.match(html, /enabled/);

  // No query: everybody, first page.
  ({ html } = await chair.page('/admin/users'));
  assert.match(html, /62 people; page 1 of 2/);
});

test('promote and demote need the acting admin\'s own password', async () => {
  const pager = 'pager02@seed.example';
  const audits = () => sql(`SELECT count(*) FROM audit WHERE action LIKE 'user.promote' AND subject = 'user:${idOf(pager)}'`);
  let res = await change(chair, 'promote', pager, '');
  assert.equal(res.status, 422);
  assert.match(await res.text(), /needs your own current password/);
  res = await change(chair, 'promote', pager, 'not my password at all');
  assert.equal(res.status, 403);
  assert.match(await res.text(), /not your current password/);
  assert.equal(sql(`SELECT is_admin FROM users WHERE email = '${pager}'`), 'f');
  assert.equal(audits(), '0');

  res = await change(chair, 'promote', pager, PW);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/admin/users?done=promote');
  assert.equal(sql(`SELECT is_admin FROM users WHERE email = '${pager}'`), 't');
  assert.equal(sql(`SELECT before::text || ' ' || after::text || ' ' || actor_id FROM audit
    WHERE action = 'user.promote' AND subject = 'user:${idOf(pager)}'`),
  `{"is_admin": false} {"is_admin": true} ${idOf('chair@people.example')}`);
  const { html } = await chair.page('/admin/users?done=promote');
  assert.match(html, /is now an administrator/);

  res = await change(chair, 'promote', pager, PW);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/admin/users?done=same');

  res = await change(chair, 'demote', pager, 'wrong wrong wrong');
  assert.equal(res.status, 403);
  res = await change(chair, 'demote', pager, PW);
  assert.equal(res.status, 303);
  assert.equal(sql(`SELECT is_admin FROM users WHERE email = '${pager}'`), 'f');
  assert.equal(sql(`SELECT before::text || ' ' || after::text FROM audit
    WHERE action = 'user.demote' AND subject = 'user:${idOf(pager)}'`), '{"is_admin": true} {"is_admin": false}');

  res = await change(chair, 'dance', pager, PW);
  assert.equal(res.status, 400);
  res = await chair.post('/admin/users', { action: 'disable', user: '999999' });
  assert.equal(res.status, 404);
});

test('the last enabled admin cannot be demoted or disabled; nobody disables themselves', async () => {
  let res = await change(chair, 'demote', 'chair@people.example', PW);
  assert.equal(res.status, 409);
  assert.match(unescape(await res.text()), /last enabled administrator/);
  assert.equal(sql(`SELECT is_admin FROM users WHERE email = 'chair@people.example'`), 't');

  res = await change(chair, 'disable', 'chair@people.example');
  assert.equal(res.status, 409);
  assert.match(await res.text(), /cannot disable your own account/);
  assert.equal(sql(`SELECT disabled_at IS NULL FROM users WHERE email = 'chair@people.example'`), 't');

  // A second admin who is disabled does not count.
  sql(`UPDATE users SET is_admin = true, disabled_at = now() WHERE email = 'pager03@seed.example'`);
  res = await change(chair, 'demote', 'chair@people.example', PW);
  assert.equal(res.status, 409);
  sql(`UPDATE users SET is_admin = false, disabled_at = NULL WHERE email = 'pager03@seed.example'`);
  assert.equal(sql(`SELECT count(*) FROM audit WHERE subject = 'user:${idOf('chair@people.example')}'
    AND action IN ('user.demote', 'user.disable')`), '0');
});

test('a disabled account is signed out at once and cannot sign in; enabled again, it can', async () => {
  const email = 'alice@people.example';
  assert.equal((await alice.get('/applications')).status, 200);
  let res = await change(chair, 'disable', email);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/admin/users?done=disable');
  assert.equal(sql(`SELECT count(*) FROM sessions WHERE user_id = ${idOf(email)}`), '0');

  res = await alice.get('/applications');
  assert.equal(res.status, 303);
  assert.match(res.headers.get('location'), /^\/login/);

  const again = new Client(app, { ip: '203.0.113.42' });
  await again.page('/login');
  res = await again.post('/login', { email, password: PW });
  assert.notEqual(res.status, 303);
  assert.match(await res.text(), /disabled/);

  const entry = sql(`SELECT before::text || ' ' || after::text FROM audit
    WHERE action = 'user.disable' AND subject = 'user:${idOf(email)}'`);
  assert.equal(entry, '{"disabled": false} {"disabled": true, "sessions_ended": 1}');
  let { html } = await chair.page('/admin/users?q=alice');
  assert.match(html, /disabled since \d{4}-\d{2}-\d{2}/);

  res = await change(chair, 'enable', email);
  assert.equal(res.status, 303);
  assert.equal(sql(`SELECT action FROM audit WHERE subject = 'user:${idOf(email)}' ORDER BY id DESC LIMIT 1`), 'user.enable');
  await again.page('/login');
  res = await again.post('/login', { email, password: PW });
  assert.equal(res.status, 303);
  assert.equal((await again.get('/applications')).status, 200);
});

test('a POST without the CSRF token changes nothing', async () => {
  await chair.page('/admin/users');
  const res = await chair.post('/admin/users', { action: 'disable', user: idOf('pager04@seed.example') }, { csrf: false });
  assert.equal(res.status, 403);
  assert.equal(sql(`SELECT disabled_at IS NULL FROM users WHERE email = 'pager04@seed.example'`), 't');
});
