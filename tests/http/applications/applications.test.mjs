// The applicant journey over HTTP: drafts, versions, checks, submit and
// receipt, editing after submit, conflicts, autosave, the deadline on
// the database clock, withdrawal, and 404 for everybody else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { applicant, openRound, setCloses, fullForm, saveForm, apply, formBody, fingerprint } from '../../lib/apply.mjs';

let app, ana, ben;
const sql = (q) => app.cluster.psql(q, app.db);
const ISSUE_FIELDS = ['title', 'category', 'organisation_name', 'country', 'organisation_type', 'contact_name',
  'contact_email', 'partner_name', 'partner_country', 'partner_role', 'summary', 'problem', 'approach', 'stage',
  'reach', 'data_sources', 'legal_basis', 'consent_transparency', 'minimisation', 'security_access',
  'public_involvement', 'fairness_bias', 'fair_reuse', 'outcomes', 'transferability', 'declare_accurate',
  'declare_privacy', 'declare_publish', 'csrf_token'];

before(async () => {
  app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  openRound(app, 'open-round');
  ana = await applicant(app, 'ana@example.org', '203.0.113.21');
  ben = await applicant(app, 'ben@example.org', '203.0.113.22');
});
after(async () => { await app.stop(); });

test('apply makes a draft and the list shows it', async () => {
  const id = await apply(ana, 'open-round');
  const { res, html } = await ana.page('/applications');
  assert.equal(res.status, 200);
  assert.match(html, new RegExp(`href="/applications/${id}"`));
  assert.match(html, /Untitled application/);
  assert.match(html, /state--draft/);
  assert.equal(sql(`SELECT state || ':' || version FROM applications WHERE id = ${id}`), 'draft:0');
});

test('the form has every field of the contract, in sections, with limits', async () => {
  const id = await apply(ana, 'open-round');
  const { res, html } = await ana.page(`/applications/${id}`);
  assert.equal(res.status, 200);
  for (const f of ISSUE_FIELDS)
    assert.match(html, new RegExp(`name="${f}"`), f);
  assert.match(html, /Up to 300 words/);
  assert.match(html, /Up to 500 words/);
  assert.match(html, /Up to 200 characters/);
  assert.match(html, /data-autosave="on"/);
  for (const s of ['About the practice', 'Your organisation', 'Partner organisations', 'Responsible use of health data', 'Declarations'])
    assert.match(html, new RegExp(s));
});

// Each worker keeps the country list from its first form page
// (web/countries.c): every later page, on either worker, still has it,
// with the applicant's own country selected and nobody else's.
test('the country selects stay whole and right on every view, across workers', async () => {
  // Applicants of their own: ana and ben fill the round's limit of ten.
  const cara = await applicant(app, 'cara@example.org', '203.0.113.23');
  const dan = await applicant(app, 'dan@example.org', '203.0.113.24');
  const id = await apply(cara, 'open-round');
  assert.equal((await saveForm(cara, id, fullForm({ country: 'BE' }))).status, 303);
  const other = await apply(dan, 'open-round');
  assert.equal((await saveForm(dan, other, fullForm({ country: 'AT' }))).status, 303);
  const total = Number(sql('SELECT count(*) FROM countries'));
  for (let i = 0; i < 6; i++) {
    const { html } = await cara.page(`/applications/${id}`);
    const select = html.match(/<select[^>]*name="country"[^>]*>([\s\S]*?)<\/select>/)[1];
    assert.equal((select.match(/<option value="[A-Z]{2}"/g) || []).length, total, `view ${i + 1}`);
    assert.match(select, /<option value="BE" selected>/);
    assert.equal((select.match(/ selected>/g) || []).length, 1);
    const theirs = (await dan.page(`/applications/${other}`)).html.match(/<select[^>]*name="country"[^>]*>([\s\S]*?)<\/select>/)[1];
    assert.match(theirs, /<option value="AT" selected>/);
    assert.equal((theirs.match(/ selected>/g) || []).length, 1);
  }
});

