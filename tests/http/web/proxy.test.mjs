// Behind no configured proxy, X-Forwarded-For is ignored (anyone can set
// it); with an https base URL, cookies carry Secure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startApp } from '../../lib/harness.mjs';

let app;

before(async () => {
  app = await startApp({ env: { LAUREL_BASE_URL: 'https://awards.example.eu' } });
});
after(async () => { await app.stop(); });

test('a spoofed X-Forwarded-For does not escape the sign-in throttle', async () => {
  let last;
  for (let i = 0; i < 11; i++) {
    // A new "address" each time: ignored, the peer is what counts.
    const c = new Client(app, { ip: `192.0.2.${i + 1}` });
    await c.page('/login');
    last = await c.post('/login', { email: `x${i}@example.org`, password: 'wrong password here' });
  }
  assert.equal(last.status, 429);
  assert.equal(app.cluster.psql("SELECT count(*) FROM throttle WHERE key LIKE 'login-ip:192.0.2.%'", app.db), '0');
  // Ten failures and the eleventh attempt, counted before it was refused.
  assert.equal(app.cluster.psql("SELECT hits FROM throttle WHERE key = 'login-ip:127.0.0.1'", app.db), '11');
});

test('with an https base URL every cookie is Secure', async () => {
  const c = new Client(app);
  const { res } = await c.page('/register');
  const cookie = res.headers.getSetCookie().find((l) => l.startsWith('laurel_csrf='));
  assert.match(cookie, /; Secure/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
});
