// Throttles that hold under concurrency: every attempt is counted before
// the slow check (Argon2id, the TOTP code), in one statement, so requests
// sent at once cannot all read "under the limit". Cheap checks come before
// the hash, so a bogus request never costs an Argon2id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Client, startApp } from '../../lib/harness.mjs';
import { applicant, PW } from '../../lib/apply.mjs';
import { totp, enrolStart } from '../../lib/totp.mjs';

let app;
const sql = (q) => app.cluster.psql(q, app.db);

before(async () => { app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } }); });
after(async () => { await app.stop(); });

const tally = (answers) => answers.reduce((m, r) => ({ ...m, [r.status]: (m[r.status] || 0) + 1 }), {});

test('forty wrong passwords at once for one account: ten are tried, thirty get 429', async () => {
  await applicant(app, 'target@example.org', '198.51.100.1');
  const c = new Client(app);
  await c.page('/login');
  // Each from its own address: only the account's limit applies.
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) =>
    c.post('/login', { email: 'target@example.org', password: `wrong password ${i}` },
      { headers: { 'x-forwarded-for': `192.0.2.${i + 1}` } })));
  assert.deepEqual(tally(answers), { 422: 10, 429: 30 });
  const throttled = answers.find((r) => r.status === 429);
  assert.ok(Number(throttled.headers.get('retry-after')) > 0);
  // The right password is refused too while the account is throttled.
  const right = await c.post('/login', { email: 'target@example.org', password: PW },
    { headers: { 'x-forwarded-for': '192.0.2.200' } });
  assert.equal(right.status, 429);
});

test('forty sign-ins at once from one address, each for another account: ten are tried', async () => {
  const c = new Client(app, { ip: '198.51.100.77' });
  await c.page('/login');
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) =>
    c.post('/login', { email: `spray${i}@example.org`, password: 'guess guess guess' })));
  assert.deepEqual(tally(answers), { 422: 10, 429: 30 });
});

test('a sign-in that succeeds does not count against the limit', async () => {
  await applicant(app, 'often@example.org', '198.51.100.2');
  const ip = '198.51.100.3';
  const attempt = async (password) => {
    const d = new Client(app, { ip });
    await d.page('/login');
    return (await d.post('/login', { email: 'often@example.org', password })).status;
  };
  for (let i = 0; i < 9; i++)
    assert.equal(await attempt('not the password'), 422);
  // Many successes in between: an office behind one address signs in all day.
  for (let i = 0; i < 15; i++)
    assert.equal(await attempt(PW), 303);
  assert.equal(await attempt('not the password'), 422, 'the tenth failure is still tried');
  assert.equal(await attempt('not the password'), 429);
  assert.equal(await attempt(PW), 429);
});

test('forty wrong TOTP codes at once: ten are tried, thirty get 429', async () => {
  const email = 'second@example.org';
  const owner = await applicant(app, email, '198.51.100.4');
  const { secret } = await enrolStart(owner, PW);
  assert.equal((await owner.post('/account/totp', { totp_code: totp(secret) })).status, 200);

  const c = new Client(app, { ip: '198.51.100.5' });
  await c.page('/login');
  assert.equal((await c.post('/login', { email, password: PW })).headers.get('location'), '/login/totp');
  await c.page('/login/totp');
  // Codes that are certainly wrong: none is the current one, or a neighbour.
  const near = new Set([-1, 0, 1].map((k) => totp(secret, Date.now() / 1000 + 30 * k)));
  const wrong = Array.from({ length: 40 }, (_, i) => String(100000 + i * 7919).slice(0, 6)).filter((x) => !near.has(x));
  const answers = await Promise.all(wrong.slice(0, 40).map((code) => c.post('/login/totp', { totp_code: code })));
  const t = tally(answers);
  assert.equal(t[422], 10, JSON.stringify(t));
  assert.equal(t[429], wrong.length - 10, JSON.stringify(t));
  assert.equal(sql(`SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE u.email = '${email}' AND s.mfa_ok`), '1', 'only the owner\'s own session is complete');
});

