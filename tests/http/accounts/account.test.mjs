// /account: name, password, e-mail address, sessions, sign out everywhere,
// and a disabled account signed out at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client, ROOT, startApp } from '../../lib/harness.mjs';

let app;
const PW = 'lantern orbit cactus 42';
const PW2 = 'harbour violet engine 77';

before(async () => { app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } }); });
after(async () => { await app.stop(); });

const sql = (q) => app.cluster.psql(q, app.db);
let ip = 10;
const client = () => new Client(app, { ip: `198.18.0.${ip++}` });
const lastLink = (to) => new URL(sql(`SELECT body FROM outbox WHERE to_addr = '${to}' ORDER BY id DESC LIMIT 1`).match(/http:\/\/\S+/)[0]);

async function account(email, name = 'Ana Ortiz') {
  const c = client();
  await c.page('/register');
  await c.post('/register', { display_name: name, email, password: PW });
  const link = lastLink(email);
  await c.get(link.pathname + link.search);
  await c.page('/login');
  const res = await c.post('/login', { email, password: PW });
  assert.equal(res.status, 303);
  await c.page('/account');
  return c;
}

test('the account page lists the sessions, this one marked', async () => {
  const c = await account('sessions@example.org');
  const other = client();
  await other.page('/login');
  await other.post('/login', { email: 'sessions@example.org', password: PW, });
  const { html } = await c.page('/account');
  assert.equal((html.match(/<tr><td>/g) || []).length, 2);
  assert.match(html, /\(this one\)/);
  assert.match(html, /198\.18\.0\.\d+/);
});

test("the session list shows this session's visit of this very page", async () => {
  const c = await account('fresh@example.org');
  const other = client();
  await other.page('/login');
  await other.post('/login', { email: 'fresh@example.org', password: PW });
  // This session was last seen an hour ago, the other one a minute ago.
  sql(`UPDATE sessions SET last_seen = now() - interval '1 hour' WHERE user_id =
    (SELECT id FROM users WHERE email = 'fresh@example.org') AND csrf = '${c.csrf}'`);
  sql(`UPDATE sessions SET last_seen = now() - interval '1 minute' WHERE user_id =
    (SELECT id FROM users WHERE email = 'fresh@example.org') AND csrf <> '${c.csrf}'`);
  const { html } = await c.page('/account');
  const now = sql(`SELECT to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM sessions
    WHERE csrf = '${c.csrf}'`);
  const rows = html.match(/<tr><td>.*?<\/tr>/g);
  assert.equal(rows.length, 2);
  // Listed first, as just seen: the page sees the touch of its own request.
  assert.match(rows[0], /\(this one\)/);
  assert.ok(rows[0].includes(`<td>${now}</td>`), rows[0]);
});

test('changing the name is audited with before and after', async () => {
  const c = await account('rename@example.org', 'Old Name');
  const bad = await c.post('/account', { action: 'name', display_name: '' });
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /Enter your name/);
  const ok = await c.post('/account', { action: 'name', display_name: 'New Name' });
  assert.equal(ok.headers.get('location'), '/account?done=name');
  assert.equal(sql("SELECT display_name FROM users WHERE email = 'rename@example.org'"), 'New Name');
  const entry = sql("SELECT before->>'display_name' || '>' || (after->>'display_name') FROM audit_entries WHERE action = 'user.rename'");
  assert.equal(entry, 'Old Name>New Name');
  // The names are kept out of the hash chain (deleted with the account).
  assert.equal(sql("SELECT before->>'display_name' || '>' || (after->>'display_name') FROM audit WHERE action = 'user.rename'"),
    '(personal)>(personal)');
  const { html } = await c.page('/account?done=name');
  assert.match(html, /Your name has been changed/);
});

test('changing the password needs the current one and ends the other sessions', async () => {
  const c = await account('pw@example.org');
  const other = client();
  await other.page('/login');
  await other.post('/login', { email: 'pw@example.org', password: PW });
  assert.equal((await other.get('/account')).status, 200);

  const wrong = await c.post('/account', { action: 'password', current_password: 'nope nope nope', new_password: PW2 });
  assert.equal(wrong.status, 422);
  assert.match(await wrong.text(), /current password is not right/);
  const weak = await c.post('/account', { action: 'password', current_password: PW, new_password: 'pw@example.org' });
  assert.equal(weak.status, 422);

  const before = c.cookies.get('laurel_session');
  const ok = await c.post('/account', { action: 'password', current_password: PW, new_password: PW2 });
  assert.equal(ok.headers.get('location'), '/account?done=password');
  assert.notEqual(c.cookies.get('laurel_session'), before, 'this session gets a new token');
  assert.equal((await c.get('/account')).status, 200, 'this session goes on');
  assert.equal((await other.get('/account')).status, 303, 'the other one is signed out');
});

