// The audit trail (issue 14): /admin/audit for admins, its filters (actor,
// action prefix, round, application, dates in Europe/Brussels) one by one
// and together, newest first and paged, before/after shown escaped with
// their personal part, entries of an application hidden from a conflicted
// admin, and the hash chain's check: the same as `laurelctl audit verify`
// (core/auditchain.c), OK with its head and count, then the first broken
// entry once a row was changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startApp, Client, ROOT } from '../../lib/harness.mjs';
import { applicant, openRound } from '../../lib/apply.mjs';
import { admin } from '../../lib/panel.mjs';

let app, chair, vice, alice;
let chairId, viceId, round1, round2, appA, appB, appC;
const sql = (q) => app.cluster.psql(q, app.db);
const ids = (html) => [...html.matchAll(/<tr class="audit-entry" data-id="(\d+)">/g)].map((m) => Number(m[1]));
const idsOf = (where) => sql(`SELECT coalesce(string_agg(id::text, ',' ORDER BY id DESC), '') FROM audit WHERE ${where}`)
  .split(',').filter((s) => s !== '').map(Number);
const page = async (c, qs) => (await c.page(`/admin/audit${qs}`)).html;

function log(actor, action, subject, after = null) {
  sql(`SELECT audit_log(${actor ?? 'NULL'}, '${action}', '${subject}', '198.51.100.9', NULL,
    ${after ? `'${JSON.stringify(after).replace(/'/g, "''")}'::jsonb` : 'NULL'})`);
}

function newApp(roundSlug, owner, reference) {
  return Number(sql(`INSERT INTO applications (round_id, owner_id, state, reference)
    SELECT id, ${owner}, 'draft', '${reference}' FROM rounds WHERE slug = '${roundSlug}' RETURNING id`));
}

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app, 'chair@audit.example');
  vice = await admin(app, 'vice@audit.example');
  alice = await applicant(app, 'alice@audit.example', '203.0.113.51');
  chairId = Number(sql(`SELECT id FROM users WHERE email = 'chair@audit.example'`));
  viceId = Number(sql(`SELECT id FROM users WHERE email = 'vice@audit.example'`));
  const aliceId = Number(sql(`SELECT id FROM users WHERE email = 'alice@audit.example'`));
  openRound(app, 'audit-one');
  openRound(app, 'audit-two');
  round1 = Number(sql(`SELECT id FROM rounds WHERE slug = 'audit-one'`));
  round2 = Number(sql(`SELECT id FROM rounds WHERE slug = 'audit-two'`));
  appA = newApp('audit-one', aliceId, 'AUD-2026-0001');
  appB = newApp('audit-two', aliceId, 'AUD-2026-0002');
  appC = newApp('audit-one', viceId, 'AUD-2026-0003');	// vice is conflicted

  log(chairId, 'decision.save', `round:${round1}`, { note: '<script>alert(1)</script>' });
  log(chairId, 'decision.publish', `round:${round2}`);
  log(viceId, 'conflict.add', `application:${appA}`, { user: 5, reason: 'Same lab' });
  log(viceId, 'decision.citation', `application:${appB}`);
  log(chairId, 'conflict.add', `application:${appC}`, { reason: 'Owner' });
  log(chairId, 'user.email', `user:${aliceId}`, { email: 'alice.new@audit.example' });
  // An old entry: 23:30 UTC on 15 January is 00:30 on the 16th in Brussels.
  sql(`INSERT INTO audit (at, actor_id, action, subject, ip, prev_hash, hash)
    VALUES ('2026-01-15 23:30:00+00', ${viceId}, 'decision.old', 'round:${round1}', '', '', '')`);
});

after(async () => { await app.stop(); });

test('only admins see the audit trail: anonymous to /login, others 404', async () => {
  const anon = await new Client(app).get('/admin/audit');
  assert.equal(anon.status, 303);
  assert.match(anon.headers.get('location'), /^\/login/);
  assert.equal((await alice.get('/admin/audit')).status, 404);
  assert.equal((await alice.get('/admin/audit?actor=1')).status, 404);
  assert.equal((await chair.get('/admin/audit')).status, 200);
  assert.equal((await chair.post('/admin/audit', {})).status, 405);
});

test('newest first, before/after escaped, the personal part shown', async () => {
  const html = await page(chair, '');
  const shown = ids(html);
  assert.deepEqual(shown, [...shown].sort((a, b) => b - a));
  assert.equal(shown[0], Number(sql('SELECT max(id) FROM audit')));
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(html, /<script>alert/);
  // The chained entry keeps "(personal)"; the page shows the value.
  assert.equal(sql(`SELECT after->>'email' FROM audit WHERE action = 'user.email'`), '(personal)');
  assert.match(html, /alice\.new@audit\.example/);
  assert.match(html, /"reason": &quot;Same lab&quot;|&quot;reason&quot;: &quot;Same lab&quot;/);
});

