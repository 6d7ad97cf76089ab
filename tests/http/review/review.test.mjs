// The reviewer's pages: the list of assignments, the conflict of interest
// check before anything of an application shows, the application read
// only, its documents (blind rounds: no names, no metadata), a declared
// conflict, and 404 for everyone the assignment is not for. The panel is
// set up straight in SQL (the admin pages are tested on their own).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startApp } from '../../lib/harness.mjs';
import { applicant, openRound, fullForm, saveForm, apply, upload } from '../../lib/apply.mjs';

let app, ana, rita, rob, nora;
const sql = (q) => app.cluster.psql(q, app.db);
const ids = {};

// What the blind round must never show a reviewer.
const NAMES = ['Hospital Zeta', 'Zoe Contactperson', 'zoe.contact@zeta-hospital.example',
  'Quokka University', 'Wombat Labs', 'Zeta annual report'];
const SUMMARY = 'Kestrelsummary';
// What the document's /Info and XMP say about who made it.
const METADATA = ['AuthorNameWalrus', 'ProducerToolNarwhal', 'InfoTitleOcelot', 'CreatorAppPangolin',
  'XmpCreatorZebra'];

// A one-page PDF with document information and an XMP packet.
function pdfWithInfo(text) {
  const content = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET\n`;
  const xmp = '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">' +
    '<dc:creator>XmpCreatorZebra</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>' +
    '<?xpacket end="w"?>\n';
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
    `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}endstream`,
    '<< /Author (AuthorNameWalrus) /Producer (ProducerToolNarwhal 7.1) /Title (InfoTitleOcelot) ' +
      '/Creator (CreatorAppPangolin) >>',
    `<< /Type /Metadata /Subtype /XML /Length ${Buffer.byteLength(xmp)} >>\nstream\n${xmp}endstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets)
    out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// Ana's submitted application in slug, with one document; its ids.
async function submitted(slug, title, doc) {
  const id = await apply(ana, slug);
  let res = await upload(ana, id, doc, 'Zeta annual report.pdf');
  assert.equal(res.status, 303, await res.clone().text());
  res = await saveForm(ana, id, fullForm({
    title, organisation_name: 'Hospital Zeta', contact_name: 'Zoe Contactperson',
    contact_email: 'zoe.contact@zeta-hospital.example', summary: `${SUMMARY} links oncology data across sites.`,
    partner_name: ['Quokka University', 'Wombat Labs'], partner_country: ['BE', 'NL'],
    partner_role: ['Analysis', 'Software'],
  }), { action: 'submit' });
  assert.equal(res.status, 303, await res.clone().text());
  const [reference, fid] = sql(`SELECT a.reference, f.id FROM applications a
    JOIN application_files f ON f.application_id = a.id WHERE a.id = ${id}`).split('|');
  return { id, reference, fid: Number(fid), doc };
}

function member(slug, c) {
  sql(`INSERT INTO panel_members (round_id, user_id) SELECT r.id, u.id FROM rounds r, users u
    WHERE r.slug = '${slug}' AND u.email = '${c.email}'`);
}

function assign(slug, appId, c) {
  return Number(sql(`INSERT INTO assignments (round_id, application_id, user_id, source)
    SELECT r.id, ${appId}, u.id, 'manual' FROM rounds r, users u
    WHERE r.slug = '${slug}' AND u.email = '${c.email}' RETURNING id`));
}

before(async () => {
  app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  ana = await applicant(app, 'ana@example.org', '203.0.113.41');
  rita = await applicant(app, 'rita@reviewers.example', '203.0.113.42');
  rob = await applicant(app, 'rob@reviewers.example', '203.0.113.43');
  nora = await applicant(app, 'nora@reviewers.example', '203.0.113.44');

  openRound(app, 'open-rev');
  openRound(app, 'blind-rev');
  sql("UPDATE rounds SET blind_review = true WHERE slug = 'blind-rev'");
  sql("UPDATE rounds SET reviews_due = closes_at + interval '30 days' WHERE slug = 'open-rev'");

  ids.open = await submitted('open-rev', 'Kestrel registry', pdfWithInfo('Open body text'));
  ids.blind = await submitted('blind-rev', 'Heron practice', pdfWithInfo('Blind body text'));
  for (const slug of ['open-rev', 'blind-rev']) {
    member(slug, rita);
    member(slug, rob);
  }
  ids.aOpen = assign('open-rev', ids.open.id, rita);
  ids.aBlind = assign('blind-rev', ids.blind.id, rita);
  ids.aRob = assign('open-rev', ids.open.id, rob);
});
after(async () => { await app.stop(); });

