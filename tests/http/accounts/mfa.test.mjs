// Two-step sign-in: admins must enrol TOTP before any /admin page; codes
// are computed here with RFC 6238; no code and no recovery code works twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startApp } from '../../lib/harness.mjs';
import { totp, enrolStart } from '../../lib/totp.mjs';

let app;
const PASSWORD = 'lantern orbit cactus 42';
const EMAIL = 'chair@example.org';
let secret;
let codes;

before(async () => { app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } }); });
after(async () => { await app.stop(); });

const sql = (q) => app.cluster.psql(q, app.db);
let ip = 10;
const client = () => new Client(app, { ip: `203.0.113.${ip++}` });

async function signIn(c) {
  await c.page('/login');
  return c.post('/login', { email: EMAIL, password: PASSWORD });
}

test('an admin without TOTP is sent to enrol before any admin page', async () => {
  const c = client();
  await c.page('/register');
  await c.post('/register', { display_name: 'Panel Chair', email: EMAIL, password: PASSWORD });
  const link = sql(`SELECT body FROM outbox WHERE to_addr = '${EMAIL}'`).match(/http:\/\/\S+/)[0];
  await c.get(new URL(link).pathname + new URL(link).search);
  sql(`UPDATE users SET is_admin = true WHERE email = '${EMAIL}'`);

  const res = await signIn(c);
  assert.equal(res.headers.get('location'), '/account');
  const admin = await c.get('/admin');
  assert.equal(admin.status, 303);
  assert.equal(admin.headers.get('location'), '/account/totp');
});

test('enrolment asks for the current password first; the page itself writes nothing', async () => {
  const c = client();
  await signIn(c);
  const before = sql(`SELECT coalesce(totp_pending, '-') FROM users WHERE email = '${EMAIL}'`);
  const { res, html } = await c.page('/account/totp');
  assert.equal(res.status, 200);
  assert.match(html, /name="password"/);
  assert.doesNotMatch(html, /class="secret"/);
  await c.page('/account/totp');
  assert.equal(sql(`SELECT coalesce(totp_pending, '-') FROM users WHERE email = '${EMAIL}'`), before, 'GET stores no secret');
  let r = await c.post('/account/totp', { password: '' });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /Enter your current password/);
  r = await c.post('/account/totp', { password: 'not my password at all' });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /That is not your current password/);
  assert.equal(sql(`SELECT coalesce(totp_pending, '-') FROM users WHERE email = '${EMAIL}'`), before, 'nothing pending');
});

test('enrolment: QR code, a wrong code refused, the right one turns it on', async () => {
  const c = client();
  await signIn(c);
  const { res, html } = await enrolStart(c, PASSWORD);
  assert.equal(res.status, 200);
  assert.match(html, /<svg[^>]+role="img"[^>]+aria-label="QR code/);
  assert.doesNotMatch(html, /style=/);
  secret = html.match(/<code class="secret">([A-Z2-7 ]+)<\/code>/)[1].replace(/ /g, '');
  assert.equal(secret.length, 32);

  const wrong = await c.post('/account/totp', { totp_code: '000000' });
  assert.equal(wrong.status, 422);
  assert.match(await wrong.text(), /That code is not right/);

  const before = c.cookies.get('laurel_session');
  const ok = await c.post('/account/totp', { totp_code: totp(secret) });
  assert.equal(ok.status, 200);
  const page = await ok.text();
  codes = [...page.matchAll(/<li><code>([a-z0-9-]{14})<\/code><\/li>/g)].map((m) => m[1]);
  assert.equal(codes.length, 10);
  assert.notEqual(c.cookies.get('laurel_session'), before, 'new session token at the privilege change');
  assert.equal(sql(`SELECT count(*) FROM recovery_codes rc JOIN users u ON u.id = rc.user_id WHERE u.email = '${EMAIL}'`), '10');
  assert.equal(sql(`SELECT count(*) FROM recovery_codes WHERE code_hash = '${codes[0]}'`), '0', 'only hashes stored');
  // The secret is stored sealed with the file key, never in clear.
  const stored = sql(`SELECT totp_secret FROM users WHERE email = '${EMAIL}'`);
  assert.match(stored, /^s1\.[0-9a-f]{16}\.[A-Za-z0-9_-]+$/);
  assert.ok(!stored.includes(secret));
  assert.equal((await c.get('/admin')).status, 200);
  assert.match(sql("SELECT string_agg(action, ',') FROM audit"), /totp\.enable/);
});

test('signing in now needs the second step; a code works once', async () => {
  const c = client();
  const res = await signIn(c);
  assert.equal(res.headers.get('location'), '/login/totp');
  assert.equal((await c.get('/admin')).headers.get('location'), '/login/totp');
  assert.equal((await c.get('/account')).headers.get('location'), '/login/totp');

  await c.page('/login/totp');
  const now = Date.now() / 1000;
  const used = sql(`SELECT totp_last_step FROM users WHERE email = '${EMAIL}'`);
  // The step after the one used at enrolment (the app accepts one step of drift).
  const t = (Number(used) + 1) * 30 + 1;
  assert.ok(Math.abs(t - now) <= 45);
  const ok = await c.post('/login/totp', { totp_code: totp(secret, t) });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/account');
  assert.equal((await c.get('/admin')).status, 200);

  const d = client();
  await signIn(d);
  await d.page('/login/totp');
  const replay = await d.post('/login/totp', { totp_code: totp(secret, t) });
  assert.equal(replay.status, 422, 'the same code is refused the second time');
});

test('a recovery code works once', async () => {
  const c = client();
  await signIn(c);
  await c.page('/login/totp');
  const ok = await c.post('/login/totp', { totp_code: codes[3].toUpperCase().replace(/-/g, ' ') });
  assert.equal(ok.status, 303);
  const d = client();
  await signIn(d);
  await d.page('/login/totp');
  const again = await d.post('/login/totp', { totp_code: codes[3] });
  assert.equal(again.status, 422);
});

test('wrong codes are throttled', async () => {
  const c = client();
  await signIn(c);
  await c.page('/login/totp');
  const wrong = String((Number(totp(secret)) + 500000) % 1000000).padStart(6, '0');
  let last;
  for (let i = 0; i < 12; i++)
    last = await c.post('/login/totp', { totp_code: wrong });
  assert.equal(last.status, 429);
  assert.match(await last.text(), /Too many wrong codes/);
});

test('a development instance may let admins in without TOTP, saying so on the page', async () => {
  const dev = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off' } });
  try {
    const c = new Client(dev);
    await c.page('/register');
    await c.post('/register', { display_name: 'Dev Admin', email: 'dev@example.org', password: PASSWORD });
    const link = new URL(dev.cluster.psql("SELECT body FROM outbox WHERE to_addr = 'dev@example.org'", dev.db).match(/http:\/\/\S+/)[0]);
    await c.get(link.pathname + link.search);
    dev.cluster.psql("UPDATE users SET is_admin = true WHERE email = 'dev@example.org'", dev.db);
    await c.page('/login');
    await c.post('/login', { email: 'dev@example.org', password: PASSWORD });
    const res = await c.get('/admin');
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Two-step sign-in for administrators is switched off on this development instance/);
  } finally {
    await dev.stop();
  }
});