test('each filter, and filters together', async () => {
  // Actor, by e-mail or id.
  assert.deepEqual(ids(await page(chair, '?actor=vice%40audit.example')), idsOf(`actor_id = ${viceId}`));
  assert.deepEqual(ids(await page(chair, `?actor=${viceId}`)), idsOf(`actor_id = ${viceId}`));
  assert.deepEqual(ids(await page(chair, '?actor=nobody%40audit.example')), []);
  // Action, a prefix (not a pattern).
  const decisions = ids(await page(chair, '?action=decision.'));
  assert.deepEqual(decisions, idsOf(`action LIKE 'decision.%'`));
  assert.equal(decisions.length, 4);
  assert.deepEqual(ids(await page(chair, '?action=decision_')), []);
  // Round: the round and its applications.
  assert.deepEqual(ids(await page(chair, '?round=audit-one')),
    idsOf(`subject IN ('round:${round1}', 'application:${appA}', 'application:${appC}')`));
  assert.deepEqual(ids(await page(chair, '?round=no-such-round')), []);
  // Application, by id or reference.
  const a = idsOf(`subject = 'application:${appA}'`);
  assert.equal(a.length, 1);
  assert.deepEqual(ids(await page(chair, `?application=${appA}`)), a);
  assert.deepEqual(ids(await page(chair, '?application=AUD-2026-0001')), a);
  // Dates, in Brussels.
  const old = idsOf(`action = 'decision.old'`);
  assert.deepEqual(ids(await page(chair, '?from=2026-01-16&to=2026-01-16')), old);
  assert.deepEqual(ids(await page(chair, '?from=2026-01-01&to=2026-01-15')), []);
  assert.ok(!ids(await page(chair, '?from=2026-01-17')).includes(old[0]));
  assert.match(await page(chair, '?from=16%2F01%2F2026'), /not of the form YYYY-MM-DD/);
  // Together.
  assert.deepEqual(ids(await page(chair, `?actor=${viceId}&action=decision.&round=audit-one`)), old);
  assert.deepEqual(ids(await page(chair, `?actor=${chairId}&action=conflict.&round=audit-one`)),
    idsOf(`subject = 'application:${appC}'`));
  assert.deepEqual(ids(await page(chair, `?actor=${chairId}&application=${appA}`)), []);
  // The filters are kept in the form.
  assert.match(await page(chair, '?action=decision.'), /name="action" type="text" value="decision\."/);
  // An entry without an actor never shows the filter's.
  log(null, 'system.tick', '');
  assert.match(await page(chair, `?actor=&action=system.`), /<td>system</);
});

test('a conflicted admin sees nothing of that application', async () => {
  const all = ids(await page(vice, ''));
  const c = idsOf(`subject = 'application:${appC}'`);
  assert.equal(c.length, 1);
  assert.ok(!all.includes(c[0]));
  assert.deepEqual(ids(await page(vice, `?application=${appC}`)), []);
  assert.deepEqual(ids(await page(chair, `?application=${appC}`)), c);
});

test('paged, 50 a page', async () => {
  sql(`SELECT audit_log(${chairId}, 'bulk.entry', 'round:${round2}', '', NULL, NULL) FROM generate_series(1, 60)`);
  const all = idsOf(`action = 'bulk.entry'`);
  let html = await page(chair, '?action=bulk.');
  assert.deepEqual(ids(html), all.slice(0, 50));
  assert.match(html, /<input type="hidden" name="action" value="bulk\.">/);
  assert.match(html, /name="page" value="2">Older entries/);
  html = await page(chair, '?action=bulk.&page=2');
  assert.deepEqual(ids(html), all.slice(50));
  assert.doesNotMatch(html, /Older entries/);
  assert.match(html, /name="page" value="1">Newer entries/);
});

test('the chain verifies, then shows the first broken entry', async () => {
  let html = await page(chair, '');
  const count = sql('SELECT count(*) FROM audit');
  const head = sql('SELECT hash FROM audit ORDER BY id DESC LIMIT 1');
  assert.match(html, new RegExp(`The chain verifies: ${count} entries, head <code id="chain-head">${head}</code>`));

  // The same answer as laurelctl.
  const ctl = execFileSync(join(ROOT, 'build/laurelctl'), ['audit', 'verify'], {
    env: { ...process.env, LAUREL_OWNER_DB: '', LAUREL_DB: app.dsn }, encoding: 'utf8',
  });
  assert.match(ctl, new RegExp(`OK, ${count} entries, chain head ${head}`));

  const target = idsOf(`action = 'conflict.add'`).at(-1);
  sql(`ALTER TABLE audit DISABLE TRIGGER audit_append_only;
    UPDATE audit SET action = 'conflict.remove' WHERE id = ${target};
    ALTER TABLE audit ENABLE TRIGGER audit_append_only`);
  html = await page(chair, '');
  assert.match(html, new RegExp(`The chain is broken at entry <strong id="chain-broken">${target}</strong>: its hash does not match`));
  assert.doesNotMatch(html, /The chain verifies/);
  assert.match(html, new RegExp(`${target - 1} entries verify before it`));
});
