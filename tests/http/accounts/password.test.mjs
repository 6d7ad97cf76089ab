// Forgotten passwords: same answer for every address, a single-use link
// valid one hour, and a reset that signs out every session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startApp } from '../../lib/harness.mjs';

let app;
const OLD = 'lantern orbit cactus 42';
const NEW = 'harbour violet engine 77';
const EMAIL = 'forgetful@example.org';

after(async () => { await app.stop(); });

const sql = (q) => app.cluster.psql(q, app.db);
let ip = 10;
const client = () => new Client(app, { ip: `192.0.2.${ip++}` });
const mails = (to) => Number(sql(`SELECT count(*) FROM outbox WHERE to_addr = '${to}'`));
const lastLink = (to) => new URL(sql(`SELECT body FROM outbox WHERE to_addr = '${to}' ORDER BY id DESC LIMIT 1`).match(/http:\/\/\S+/)[0]);

async function signIn(c, password) {
  await c.page('/login');
  return c.post('/login', { email: EMAIL, password });
}

before(async () => {
  app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  const c = client();
  await c.page('/register');
  await c.post('/register', { display_name: 'Forgetful', email: EMAIL, password: OLD });
  const link = lastLink(EMAIL);
  await c.get(link.pathname + link.search);
});

test('an unknown address gets the same answer and no mail', async () => {
  const c = client();
  await c.page('/password/forgot');
  const res = await c.post('/password/forgot', { email: 'nobody@example.org' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/password/forgot?sent=1');
  assert.equal(mails('nobody@example.org'), 0);
  const bad = await c.post('/password/forgot', { email: 'not an address' });
  assert.equal(bad.status, 422);
});

test('the link sets a new password once and signs out every session', async () => {
  const a = client();
  const b = client();
  assert.equal((await signIn(a, OLD)).status, 303);
  assert.equal((await signIn(b, OLD)).status, 303);

  const c = client();
  await c.page('/password/forgot');
  const res = await c.post('/password/forgot', { email: EMAIL });
  assert.equal(res.headers.get('location'), '/password/forgot?sent=1');
  const link = lastLink(EMAIL);
  assert.equal(link.pathname, '/password/reset');

  const { res: form, html } = await c.page(link.pathname + link.search);
  assert.equal(form.status, 200);
  assert.match(html, /name="token"/);
  const weak = await c.post('/password/reset', { token: link.searchParams.get('token'), password: 'short' });
  assert.equal(weak.status, 422);
  assert.match(await weak.text(), /at least 12 characters/);

  const ok = await c.post('/password/reset', { token: link.searchParams.get('token'), password: NEW });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/login?reset=1');
  assert.equal(sql(`SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = '${EMAIL}'`), '0');
  assert.equal((await a.get('/account')).status, 303, 'signed out everywhere');
  assert.equal((await b.get('/account')).status, 303);

  assert.equal((await signIn(client(), OLD)).status, 422);
  assert.equal((await signIn(client(), NEW)).status, 303);
  const again = await c.get(link.pathname + link.search);
  assert.equal(again.status, 400, 'single use');
  assert.match(sql("SELECT string_agg(action, ',') FROM audit"), /password\.reset_request.*password\.reset/);
});

test('an expired link is refused', async () => {
  const c = client();
  await c.page('/password/forgot');
  await c.post('/password/forgot', { email: EMAIL });
  const link = lastLink(EMAIL);
  sql("UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'reset' AND used_at IS NULL");
  assert.equal((await c.get(link.pathname + link.search)).status, 400);
  await c.page('/password/forgot');
  const post = await c.post('/password/reset', { token: link.searchParams.get('token'), password: 'another fine passphrase' });
  assert.equal(post.status, 400);
});

test('reset requests are throttled per account', async () => {
  const email = EMAIL;
  let last;
  for (let i = 0; i < 4; i++) {
    const c = client();
    await c.page('/password/forgot');
    last = await c.post('/password/forgot', { email });
  }
  assert.equal(last.status, 429);
  assert.match(await last.text(), /Too many requests for a new password/);
});