test('thirty registrations at once from one address: ten accounts, twenty 429', async () => {
  const c = new Client(app, { ip: '198.51.100.9' });
  await c.page('/register');
  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    c.post('/register', { display_name: `Burst ${i}`, email: `burst${i}@example.org`, password: PW })));
  assert.deepEqual(tally(answers), { 303: 10, 429: 20 });
  assert.equal(sql("SELECT count(*) FROM users WHERE email LIKE 'burst%'"), '10');
  // Refused before the hash: thirty more cost less than three hashes.
  const cost = await threeHashes();
  const t0 = workerCpu();
  const more = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    c.post('/register', { display_name: `More ${i}`, email: `more${i}@example.org`, password: PW })));
  assert.deepEqual(tally(more), { 429: 30 });
  const spent = workerCpu() - t0;
  assert.ok(spent < cost, `thirty refused registrations ${spent} ticks, three hashes ${cost}`);
});

// CPU time of Kore's workers (their task threads included), in clock ticks.
function workerCpu() {
  const kids = readFileSync(`/proc/${app.proc.pid}/task/${app.proc.pid}/children`, 'utf8').trim().split(/\s+/);
  let ticks = 0;
  for (const pid of kids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);	// utime, stime
  }
  return ticks;
}

// What three password hashes cost here, measured once: three registrations.
let hashCost;
async function threeHashes() {
  if (hashCost === undefined) {
    const reg = new Client(app, { ip: '198.51.100.10' });
    await reg.page('/register');
    const t0 = workerCpu();
    for (let i = 0; i < 3; i++)
      assert.equal((await reg.post('/register', { display_name: 'Cost', email: `cost${i}@example.org`, password: PW })).status, 303);
    hashCost = workerCpu() - t0;
  }
  return hashCost;
}

test('bogus password resets cost no Argon2id, and a real sign-in gets through a flood of them', async () => {
  const cost = await threeHashes();
  let t0;

  // Sixty resets with well-formed tokens nobody was given, and a strong
  // password: refused before any hash, however many come at once.
  const flood = new Client(app, { ip: '198.51.100.11' });
  await flood.page('/password/forgot');
  await applicant(app, 'real@example.org', '198.51.100.12');
  const real = new Client(app, { ip: '198.51.100.13' });
  await real.page('/login');
  t0 = workerCpu();
  const bogus = Array.from({ length: 60 }, (_, i) => flood.post('/password/reset',
    { token: `bogus${String(i).padStart(38, '0')}`, password: 'a perfectly fine new password' }));
  const signIn = real.post('/login', { email: 'real@example.org', password: PW });
  const answers = await Promise.all(bogus);
  assert.equal((await signIn).status, 303, 'the real sign-in got through');
  const floodCpu = workerCpu() - t0;
  assert.deepEqual(tally(answers), { 400: 60 });
  assert.match(await answers[0].text(), /not valid/);
  // Sixty bogus resets and one real sign-in cost less than three hashes.
  assert.ok(floodCpu < cost, `flood ${floodCpu} ticks, three hashes ${cost}`);
});

test('confirming the current password is throttled too: /account and /account/delete', async () => {
  const email = 'reauth@example.org';
  const c = await applicant(app, email, '198.51.100.20');
  const answers = [];
  for (let i = 0; i < 6; i++) {
    await c.page('/account');
    answers.push((await c.post('/account', { action: 'password', current_password: `wrong ${i}`,
      new_password: 'another long new password' })).status);
    await c.page('/account');
    answers.push((await c.post('/account', { action: 'email', new_email: 'elsewhere@example.org',
      email_password: `wrong ${i}` })).status);
  }
  // Ten tries in all, whichever form they come from; then 429.
  assert.deepEqual(answers.slice(0, 10), Array(10).fill(422));
  assert.deepEqual(answers.slice(10), [429, 429]);
  await c.page('/account');
  const del = await c.post('/account/delete', { password: PW });
  assert.equal(del.status, 429, 'even the right password waits');
  assert.equal(sql(`SELECT count(*) FROM users WHERE email = '${email}'`), '1');
});