test('a draft saves with required fields empty; every save is a version', async () => {
  const id = await apply(ana, 'open-round');
  let res = await saveForm(ana, id, { title: 'First idea' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `/applications/${id}?saved=1`);
  res = await saveForm(ana, id, { title: 'Second idea', summary: 'Line one\r\nline two' });
  assert.equal(res.status, 303);
  assert.equal(sql(`SELECT count(*) FROM application_versions WHERE application_id = ${id} AND version > 0`), '2');
  // CRLF from the browser is stored as LF.
  assert.equal(sql(`SELECT content->>'summary' = E'Line one\\nline two' FROM application_versions WHERE application_id = ${id} AND version = 2`), 't');
  const { html } = await ana.page(`/applications/${id}`);
  assert.match(html, /value="Second idea"/);
  assert.match(html, new RegExp(`href="/applications/${id}\\?version=1"`));
  const old = await ana.page(`/applications/${id}?version=1`);
  assert.match(old.html, /You are looking at version 1/);
  assert.match(old.html, /First idea/);
  assert.doesNotMatch(old.html, /id="application-form"/);
});

test('submit lists every problem, keeps the input, and changes nothing', async () => {
  const id = await apply(ana, 'open-round');
  const long = Array.from({ length: 301 }, () => 'w').join(' ');
  const res = await saveForm(ana, id, { title: 'Kept <b>title</b>', summary: long, country: 'US', contact_email: 'not-an-address' }, { action: 'submit' });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(html, /class="error-summary"/);
  assert.match(html, /href="#summary"/);
  assert.match(html, /Use at most 300 words \(you have 301\)/);
  assert.match(html, /Eligible: AT, BE, DE, FR, NL/);
  assert.match(html, /href="#declare_accurate"/);
  assert.match(html, /id="contact_email-error"/);
  assert.match(html, /value="Kept &lt;b&gt;title&lt;\/b&gt;"/);
  assert.match(html, /<option value="US" selected>/);
  assert.equal(sql(`SELECT state || ':' || version FROM applications WHERE id = ${id}`), 'draft:0');
});

test('submit gives one receipt: reference, fingerprint, e-mail, audit; a repeat gives the same', async () => {
  const id = await apply(ana, 'open-round');
  const fields = fullForm({ partner_name: ['Uni A', '', 'SME B'], partner_country: ['BE', '', 'US'], partner_role: ['Analysis', '', 'Software'] });
  let res = await saveForm(ana, id, fields, { action: 'submit' });
  assert.equal(res.status, 303, await res.clone().text());
  assert.equal(res.headers.get('location'), `/applications/${id}?receipt=1#receipt`);
  const [state, ref, fp] = sql(`SELECT state, reference, fingerprint FROM applications WHERE id = ${id}`).split('|');
  assert.equal(state, 'submitted');
  assert.match(ref, /^BPR-\d{4}-\d{4}$/);
  const content = JSON.parse(sql(`SELECT content FROM application_versions v JOIN applications a ON a.id = v.application_id AND a.version = v.version WHERE a.id = ${id}`));
  assert.equal(content.partners.length, 2);
  assert.equal(fp, fingerprint(content, []));

  const { html } = await ana.page(`/applications/${id}`);
  assert.match(html, new RegExp(ref));
  assert.match(html, new RegExp(fp));
  // Submitted: saved only when asked (each save is a receipt), with a
  // warning before leaving unsaved changes instead of autosave.
  assert.doesNotMatch(html, /data-autosave/);
  assert.match(html, /data-confirm-leave="on"/);
  assert.match(html, /Europe\/Brussels time/);
  const mail = sql(`SELECT subject || '|' || body FROM outbox WHERE to_addr = 'ana@example.org' AND subject LIKE 'Receipt%' ORDER BY id DESC LIMIT 1`);
  assert.match(mail, new RegExp(`Receipt ${ref}`));
  assert.match(mail, new RegExp(fp));
  assert.equal(sql(`SELECT count(*) FROM audit WHERE action = 'application.submit' AND subject = 'application:${id}'`), '1');

  // Double click: the same form again (its version is now stale).
  const v = Number(sql(`SELECT version FROM applications WHERE id = ${id}`)) - 1;
  res = await saveForm(ana, id, fields, { action: 'submit', version: String(v) });
  assert.equal(res.status, 303);
  assert.equal(sql(`SELECT count(*) FROM application_receipts WHERE application_id = ${id}`), '1');
  assert.equal(sql(`SELECT reference FROM applications WHERE id = ${id}`), ref);
});

test("the reference has the round's year, wherever its deadline moves", async () => {
  openRound(app, 'year-round');
  const a = await apply(ana, 'year-round');
  assert.equal((await saveForm(ana, a, fullForm(), { action: 'submit' })).status, 303);
  // The deadline moved into another year: the round's references keep
  // the year it opened, and its numbering.
  sql(`UPDATE rounds SET closes_at = '2999-01-01 12:00+00' WHERE slug = 'year-round'`);
  const b = await apply(ana, 'year-round');
  assert.equal((await saveForm(ana, b, fullForm(), { action: 'submit' })).status, 303);
  const year = sql(`SELECT extract(year FROM opens_at AT TIME ZONE timezone) FROM rounds WHERE slug = 'year-round'`);
  const refs = sql(`SELECT reference FROM applications WHERE id IN (${a}, ${b}) ORDER BY id`).split('\n');
  assert.equal(refs.length, 2);
  for (const ref of refs)
    assert.match(ref, new RegExp(`^BPR-${year}-\\d{4}$`));
  assert.equal(Number(refs[1].slice(-4)), Number(refs[0].slice(-4)) + 1);
});

test('a submitted application may change until the deadline, and stays complete', async () => {
  const id = await apply(ana, 'open-round');
  await saveForm(ana, id, fullForm(), { action: 'submit' });
  const [ref, fp1] = sql(`SELECT reference, fingerprint FROM applications WHERE id = ${id}`).split('|');
  let res = await saveForm(ana, id, fullForm({ title: 'Renamed practice' }));
  assert.equal(res.status, 303);
  const [state, ref2, fp2] = sql(`SELECT state, reference, fingerprint FROM applications WHERE id = ${id}`).split('|');
  assert.equal(state, 'submitted');
  assert.equal(ref2, ref);
  assert.notEqual(fp2, fp1);
  assert.equal(sql(`SELECT count(*) FROM outbox WHERE subject LIKE 'Receipt ${ref}%'`), '2');
  // Emptying a required field is refused: a submitted application stays complete.
  res = await saveForm(ana, id, fullForm({ title: '' }));
  assert.equal(res.status, 422);
  assert.equal(sql(`SELECT fingerprint FROM applications WHERE id = ${id}`), fp2);
});

test('two tabs: the later save is refused, nothing is overwritten, the text is kept', async () => {
  const id = await apply(ana, 'open-round');
  await saveForm(ana, id, { title: 'Base' });
  const { html } = await ana.page(`/applications/${id}`);
  const v = html.match(/name="version" value="(\d+)"/)[1];
  let res = await saveForm(ana, id, { title: 'Tab one' }, { version: v });
  assert.equal(res.status, 303);
  res = await saveForm(ana, id, { title: 'Tab two' }, { version: v });
  assert.equal(res.status, 409);
  const page = await res.text();
  assert.match(page, /saved elsewhere/);
  assert.match(page, /value="Tab two"/);
  assert.equal(sql(`SELECT v.content->>'title' FROM application_versions v JOIN applications a ON a.id = v.application_id AND a.version = v.version WHERE a.id = ${id}`), 'Tab one');
  // The page now carries the latest version: saving again is deliberate.
  const again = page.match(/name="version" value="(\d+)"/)[1];
  res = await saveForm(ana, id, { title: 'Tab two' }, { version: again });
  assert.equal(res.status, 303);
});

test('autosave answers JSON, makes no version when nothing changed, and reports conflicts', async () => {
  const id = await apply(ana, 'open-round');
  const { html } = await ana.page(`/applications/${id}`);
  const v0 = html.match(/name="version" value="(\d+)"/)[1];
  let res = await saveForm(ana, id, { title: 'Autosaved' }, { action: 'autosave', version: v0 });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /application\/json/);
  const body = await res.json();
  assert.equal(body.ok, true);
  res = await saveForm(ana, id, { title: 'Autosaved' }, { action: 'autosave', version: String(body.version) });
  assert.equal((await res.json()).version, body.version);
  assert.equal(sql(`SELECT count(*) FROM application_versions WHERE application_id = ${id} AND kind = 'autosave'`), '1');
  res = await saveForm(ana, id, { title: 'Stale tab' }, { action: 'autosave', version: v0 });
  assert.equal(res.status, 409);
  const c = await res.json();
  assert.equal(c.ok, false);
  assert.equal(c.conflict, true);
});

