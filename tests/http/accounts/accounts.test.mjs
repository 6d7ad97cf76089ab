// Registration, verification, sign-in and sign-out over real HTTP, with
// the mail read back from the outbox the app wrote it to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startApp } from '../../lib/harness.mjs';

let app;
const PASSWORD = 'lantern orbit cactus 42';

// Each client poses as its own address behind the proxy, so the
// per-address sign-in throttle of one test does not touch the others.
before(async () => { app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } }); });

let ipCount = 1;
function newClient() {
  ipCount += 1;
  return new Client(app, { ip: `198.51.100.${ipCount}` });
}
after(async () => { await app.stop(); });

function sql(q) {
  return app.cluster.psql(q, app.db);
}

function lastMailTo(email) {
  const body = sql(`SELECT body FROM outbox WHERE to_addr = '${email}' ORDER BY id DESC LIMIT 1`);
  return body;
}

function linkIn(body) {
  const m = body.match(/http:\/\/\S+/);
  return m && new URL(m[0]);
}

async function register(c, email, name = 'Ana Ortiz', password = PASSWORD) {
  await c.page('/register');
  return c.post('/register', { display_name: name, email, password });
}

async function verifiedUser(email) {
  const c = newClient();
  await register(c, email);
  const link = linkIn(lastMailTo(email));
  await c.get(link.pathname + link.search);
  return c;
}

async function signIn(c, email, password = PASSWORD) {
  await c.page('/login');
  return c.post('/login', { email, password });
}

test('the registration form carries a CSRF token and sets its cookie', async () => {
  const c = newClient();
  const { res, html } = await c.page('/register');
  assert.equal(res.status, 200);
  assert.ok(c.csrf && c.csrf.length === 43);
  assert.equal(c.cookies.get('laurel_csrf'), c.csrf);
  const set = res.headers.getSetCookie().join('\n');
  assert.match(set, /laurel_csrf=.*HttpOnly.*SameSite=Lax/);
  assert.match(html, /name="display_name"/);
});

test('registration without or with a wrong CSRF token is refused and changes nothing', async () => {
  const c = newClient();
  await c.page('/register');
  const none = await c.post('/register', { display_name: 'X', email: 'x@example.org', password: PASSWORD }, { csrf: false });
  assert.equal(none.status, 403);
  const wrong = await c.post('/register', { csrf_token: 'A'.repeat(43), display_name: 'X', email: 'x@example.org', password: PASSWORD }, { csrf: false });
  assert.equal(wrong.status, 403);
  assert.match(await wrong.text(), /did not come from this site/);
  assert.equal(sql("SELECT count(*) FROM users WHERE email = 'x@example.org'"), '0');
});

test('invalid registrations are explained next to each field, input kept', async () => {
  const c = newClient();
  await c.page('/register');
  const res = await c.post('/register', { display_name: '', email: 'not-an-email', password: 'short' });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(html, /There is a problem/);
  assert.match(html, /Enter your name\./);
  assert.match(html, /like name@example\.org/);
  assert.match(html, /Use at least 12 characters\./);
  assert.match(html, /value="not-an-email"/);
  assert.doesNotMatch(html, /value="short"/, 'the password is never echoed');
  const common = await c.post('/register', { display_name: 'Ana', email: 'ana@example.org', password: 'password1234' });
  assert.match(await common.text(), /commonly used passwords/);
  const tagged = await c.post('/register', { display_name: '<b>Ana</b>', email: 'ana@example.org', password: 'short' });
  const th = await tagged.text();
  assert.match(th, /value="&lt;b&gt;Ana&lt;\/b&gt;"/, 'input is escaped when shown again');
});

