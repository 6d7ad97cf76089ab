// Rounds: admins create and edit them; times are entered in the round's
// zone and stored as UTC; the phase is derived from the dates; the home
// page shows the open ones. Everyone else gets 404 (or the sign-in page).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startApp } from '../../lib/harness.mjs';

let app, admin, applicant;
const PW = 'lantern orbit cactus 42';
const sql = (q) => app.cluster.psql(q, app.db);

async function account(email, isAdmin) {
  const c = new Client(app, { ip: `203.0.113.${isAdmin ? 1 : 2}` });
  await c.page('/register');
  await c.post('/register', { display_name: email, email, password: PW });
  const link = new URL(sql(`SELECT body FROM outbox WHERE to_addr = '${email}'`).match(/http:\/\/\S+/)[0]);
  await c.get(link.pathname + link.search);
  if (isAdmin)
    sql(`UPDATE users SET is_admin = true WHERE email = '${email}'`);
  await c.page('/login');
  await c.post('/login', { email, password: PW });
  return c;
}

function local(offsetDays) {
  // A local wall-clock time in Europe/Brussels, offsetDays from now.
  const d = new Date(Date.now() + offsetDays * 86400000);
  const f = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Brussels', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
  return f.format(d).replace(' ', 'T');
}

function roundFields(over = {}) {
  return {
    title: '2026 Best Practice Recognition', slug: 'r2026',
    description: '# The call\n\nApply by the deadline. <script>alert(1)</script> [x](javascript:alert(2))',
    categories: 'IMPACT — Partnerships\nCULTURE: Patients',
    eligible_countries: 'AT BE de', timezone: 'Europe/Brussels',
    opens_at: local(-1), closes_at: local(30), reviews_due: local(60), embargo_until: '',
    reviews_per_application: '3', max_files: '5', max_file_mb: '20', blind_review: 'yes',
    ...over,
  };
}

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  admin = await account('chair@example.org', true);
  applicant = await account('ana@example.org', false);
});
after(async () => { await app.stop(); });

test('the new-round form starts with the defaults of the real call', async () => {
  const { res, html } = await admin.page('/admin/rounds/new');
  assert.equal(res.status, 200);
  assert.match(html, /IMPACT — Academia–business partnerships/);
  assert.match(html, /name="timezone"[^>]*value="Europe\/Brussels"/);
  const countries = html.match(/<textarea id="eligible_countries"[^>]*>([^<]*)</)[1].trim().split(' ');
  assert.equal(countries.length, 48);
  assert.ok(countries.includes('XK') && countries.includes('CH') && countries.includes('DE'));
});

test('an admin creates a round: UTC storage, rubric, categories, countries, audit', async () => {
  await admin.page('/admin/rounds/new');
  const res = await admin.post('/admin/rounds/new', roundFields({ opens_at: '2026-06-01T09:00', closes_at: '2026-06-30T17:00', reviews_due: '2026-08-01T12:00' }));
  assert.equal(res.status, 303, await res.clone().text());
  assert.equal(res.headers.get('location'), '/admin/rounds/r2026?saved=1');
  assert.equal(sql("SELECT to_char(closes_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM rounds WHERE slug = 'r2026'"), '2026-06-30 15:00', 'Brussels summer time is UTC+2');
  assert.equal(sql("SELECT count(*) FROM rubric_criteria k JOIN rounds r ON r.id = k.round_id WHERE r.slug = 'r2026'"), '7');
  assert.equal(sql("SELECT string_agg(code, ',' ORDER BY position) FROM round_categories"), 'IMPACT,CULTURE');
  assert.equal(sql("SELECT string_agg(code, ',' ORDER BY code) FROM round_countries"), 'AT,BE,DE');
  assert.equal(sql("SELECT blind_review FROM rounds WHERE slug = 'r2026'"), 't');
  assert.match(sql("SELECT action FROM audit WHERE action LIKE 'round.%'"), /round\.create/);

  const { html } = await admin.page('/admin/rounds/r2026?saved=1');
  assert.match(html, /The round has been saved/);
  assert.match(html, /name="closes_at" type="datetime-local" value="2026-06-30T17:00"/, 'shown again in the round\'s zone');
  assert.match(html, /C1 Lawful basis and purpose/);
  assert.match(html, /<td>≥ 3<\/td>/);
  assert.match(html, /<td>10<\/td>/, "weights print as numbers people read");
  assert.match(html, /phase--(draft|open|reviewing)/);
});