test('the deadline holds to the second, on the database clock', async () => {
  openRound(app, 'tight-round');
  const id = await apply(ana, 'tight-round');
  setCloses(app, 'tight-round', 2);
  const { html } = await ana.page(`/applications/${id}`);
  const v = html.match(/name="version" value="(\d+)"/)[1];
  await new Promise((r) => setTimeout(r, 2100));
  const res = await saveForm(ana, id, fullForm(), { action: 'submit', version: v });
  assert.equal(res.status, 409);
  assert.match(await res.text(), /The deadline has passed: nothing was changed/);
  assert.equal(sql(`SELECT state || ':' || version FROM applications WHERE id = ${id}`), 'draft:0');
  const page = await ana.page(`/applications/${id}`);
  assert.match(page.html, /The deadline has passed/);
  assert.doesNotMatch(page.html, /id="application-form"/);
  // Withdrawal still works, with confirmation.
  let w = await ana.post(`/applications/${id}/withdraw`, {});
  assert.equal(w.status, 303);
  assert.match(w.headers.get('location'), /withdraw=confirm/);
  assert.equal(sql(`SELECT state FROM applications WHERE id = ${id}`), 'draft');
  w = await ana.post(`/applications/${id}/withdraw`, { confirm: 'yes' });
  assert.equal(w.status, 303);
  assert.equal(sql(`SELECT state FROM applications WHERE id = ${id}`), 'withdrawn');
  assert.match((await ana.page(`/applications/${id}`)).html, /This application was withdrawn/);
});