test('register, verify by the e-mailed link, sign in, sign out', async () => {
  const c = newClient();
  const email = 'ana.ortiz@example.org';
  const res = await register(c, email);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/register?sent=1');
  assert.equal(sql(`SELECT verified_at IS NULL FROM users WHERE email = '${email}'`), 't');

  const mail = lastMailTo(email);
  assert.match(mail, /Hello Ana Ortiz/);
  const link = linkIn(mail);
  assert.equal(link.pathname, '/verify');

  // Not verified yet: sign-in explains why.
  const early = await signIn(c, email);
  assert.equal(early.status, 422);
  assert.match(await early.text(), /Confirm your e-mail address first/);

  const v = await c.get(link.pathname + link.search);
  assert.equal(v.status, 200);
  assert.match(await v.text(), /Your e-mail address is confirmed/);
  const again = await c.get(link.pathname + link.search);
  assert.equal(again.status, 400, 'the link works once');

  const wrong = await signIn(c, email, 'not the right password');
  assert.equal(wrong.status, 422);
  assert.match(await wrong.text(), /The e-mail address or the password is not right/);

  const ok = await signIn(c, email);
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/account');
  const cookie = ok.headers.getSetCookie().find((l) => l.startsWith('laurel_session='));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.match(cookie, /Path=\//);
  const token = c.cookies.get('laurel_session');
  assert.equal(sql(`SELECT count(*) FROM sessions WHERE token_hash = '${token}'`), '0', 'only the hash is stored');
  assert.equal(sql('SELECT count(*) FROM sessions'), '1');

  const acct = await c.page('/account');
  assert.equal(acct.res.status, 200);
  assert.match(acct.html, /ana\.ortiz@example\.org/);

  const noCsrf = await c.post('/logout', {}, { csrf: false });
  assert.equal(noCsrf.status, 403);
  const out = await c.post('/logout', {});
  assert.equal(out.status, 303);
  assert.equal(c.cookies.has('laurel_session'), false);
  assert.equal(sql('SELECT count(*) FROM sessions'), '0');
  const after = await c.get('/account');
  assert.equal(after.status, 303);
  assert.equal(after.headers.get('location'), '/login?next=/account');

  const actions = sql(`SELECT string_agg(action, ',' ORDER BY id) FROM audit`);
  for (const a of ['user.register', 'login.fail', 'user.verify', 'login.success', 'logout'])
    assert.ok(actions.split(',').includes(a), a);
});

test('registering an existing address looks the same and mails the owner', async () => {
  const email = 'dup@example.org';
  const a = newClient();
  const first = await register(a, email, 'First');
  const b = newClient();
  const second = await register(b, email, 'Second');
  assert.equal(second.status, first.status);
  assert.equal(second.headers.get('location'), first.headers.get('location'));
  assert.equal(sql(`SELECT display_name FROM users WHERE email = '${email}'`), 'First');
  assert.match(lastMailTo(email), /already has one/);
});

test('signing in sends you back where you were going, local paths only', async () => {
  const email = 'next@example.org';
  const c = await verifiedUser(email);
  const { html } = await c.page('/login?next=/account');
  assert.match(html, /name="next" value="\/account"/);
  const res = await c.post('/login', { email, password: PASSWORD, next: '/account' });
  assert.equal(res.headers.get('location'), '/account');
  const d = await verifiedUser('next2@example.org');
  await d.page('/login');
  const evil = await d.post('/login', { email: 'next2@example.org', password: PASSWORD, next: '//evil.example/x' });
  assert.equal(evil.headers.get('location'), '/account');
});

// Targets a browser would turn into another site: tabs and line feeds
// are dropped, backslashes read as slashes, and their percent-encoded
// forms too. Each goes to the default page, by GET and by POST.
const OFFSITE = ['//evil.example/x', '/%09/evil.example', '/\t/evil.example', '/\\evil.example',
  '/%5C/evil.example', '/%5cevil.example', '/%0a/evil.example', '/\n/evil.example', '/%0D%0A/evil.example',
  '/%2F/evil.example', '/%2fevil.example', 'https://evil.example/', '\t//evil.example', ' //evil.example',
  '/\r/evil.example', '/%00/evil.example'];

test('no open redirect after sign-in, whatever browsers normalise', async () => {
  const email = 'offsite@example.org';
  const c = await verifiedUser(email);
  await c.page('/login');
  for (const next of OFFSITE) {
    const res = await c.post('/login', { email, password: PASSWORD, next });
    await c.page('/account');	// the new session's token for the next POST
    assert.equal(res.status, 303, next);
    assert.equal(res.headers.get('location'), '/account', JSON.stringify(next));
  }
  // Signed in, GET /login?next= goes on at once: the same rule.
  for (const next of OFFSITE) {
    const res = await c.get(`/login?next=${encodeURIComponent(next)}`);
    assert.equal(res.status, 303, next);
    assert.equal(res.headers.get('location'), '/account', JSON.stringify(next));
  }
  // The raw query as an attacker would write it: /%09/ stays encoded.
  const raw = await c.get('/login?next=/%09/evil.example');
  assert.equal(raw.headers.get('location'), '/account');
  const fine = await c.get(`/login?next=${encodeURIComponent('/applications?x=%2F')}`);
  assert.equal(fine.headers.get('location'), '/applications?x=%2F');
});

test('a new session token at every sign-in; the old one dies at sign-out', async () => {
  const email = 'rotate@example.org';
  const c = await verifiedUser(email);
  await signIn(c, email);
  const first = c.cookies.get('laurel_session');
  await c.page('/account');
  await c.post('/logout', {});
  await signIn(c, email);
  const second = c.cookies.get('laurel_session');
  assert.ok(second && second !== first);
  const stale = new Client(app);
  stale.cookies.set('laurel_session', first);
  assert.equal((await stale.get('/account')).status, 303, 'the old token is dead');
  const other = newClient();
  await signIn(other, email);
  assert.notEqual(other.cookies.get('laurel_session'), second, 'each browser its own session');
  assert.equal((await c.get('/account')).status, 200, 'both sessions live');
});

test('the forwarded address counts only from a trusted proxy', async () => {
  // Same app, but this client sends X-Forwarded-For only from a peer the
  // app trusts; a spoofed header from elsewhere is tested in proxy.test.mjs.
  const c = newClient();
  await c.page('/login');
  for (let i = 0; i < 10; i++)
    await c.post('/login', { email: `ghost${i}@example.org`, password: 'wrong password here' });
  const blocked = await c.post('/login', { email: 'ghost@example.org', password: 'x' });
  assert.equal(blocked.status, 429);
  const neighbour = newClient();
  await neighbour.page('/login');
  const ok = await neighbour.post('/login', { email: 'ghost@example.org', password: 'wrong password here' });
  assert.equal(ok.status, 422, 'another address is not blocked');
});

test('the admin page is 404 for applicants and asks anonymous users to sign in', async () => {
  const anon = newClient();
  const r = await anon.get('/admin');
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/login?next=/admin');
  const email = 'applicant@example.org';
  const c = await verifiedUser(email);
  await signIn(c, email);
  assert.equal((await c.get('/admin')).status, 404);
});

test('malformed and hostile bodies get a clear 4xx and change nothing', async () => {
  const c = newClient();
  await c.page('/login');
  const cases = [
    [`csrf_token=${c.csrf}&email=%ZZ&password=x`, 400, /percent-encoding/i],
    [`csrf_token=${c.csrf}&email=%C3%28&password=x`, 400, /UTF-8/],
    [`csrf_token=${c.csrf}&email=a%00b&password=x`, 400, /./],
  ];
  for (const [raw, status, msg] of cases) {
    const res = await c.post('/login', {}, { raw });
    assert.equal(res.status, status, raw);
    assert.match(await res.text(), msg);
  }
  const big = await c.post('/register', { display_name: 'x'.repeat(1100000), email: 'big@example.org', password: PASSWORD });
  assert.equal(big.status, 413);
  const long = await c.post('/register', { display_name: 'x'.repeat(5000), email: 'big@example.org', password: PASSWORD });
  assert.equal(long.status, 422);
  assert.match(await long.text(), /at most 200 characters/);
  assert.equal(sql("SELECT count(*) FROM users WHERE email = 'big@example.org'"), '0');
});

test('ten failed sign-ins from an address, then the 429 page', async () => {
  const c = newClient();
  await c.page('/login');
  for (let i = 0; i < 10; i++) {
    const r = await c.post('/login', { email: `nobody${i}@example.org`, password: 'wrong password here' });
    assert.equal(r.status, 422);
  }
  const blocked = await c.post('/login', { email: 'nobody@example.org', password: 'wrong password here' });
  assert.equal(blocked.status, 429);
  assert.ok(Number(blocked.headers.get('retry-after')) > 0);
  assert.match(await blocked.text(), /Too many failed sign-ins\. Please try again in \d+ minutes?/);
});

test('registrations are throttled per address', async () => {
  const c = newClient();
  let last;
  for (let i = 0; i < 11; i++) {
    await c.page('/register');
    last = await c.post('/register', { display_name: 'Bulk', email: `bulk${i}@example.org`, password: PASSWORD });
  }
  assert.equal(last.status, 429);
  assert.ok(Number(last.headers.get('retry-after')) > 0);
  assert.match(await last.text(), /Too many registrations/);
  assert.equal(sql("SELECT count(*) FROM users WHERE email LIKE 'bulk%'"), '10');
});

test('a password hashed with older, weaker parameters is rehashed at sign-in', async () => {
  const email = 'legacy@example.org';
  await verifiedUser(email);
  // Argon2id with libsodium's minimum parameters (m=8 KiB, t=1) for PASSWORD.
  const weak = '$argon2id$v=19$m=8,t=1,p=1$HytkaVtIFgOJf0Btr8T3Xg$W2hPvHgTKolrWcWrA+aYBRZYWQ1uS+QhJTHPUeixSoI';
  sql(`UPDATE users SET password_hash = '${weak}' WHERE email = '${email}'`);
  const c = newClient();
  const res = await signIn(c, email);
  assert.equal(res.status, 303);
  const now = sql(`SELECT password_hash FROM users WHERE email = '${email}'`);
  assert.notEqual(now, weak);
  assert.match(now, /^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
  assert.equal((await signIn(newClient(), email)).status, 303, 'the new hash verifies');
});
