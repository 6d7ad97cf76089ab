// GDPR: the export holds everything about the person (and lets anyone
// recompute a receipt's fingerprint); deleting the account needs the
// password and keeps submitted applications of running rounds, anonymised.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, tempDir, ROOT } from '../../lib/harness.mjs';
import { applicant, openRound, fullForm, saveForm, apply, pdf, upload, PW, fingerprint } from '../../lib/apply.mjs';

let app;
const sql = (q) => app.cluster.psql(q, app.db);

before(async () => {
  app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  openRound(app, 'gdpr');
});
after(async () => { await app.stop(); });

test('the export has the account, every version, files, receipts and audit; fingerprints recompute', async () => {
  const c = await applicant(app, 'exp@example.org', '203.0.113.41');
  const id = await apply(c, 'gdpr');
  await saveForm(c, id, { title: 'Draft one' });
  await upload(c, id, pdf('exported'), 'export.pdf');
  await saveForm(c, id, fullForm({ summary: 'Two lines\nwith a back\\slash', partner_name: 'Uni', partner_country: 'DE', partner_role: 'Data' }), { action: 'submit' });
  const res = await c.get('/account/export');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /application\/json/);
  assert.match(res.headers.get('content-disposition'), /attachment; filename="laurel-export.json"/);
  const data = await res.json();
  assert.equal(data.account.email, 'exp@example.org');
  assert.equal(data.account.password_hash, undefined);
  const a = data.applications.find((x) => x.id === id);
  assert.equal(a.state, 'submitted');
  assert.equal(a.versions.length, 3);
  assert.equal(a.versions[1].content.title, 'Draft one');
  assert.equal(a.files.length, 1);
  assert.match(a.files[0].sha256, /^[0-9a-f]{64}$/);
  const last = a.versions[a.versions.length - 1].content;
  assert.equal(fingerprint(last, a.files.map((f) => f.sha256)), a.fingerprint);
  assert.equal(a.receipts.length, 1);
  // The README's Python program agrees, run on the export as downloaded.
  const dir = tempDir('laurel-export-');
  writeFileSync(join(dir, 'laurel-export.json'), JSON.stringify({ ...data, applications: [a] }));
  const program = readFileSync(join(ROOT, 'README.md'), 'utf8').match(/```python\n([\s\S]*?)```/)[1];
  writeFileSync(join(dir, 'check.py'), program);
  assert.equal(execFileSync('python3', ['check.py'], { cwd: dir, encoding: 'utf8' }).trim(), 'True');
  assert.ok(data.audit.some((e) => e.action === 'application.submit'));
  assert.ok(data.audit.some((e) => e.action === 'user.register'));
  // Nobody else's data.
  const other = await applicant(app, 'other@example.org', '203.0.113.42');
  const theirs = await (await other.get('/account/export')).json();
  assert.equal(theirs.applications.length, 0);
  assert.ok(!JSON.stringify(theirs).includes('exp@example.org'));
  // Signed out: to the sign-in page.
  assert.equal((await fetch(app.url('/account/export'), { redirect: 'manual' })).status, 303);
});