test("someone else's application is 404 everywhere, and changes nothing", async () => {
  const id = await apply(ana, 'open-round');
  await saveForm(ana, id, { title: 'Private' });
  await ben.page('/applications');
  for (const path of [`/applications/${id}`, `/applications/${id}?version=1`, `/applications/999999`])
    assert.equal((await ben.get(path)).status, 404, path);
  let res = await ben.post(`/applications/${id}`, null, { raw: formBody({ csrf_token: ben.csrf, version: '1', action: 'save', title: 'Hijack' }) });
  assert.equal(res.status, 404);
  res = await ben.post(`/applications/${id}/withdraw`, { confirm: 'yes' });
  assert.equal(res.status, 404);
  assert.equal(sql(`SELECT state || ':' || version FROM applications WHERE id = ${id}`), 'draft:1');
  assert.doesNotMatch((await ben.page('/applications')).html, /Private/);
});

test('hostile input gets a clear message and changes nothing', async () => {
  const id = await apply(ana, 'open-round');
  await ana.page(`/applications/${id}`);
  // Invalid UTF-8.
  let res = await ana.post(`/applications/${id}`, null, { raw: `csrf_token=${ana.csrf}&version=0&action=save&title=%FF%FE` });
  assert.equal(res.status, 400);
  // A version that is not a number.
  res = await ana.post(`/applications/${id}`, null, { raw: formBody({ csrf_token: ana.csrf, version: 'x', action: 'save' }) });
  assert.equal(res.status, 400);
  // A choice that is not one.
  res = await saveForm(ana, id, { organisation_type: 'castle', stage: 'ready' });
  assert.equal(res.status, 422);
  assert.match(await res.text(), /Choose one of: Hospital/);
  // Control characters in a one-line field.
  res = await saveForm(ana, id, { title: 'a\u0001b' });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /control character/i);
  // Over a limit: named, with the count.
  res = await saveForm(ana, id, { title: 'x'.repeat(201) });
  assert.equal(res.status, 422);
  assert.match(await res.text(), /Use at most 200 characters \(you have 201\)/);
  // Without the CSRF token: 403.
  res = await ana.post(`/applications/${id}`, null, { raw: formBody({ version: '0', action: 'save', title: 'x' }) });
  assert.equal(res.status, 403);
  // A round that does not exist, or is not open.
  res = await ana.post('/rounds/no-such-round/apply', {});
  assert.equal(res.status, 404);
  assert.equal(sql(`SELECT version FROM applications WHERE id = ${id}`), '0');
});