test('every mistake is named next to its field, the input kept', async () => {
  await admin.page('/admin/rounds/new');
  const res = await admin.post('/admin/rounds/new', roundFields({ slug: 'Bad Slug', title: '', opens_at: '2026-02-30T10:00', categories: 'lower case', eligible_countries: 'AUT', reviews_per_application: '0' }));
  assert.equal(res.status, 422);
  const html = await res.text();
  for (const m of [/Use lowercase letters/, /Enter the title/, /not a real date/, /capitals/, /two-letter country codes/, /outside the allowed range/])
    assert.match(html, m);
  assert.match(html, /value="Bad Slug"/);

  const order = await admin.post('/admin/rounds/new', roundFields({ slug: 'backwards', opens_at: '2026-06-30T10:00', closes_at: '2026-06-01T10:00', reviews_due: '' }));
  assert.equal(order.status, 422);
  assert.match(await order.text(), /The deadline must come after the opening/);
  const tz = await admin.post('/admin/rounds/new', roundFields({ slug: 'tz', timezone: 'Mars/Olympus' }));
  assert.match(await tz.text(), /Choose a time zone/);
  const cc = await admin.post('/admin/rounds/new', roundFields({ slug: 'cc', eligible_countries: 'AT QQ' }));
  assert.match(await cc.text(), /not ISO country codes: QQ/);
  const dup = await admin.post('/admin/rounds/new', roundFields());
  assert.equal(dup.status, 422);
  assert.match(await dup.text(), /Another round already uses this address/);
  assert.equal(sql('SELECT count(*) FROM rounds'), '1', 'nothing half-written');
});

test('editing a round is audited with before and after', async () => {
  await admin.page('/admin/rounds/r2026');
  const res = await admin.post('/admin/rounds/r2026', roundFields({ title: 'Renamed round', opens_at: '2026-06-01T09:00', closes_at: '2026-06-30T17:00', reviews_due: '' }));
  assert.equal(res.headers.get('location'), '/admin/rounds/r2026?saved=1');
  assert.equal(sql("SELECT before->>'title' || ' > ' || (after->>'title') FROM audit WHERE action = 'round.update'"), '2026 Best Practice Recognition > Renamed round');
});

test('the phase follows the dates', async () => {
  const phase = (slug) => sql(`SELECT round_phase(r) FROM rounds r WHERE slug = '${slug}'`);
  await admin.page('/admin/rounds/new');
  await admin.post('/admin/rounds/new', roundFields({ slug: 'open-now' }));
  assert.equal(phase('open-now'), 'open');
  await admin.post('/admin/rounds/new', roundFields({ slug: 'later', opens_at: local(10), closes_at: local(20), reviews_due: '' }));
  assert.equal(phase('later'), 'draft');
  await admin.post('/admin/rounds/new', roundFields({ slug: 'past', opens_at: local(-20), closes_at: local(-10), reviews_due: '' }));
  assert.equal(phase('past'), 'reviewing');
  sql("UPDATE rounds SET review_closed_at = now() WHERE slug = 'past'");
  assert.equal(phase('past'), 'deciding');
  sql("UPDATE rounds SET published_at = now() WHERE slug = 'past'");
  assert.equal(phase('past'), 'published');
  const { html } = await admin.page('/admin');
  assert.match(html, /phase--open/);
  assert.match(html, /phase--draft/);
  const locked = await admin.post('/admin/rounds/past', roundFields({ slug: 'past', title: 'Changed' }));
  assert.equal(locked.status, 422);
  assert.match(await locked.text(), /published round can no longer be changed/);
});

test('the home page shows the open round, its call text made safe', async () => {
  const html = await (await new Client(app).get('/')).text();
  assert.match(html, /Open for applications/);
  assert.match(html, /<h2 id="round-open-now">2026 Best Practice Recognition<\/h2>/);
  assert.match(html, /Deadline: .*\(Europe\/Brussels time\)/);
  assert.match(html, /<h3>The call<\/h3>/);
  assert.doesNotMatch(html, /<script>alert/);
  assert.doesNotMatch(html, /javascript:/);
  assert.match(html, /<h4>IMPACT<\/h4>/);
  assert.doesNotMatch(html, /round-later/, 'a draft round is not shown');
});

test('only admins see the round pages', async () => {
  for (const path of ['/admin/rounds/new', '/admin/rounds/r2026']) {
    assert.equal((await applicant.get(path)).status, 404, path);
    const anon = await new Client(app).get(path);
    assert.equal(anon.status, 303);
  }
  assert.equal((await admin.get('/admin/rounds/no-such-round')).status, 404);
  await applicant.page('/account');
  const post = await applicant.post('/admin/rounds/new', roundFields({ slug: 'sneaky' }));
  assert.equal(post.status, 404);
  assert.equal(sql("SELECT count(*) FROM rounds WHERE slug = 'sneaky'"), '0');
});