test('the list shows each assignment; in a blind round the reference alone', async () => {
  const { res, html } = await rita.page('/review');
  assert.equal(res.status, 200);
  assert.match(html, new RegExp(`<a href="/review/${ids.aOpen}"><code>${ids.open.reference}</code> Kestrel registry</a>`));
  assert.match(html, /<td>IMPACT<\/td>/);
  assert.match(html, /<td>Round open-rev<\/td>/);
  assert.match(html, /\(Europe\/Brussels\)/, 'the deadline, in the round\'s zone');
  assert.match(html, /<td>conflict check<\/td>/);
  assert.match(html, new RegExp(`<a href="/review/${ids.aBlind}"><code>${ids.blind.reference}</code></a>`));
  assert.doesNotMatch(html, /Heron/, 'no title of a blind round anywhere');
  assert.match(html, /Not set yet/, 'the blind round has no deadline for reviews');
  assert.match(html, /href="\/account\/affiliations"/);

  const empty = await nora.page('/review');
  assert.equal(empty.res.status, 200);
  assert.match(empty.html, /You have no assignments yet/);
  assert.doesNotMatch(empty.html, /<table/);
});

test('before the conflict check: the reference and title only, and no documents', async () => {
  const { res, html } = await rita.page(`/review/${ids.aOpen}`);
  assert.equal(res.status, 200);
  assert.match(html, new RegExp(ids.open.reference));
  assert.match(html, /Kestrel registry/);
  assert.match(html, /I have no conflict of interest with this application/);
  assert.match(html, new RegExp(`action="/review/${ids.aOpen}/conflict"`));
  assert.match(html, /financial interest/);
  assert.doesNotMatch(html, new RegExp(SUMMARY));
  for (const name of NAMES)
    assert.ok(!html.includes(name), `${name} shows before the check`);
  assert.doesNotMatch(html, /\/files\//);
  assert.equal((await rita.get(`/review/${ids.aOpen}/files/${ids.open.fid}`)).status, 404);

  const blind = await rita.page(`/review/${ids.aBlind}`);
  assert.equal(blind.res.status, 200);
  assert.match(blind.html, new RegExp(ids.blind.reference));
  assert.doesNotMatch(blind.html, /Heron/);
});

test('POSTs without a valid CSRF token are refused with 403 and change nothing', async () => {
  await rita.page(`/review/${ids.aOpen}`);
  const state = () => sql(`SELECT concat_ws('/', (SELECT count(*) FROM conflicts),
    (SELECT count(*) FROM assignments WHERE confirmed_at IS NOT NULL OR ended_at IS NOT NULL),
    (SELECT count(*) FROM audit))`);
  const was = state();
  for (const path of [`/review/${ids.aOpen}`, `/review/${ids.aOpen}/conflict`]) {
    const fields = { action: 'confirm', reason: 'A reason' };
    assert.equal((await rita.post(path, fields, { csrf: false })).status, 403, path);
    assert.equal((await rita.post(path, { ...fields, csrf_token: 'B'.repeat(43) }, { csrf: false })).status, 403, path);
  }
  assert.equal(state(), was);
});

test('an action the page does not know is refused with a message', async () => {
  await rita.page(`/review/${ids.aOpen}`);
  const res = await rita.post(`/review/${ids.aOpen}`, { action: 'submit' });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /Answer the conflict of interest check first/);
  assert.equal(sql(`SELECT confirmed_at IS NULL FROM assignments WHERE id = ${ids.aOpen}`), 't');
  const other = await rita.post(`/review/${ids.aOpen}`, { action: 'drop' });
  assert.equal(other.status, 400);
  assert.match(await other.text(), /use its buttons/);
});