test('versions are immutable: the app role can neither change nor delete one', async () => {
  // ana has her ten drafts in this round by now (the limit): ben applies.
  const id = await apply(ben, 'open-round');
  await saveForm(ben, id, { title: 'Kept forever' });
  const { spawnSync } = await import('node:child_process');
  for (const q of [`UPDATE application_versions SET content = '{}' WHERE application_id = ${id}`,
    `DELETE FROM application_versions WHERE application_id = ${id}`]) {
    const r = spawnSync('psql', [app.cluster.appDsn(app.db), '-Atqc', q], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, q);
    assert.match(r.stderr, /permission denied/);
  }
  assert.equal(sql(`SELECT content->>'title' FROM application_versions WHERE application_id = ${id} AND version = 1`), 'Kept forever');
});

test('an applicant has at most ten applications in a round', async () => {
  let res;
  for (let i = 0; i < 11; i++) {
    await ana.page('/applications');
    res = await ana.post('/rounds/open-round/apply', {});
    if (res.status !== 303)
      break;
  }
  assert.equal(res.status, 409);
  assert.match(await res.text(), /You already have ten applications in this round/);
  assert.equal(sql(`SELECT count(*) FROM applications a JOIN users u ON u.id = a.owner_id JOIN rounds r ON r.id = a.round_id
    WHERE u.email = 'ana@example.org' AND r.slug = 'open-round' AND a.state <> 'withdrawn'`), '10');
});

test('the ten-application cap holds for applies sent at once, and withdrawn ones count', async () => {
  openRound(app, 'cap-round');
  const cal = await applicant(app, 'cal@example.org');
  await cal.page('/applications');
  const answers = await Promise.all(Array.from({ length: 30 }, () => cal.post('/rounds/cap-round/apply', {})));
  const statuses = answers.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 303).length, 10, JSON.stringify(statuses));
  assert.equal(statuses.filter((s) => s === 409).length, 20, JSON.stringify(statuses));
  const count = () => sql(`SELECT count(*) FROM applications a JOIN users u ON u.id = a.owner_id
    JOIN rounds r ON r.id = a.round_id WHERE u.email = 'cal@example.org' AND r.slug = 'cap-round'`);
  assert.equal(count(), '10');
  // Withdrawing one does not make room for another.
  const id = sql(`SELECT min(a.id) FROM applications a JOIN users u ON u.id = a.owner_id WHERE u.email = 'cal@example.org'`);
  await cal.page(`/applications/${id}`);
  assert.equal((await cal.post(`/applications/${id}/withdraw`, { confirm: 'yes' })).status, 303);
  assert.equal(sql(`SELECT state FROM applications WHERE id = ${id}`), 'withdrawn');
  await cal.page('/applications');
  const res = await cal.post('/rounds/cap-round/apply', {});
  assert.equal(res.status, 409);
  assert.match(await res.text(), /withdrawn ones count too/);
  assert.equal(count(), '10');
});

test('a round not yet open is not found, like one that does not exist', async () => {
  openRound(app, 'future-round');
  sql(`UPDATE rounds SET opens_at = now() + interval '10 days', closes_at = now() + interval '20 days' WHERE slug = 'future-round'`);
  await ben.page('/applications');
  const draft = await ben.post('/rounds/future-round/apply', {});
  const unknown = await ben.post('/rounds/no-such-round-at-all/apply', {});
  assert.equal(draft.status, 404);
  assert.equal(unknown.status, 404);
  assert.equal(await draft.text(), await unknown.text());
  assert.equal(sql(`SELECT count(*) FROM applications a JOIN rounds r ON r.id = a.round_id WHERE r.slug = 'future-round'`), '0');
  // A round past its deadline was announced: it says so.
  sql(`UPDATE rounds SET opens_at = now() - interval '20 days', closes_at = now() - interval '1 day' WHERE slug = 'future-round'`);
  const closed = await ben.post('/rounds/future-round/apply', {});
  assert.equal(closed.status, 409);
});