test('changing the e-mail address takes effect only once confirmed', async () => {
  const c = await account('old@example.org');
  const ok = await c.post('/account', { action: 'email', new_email: 'new@example.org', email_password: PW });
  assert.equal(ok.headers.get('location'), '/account?done=email');
  assert.equal(sql("SELECT count(*) FROM users WHERE email = 'old@example.org'"), '1');
  assert.match(sql("SELECT body FROM outbox WHERE to_addr = 'old@example.org' ORDER BY id DESC LIMIT 1"), /new@example\.org/);
  const link = lastLink('new@example.org');
  const v = await c.get(link.pathname + link.search);
  assert.equal(v.status, 200);
  assert.equal(sql("SELECT count(*) FROM users WHERE email = 'new@example.org'"), '1');
  assert.equal((await c.get('/account')).status, 303, 'a change of address signs out');

  const taken = await account('taken@example.org');
  const res = await taken.post('/account', { action: 'email', new_email: 'new@example.org', email_password: PW });
  assert.equal(res.headers.get('location'), '/account?done=email', 'same answer for a taken address');
  assert.equal(sql("SELECT count(*) FROM outbox WHERE to_addr = 'new@example.org'"), '1', 'and no link sent to it');
});

test('sign out everywhere', async () => {
  const c = await account('everywhere@example.org');
  const other = client();
  await other.page('/login');
  await other.post('/login', { email: 'everywhere@example.org', password: PW });
  const res = await c.post('/account', { action: 'signout_all' });
  assert.equal(res.headers.get('location'), '/login');
  assert.equal((await c.get('/account')).status, 303);
  assert.equal((await other.get('/account')).status, 303);
});

test('a disabled account is signed out at once', async () => {
  const c = await account('disabled@example.org');
  sql("UPDATE users SET disabled_at = now() WHERE email = 'disabled@example.org'");
  assert.equal((await c.get('/account')).status, 303);
  await c.page('/login');
  const res = await c.post('/login', { email: 'disabled@example.org', password: PW });
  assert.equal(res.status, 422);
  assert.match(await res.text(), /disabled/);
});

test('sessions expire: 2 hours idle, 12 hours in all', async () => {
  const c = await account('idle@example.org');
  sql("UPDATE sessions SET last_seen = now() - interval '121 minutes' WHERE user_id = (SELECT id FROM users WHERE email = 'idle@example.org')");
  assert.equal((await c.get('/account')).status, 303);
  const d = await account('absolute@example.org');
  sql("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE email = 'absolute@example.org')");
  assert.equal((await d.get('/account')).status, 303);
});

test('an unknown action is refused', async () => {
  const c = await account('odd@example.org');
  const res = await c.post('/account', { action: 'frobnicate' });
  assert.equal(res.status, 400);
});

function ctl(args) {
  return spawnSync(join(ROOT, 'build/laurelctl'), args,
    { env: { ...process.env, LAUREL_DB: app.cluster.dsn(app.db) }, encoding: 'utf8' });
}

test('promotion by laurelctl ends the sessions; the next sign-in is an admin one', async () => {
  const c = await account('promoted@example.org');
  assert.equal(ctl(['user', 'promote', '--email', 'promoted@example.org']).status, 0);
  assert.equal((await c.get('/account')).status, 303, 'signed out at the change of privilege');
  await c.page('/login');
  await c.post('/login', { email: 'promoted@example.org', password: PW });
  assert.equal((await c.get('/admin')).headers.get('location'), '/account/totp');
  assert.equal(ctl(['user', 'demote', '--email', 'promoted@example.org']).status, 0);
  assert.equal((await c.get('/account')).status, 303);
});

test('an account made with laurelctl signs in with the password it printed', async () => {
  const r = ctl(['user', 'create', '--email', 'made@example.org', '--name', 'Made By Ctl']);
  assert.equal(r.status, 0, r.stderr);
  const password = r.stdout.match(/password: (\S+)/)[1];
  const c = client();
  await c.page('/login');
  const res = await c.post('/login', { email: 'made@example.org', password });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/account');
});