test('confirming no conflict opens the application, read only, and is audited', async () => {
  await rita.page(`/review/${ids.aOpen}`);
  const res = await rita.post(`/review/${ids.aOpen}`, { action: 'confirm' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `/review/${ids.aOpen}`);
  assert.equal(sql(`SELECT count(*) FROM audit WHERE action = 'assignment.no_conflict'
    AND subject = 'application:${ids.open.id}' AND after ->> 'assignment' = '${ids.aOpen}'`), '1');

  const { html } = await rita.page(`/review/${ids.aOpen}`);
  assert.match(html, new RegExp(SUMMARY));
  assert.match(html, /<dt>Organisation name<\/dt><dd>Hospital Zeta<\/dd>/);
  assert.match(html, /Quokka University \(Belgium\) — Analysis/);
  assert.match(html, /<dt>Country<\/dt><dd>Austria<\/dd>/);
  assert.match(html, /<dt>Stage<\/dt><dd>In routine use<\/dd>/);
  assert.match(html, new RegExp(`<a href="/review/${ids.aOpen}/files/${ids.open.fid}">Zeta annual report.pdf</a>`));
  assert.match(html, /Reviews due: <strong>\d{4}-\d\d-\d\d \d\d:\d\d \(Europe\/Brussels\)/);
  assert.match(html, /Declare a conflict/, 'a conflict can still be declared');
  assert.doesNotMatch(html, /I have no conflict of interest/);
  assert.doesNotMatch(html, /<input[^>]+name="(title|summary)"|<textarea[^>]+name="summary"/, 'read only');
  // The review form beside it: each criterion with its descriptors.
  assert.match(html, /<select id="score_C1" name="score_C1">/);
  assert.match(html, /Five Safes/);

  // Confirming again changes nothing.
  assert.equal((await rita.post(`/review/${ids.aOpen}`, { action: 'confirm' })).status, 303);
  assert.equal(sql("SELECT count(*) FROM audit WHERE action = 'assignment.no_conflict'"), '1');
  assert.match((await rita.page('/review')).html, /<td>to review<\/td>/);
});

test('a document of an open round comes back as it was uploaded', async () => {
  const res = await rita.get(`/review/${ids.aOpen}/files/${ids.open.fid}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  assert.equal(res.headers.get('content-disposition'),
    "attachment; filename=\"Zeta_annual_report.pdf\"; filename*=UTF-8''Zeta%20annual%20report.pdf");
  assert.equal(res.headers.get('cache-control'), 'private, no-store');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), ids.open.doc);
  // A document of another application, through this assignment.
  assert.equal((await rita.get(`/review/${ids.aOpen}/files/${ids.blind.fid}`)).status, 404);
  assert.equal((await rita.get(`/review/${ids.aOpen}/files/999999`)).status, 404);
});

test('a blind round: no names on the page, documents without metadata under a neutral name', async () => {
  await rita.page(`/review/${ids.aBlind}`);
  assert.equal((await rita.post(`/review/${ids.aBlind}`, { action: 'confirm' })).status, 303);
  const { html } = await rita.page(`/review/${ids.aBlind}`);
  assert.match(html, new RegExp(SUMMARY));
  assert.match(html, /Heron practice/);
  for (const name of NAMES)
    assert.ok(!html.includes(name), `${name} shows in a blind round`);
  assert.doesNotMatch(html, /Organisation name|Contact person|Contact e-mail|Partner organisations/);
  assert.match(html, /<dt>Type of organisation<\/dt>/, 'what is not a name stays');
  assert.match(html, new RegExp(`<a href="/review/${ids.aBlind}/files/${ids.blind.fid}">Document 1</a>`));

  for (const s of METADATA)
    assert.ok(ids.blind.doc.includes(s), `the upload carries ${s}`);
  const res = await rita.get(`/review/${ids.aBlind}/files/${ids.blind.fid}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  assert.equal(res.headers.get('content-disposition'),
    "attachment; filename=\"document-1.pdf\"; filename*=UTF-8''document-1.pdf");
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  for (const s of METADATA)
    assert.ok(!bytes.includes(s), `${s} is still in the download`);
  assert.ok(bytes.includes('Blind body text'), 'the page itself is kept');
});

test('declaring a conflict: a reason is required; then the application is gone for the reviewer', async () => {
  const page = `/review/${ids.aRob}`;
  await rob.page(page);
  for (const [reason, message] of [
    ['', /Say what your conflict of interest is/],
    [' \n\t ', /Say what your conflict of interest is/],
    ['é'.repeat(1001), /at most 1000 characters; this has 1001/],
  ]) {
    const res = await rob.post(`${page}/conflict`, { reason });
    assert.equal(res.status, 422, JSON.stringify(reason));
    const html = await res.text();
    assert.match(html, message);
    assert.match(html, /<textarea id="reason" name="reason"[^>]*aria-describedby="reason-hint reason-error" aria-invalid="true"/);
    assert.match(html, /I have no conflict of interest with this application/, 'the same page again');
  }
  assert.equal(sql('SELECT count(*) FROM conflicts'), '0');

  const res = await rob.post(`${page}/conflict`, { reason: '  I advised the applicant organisation in 2025.\n' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/review?declared=1');
  assert.equal(sql(`SELECT source || '|' || reason FROM conflicts WHERE application_id = ${ids.open.id}`),
    'declared|I advised the applicant organisation in 2025.');
  assert.equal(sql(`SELECT ended_reason FROM assignments WHERE id = ${ids.aRob}`), 'conflict');
  assert.equal(sql("SELECT count(*) FROM audit WHERE action = 'assignment.conflict'"), '1');

  const { html } = await rob.page('/review?declared=1');
  assert.match(html, /Your conflict has been recorded; the application has been taken off your list/);
  assert.doesNotMatch(html, new RegExp(`/review/${ids.aRob}"`));
  assert.equal((await rob.get(page)).status, 404);
  assert.equal((await rob.get(`${page}/files/${ids.open.fid}`)).status, 404);
  assert.equal((await rob.post(page, { action: 'confirm' })).status, 404);
  assert.equal((await rob.post(`${page}/conflict`, { reason: 'again' })).status, 404);
});

test("another reviewer's assignment, the applicant, a stranger: 404; anonymous: sign in", async () => {
  const page = `/review/${ids.aOpen}`;
  const file = `${page}/files/${ids.open.fid}`;
  for (const c of [rob, ana, nora]) {
    await c.page('/account');	// a page with a form: its CSRF token
    assert.equal((await c.get(page)).status, 404, c.email);
    assert.equal((await c.get(file)).status, 404, c.email);
    assert.equal((await c.post(page, { action: 'confirm' })).status, 404, c.email);
    assert.equal((await c.post(`${page}/conflict`, { reason: 'Not mine' })).status, 404, c.email);
  }
  assert.equal((await rita.get('/review/999999')).status, 404);
  assert.equal(sql(`SELECT count(*) FROM conflicts WHERE application_id = ${ids.open.id} AND reason = 'Not mine'`), '0');

  const anon = new Client(app);
  for (const path of ['/review', page, file]) {
    const res = await anon.get(path);
    assert.equal(res.status, 303, path);
    assert.equal(res.headers.get('location'), `/login?next=${path}`);
  }
});

test('a member taken off the panel no longer sees the assignment', async () => {
  assert.equal((await rita.get(`/review/${ids.aBlind}`)).status, 200);
  sql(`UPDATE panel_members SET removed_at = now() WHERE user_id = (SELECT id FROM users
    WHERE email = 'rita@reviewers.example') AND round_id = (SELECT id FROM rounds WHERE slug = 'blind-rev')`);
  assert.equal((await rita.get(`/review/${ids.aBlind}`)).status, 404);
  assert.equal((await rita.get(`/review/${ids.aBlind}/files/${ids.blind.fid}`)).status, 404);
  const { html } = await rita.page('/review');
  assert.doesNotMatch(html, new RegExp(`/review/${ids.aBlind}"`));
  assert.match(html, new RegExp(`/review/${ids.aOpen}"`), 'the other round stays');
});

test('a document whose stored bytes no longer match is refused, and the log says which', async () => {
  sql(`UPDATE application_files SET sha256 = repeat('0', 64) WHERE id = ${ids.open.fid}`);
  const res = await rita.get(`/review/${ids.aOpen}/files/${ids.open.fid}`);
  assert.equal(res.status, 500);
  assert.match(await res.text(), /damaged and cannot be opened/);
  assert.match(app.log(), new RegExp(`review: document ${ids.open.fid} opened but is not the one recorded`));
});