test('deleting the account needs the password; submitted applications stay anonymised', async () => {
  const c = await applicant(app, 'del@example.org', '203.0.113.43');
  const kept = await apply(c, 'gdpr');
  await saveForm(c, kept, fullForm({ contact_name: 'Del Person', contact_email: 'del@example.org' }), { action: 'submit' });
  const draft = await apply(c, 'gdpr');
  await saveForm(c, draft, { title: 'A draft' });
  const uid = sql(`SELECT id FROM users WHERE email = 'del@example.org'`);

  const { html } = await c.page('/account');
  assert.match(html, /kept for the jury until publication/);
  let res = await c.post('/account/delete', { password: 'not my password 123' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/account?delete=wrong#delete');
  assert.match((await c.page('/account?delete=wrong')).html, /not your current password/);
  assert.equal(sql(`SELECT count(*) FROM users WHERE id = ${uid}`), '1');

  res = await c.post('/account/delete', { password: PW });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /Your account has been deleted/);
  assert.equal(sql(`SELECT count(*) FROM users WHERE id = ${uid}`), '0');
  assert.equal(sql(`SELECT count(*) FROM sessions WHERE user_id = ${uid}`), '0');
  assert.equal(sql(`SELECT count(*) FROM applications WHERE id = ${draft}`), '0');
  assert.equal(sql(`SELECT owner_id IS NULL AND anonymised_at IS NOT NULL FROM applications WHERE id = ${kept}`), 't');
  assert.equal(sql(`SELECT count(*) FROM application_versions WHERE application_id = ${kept} AND (content->>'contact_email' <> '' OR content->>'contact_name' <> '')`), '0');
  assert.equal(sql(`SELECT count(*) FROM audit WHERE action = 'user.delete' AND subject = 'user:${uid}'`), '1');
  // The old session is gone.
  assert.equal((await c.get('/applications')).status, 303);
});

test('delete without the CSRF token is refused and changes nothing', async () => {
  const c = await applicant(app, 'keep@example.org', '203.0.113.44');
  const res = await c.post('/account/delete', { password: PW }, { csrf: false });
  assert.equal(res.status, 403);
  assert.equal(sql(`SELECT count(*) FROM users WHERE email = 'keep@example.org'`), '1');
});

// After deletion a dump of the whole database holds neither the address
// nor the name, whatever the person did: renamed, asked for an address
// change, failed sign-ins and resets (throttle counters keyed by the
// address), mail delivered and pending; and the audit chain verifies.
test('after deletion a dump of the database holds neither the address nor the name', async () => {
  const email = 'vanishing.person@example.org';
  const c = await applicant(app, email, '203.0.113.45');
  await c.page('/account');
  assert.equal((await c.post('/account', { action: 'name', display_name: 'Zelda Vanishing' })).status, 303);
  await c.page('/account');
  assert.equal((await c.post('/account', { action: 'email', new_email: 'zelda.elsewhere@example.org', email_password: PW })).status, 303);
  const other = new (await import('../../lib/harness.mjs')).Client(app, { ip: '203.0.113.46' });
  await other.page('/login');
  await other.post('/login', { email, password: 'a wrong password here' });
  await other.page('/password/forgot');
  await other.post('/password/forgot', { email });
  // One message delivered (its row stays, its body blanked), the rest pending.
  const ctl = (args) => execFileSync(join(ROOT, 'build/laurelctl'), args,
    { env: { ...process.env, LAUREL_DB: app.dsn, LAUREL_MAIL_MODE: 'file', LAUREL_MAIL_DIR: tempDir('laurel-mail-') }, encoding: 'utf8' });
  sql(`UPDATE outbox SET next_attempt = 'infinity' WHERE to_addr <> '${email}'`);
  ctl(['mail', '--once']);
  sql(`UPDATE outbox SET next_attempt = now() WHERE next_attempt = 'infinity' AND sent_at IS NULL AND attempts = 0`);
  const seen = (text) => text.toLowerCase().includes(email) || text.includes('Zelda') || text.includes('zelda.elsewhere')
    || text.toLowerCase().includes('vanishing');
  const dump = () => execFileSync('pg_dump', ['--no-owner', '--data-only', app.dsn], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.ok(seen(dump()), 'the dump had the person before');

  await c.page('/account');
  const res = await c.post('/account/delete', { password: PW });
  assert.equal(res.status, 200);
  const after = dump();
  const lines = after.split('\n').filter((l) => seen(l));
  assert.deepEqual(lines, [], 'nothing of the person is left');
  assert.match(ctl(['audit', 'verify']), /^audit: OK/);
});

test('laurelctl prune deletes expired sessions, used links, old counters and old mail, and keeps the rest', async () => {
  const c = await applicant(app, 'prune@example.org', '203.0.113.47');
  const uid = sql("SELECT id FROM users WHERE email = 'prune@example.org'");
  sql(`INSERT INTO sessions (token_hash, user_id, csrf, expires_at, ip, user_agent)
       VALUES ('old-session', ${uid}, 'x', now() - interval '1 minute', '198.51.100.1', 'Old Browser');
     INSERT INTO user_tokens (token_hash, user_id, purpose, expires_at) VALUES ('old-token', ${uid}, 'reset', now() - interval '1 minute');
     INSERT INTO user_tokens (token_hash, user_id, purpose, expires_at) VALUES ('live-token', ${uid}, 'reset', now() + interval '1 hour');
     INSERT INTO throttle (key, window_start, hits) VALUES ('login-ip:old', now() - interval '2 days', 3), ('login-ip:live', now(), 3);
     INSERT INTO outbox (to_addr, subject, body, created_at, sent_at) VALUES ('old@example.org', 'Old', '', now() - interval '8 days', now() - interval '8 days');
     INSERT INTO outbox (to_addr, subject, body, created_at) VALUES ('pending@example.org', 'Pending', 'x', now() - interval '8 days');`);
  const out = execFileSync(join(ROOT, 'build/laurelctl'), ['prune'], { env: { ...process.env, LAUREL_DB: app.dsn }, encoding: 'utf8' });
  assert.match(out, /^pruned \d+ session\(s\), \d+ link\(s\), \d+ throttle counter\(s\), \d+ message\(s\)\n$/);
  assert.equal(sql("SELECT count(*) FROM sessions WHERE token_hash = 'old-session'"), '0');
  assert.equal(sql("SELECT string_agg(token_hash, ',' ORDER BY token_hash) FROM user_tokens WHERE token_hash IN ('old-token', 'live-token')"), 'live-token');
  assert.equal(sql("SELECT string_agg(key, ',') FROM throttle WHERE key LIKE 'login-ip:%' AND key IN ('login-ip:old', 'login-ip:live')"), 'login-ip:live');
  assert.equal(sql("SELECT string_agg(subject, ',') FROM outbox WHERE to_addr IN ('old@example.org', 'pending@example.org')"), 'Pending');
  // The live session still works.
  assert.equal((await c.get('/applications')).status, 200);
  // The app's role may not call it.
  const r = (await import('node:child_process')).spawnSync('psql', [app.cluster.appDsn(app.db), '-Atqc', 'SELECT * FROM prune()'], { encoding: 'utf8' });
  assert.match(r.stderr, /permission denied/);
});
