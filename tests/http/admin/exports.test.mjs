// Exports (issue 14): the applications CSV and the scores CSV of a round,
// an application's documents as a ZIP. Read back with real readers
// (Python's csv and zipfile modules): the CSV equals what was entered
// through the application form, formulas are neutralised, the totals are
// the hand-computed ones, the ZIP holds the uploads byte for byte. A
// conflicted admin gets nothing of the application; non-admins and
// other rounds get the 404 page; each export is audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startApp, Client } from '../../lib/harness.mjs';
import { openRound, pdf, upload, fullForm, saveForm, apply, applicant } from '../../lib/apply.mjs';
import { admin, submitted } from '../../lib/panel.mjs';

let app, chair, vice, someone;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'exports';
const OTHER = 'elsewhere';
const base = `/admin/rounds/${SLUG}`;
const A = {};
const CODES = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7'];

// What an applicant typed: accents, quotes, commas, line breaks, and
// cells a spreadsheet would run as formulas.
const TRICKY = {
  title: 'Café «Zürich», the "open" registry',
  organisation_name: '=HYPERLINK("http://evil.example","click")',
  contact_name: '+1 Ana Ñúñez',
  problem: 'Line one, with a comma.\nLine "two".\r\nLine three.',
  approach: '-2 days to treatment',
  reach: '@x thousand patients',
  data_sources: 'EHR extracts;\tclaims',
  partner_name: ['Universität Wien', 'Gent, "UZ"'],
  partner_country: ['AT', 'BE'],
  partner_role: ['data steward', 'clinic'],
};

function parseCsv(buf) {
  const out = execFileSync('python3', ['-c', `
import csv, io, json, sys
t = sys.stdin.buffer.read().decode('utf-8-sig')
print(json.dumps(list(csv.reader(io.StringIO(t, newline='')))))`], { input: buf });
  return JSON.parse(out);
}

function unzip(buf) {
  const out = execFileSync('python3', ['-c', `
import base64, io, json, sys, zipfile
z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
assert z.testzip() is None
print(json.dumps([[i.filename, base64.b64encode(z.read(i)).decode()] for i in z.infolist()]))`], { input: buf });
  return JSON.parse(out).map(([n, b]) => [n, Buffer.from(b, 'base64')]);
}

const rows = (csv) => {
  const [head, ...rest] = csv;
  return rest.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
};

async function fetchBytes(c, path) {
  const res = await c.get(path);
  return { res, buf: Buffer.from(await res.arrayBuffer()) };
}

function user(name) {
  const email = `${name.split(' ')[0].toLowerCase()}@rev.example`;
  const id = sql(`INSERT INTO users (email, display_name, password_hash, verified_at)
    VALUES ('${email}', '${name}', 'x', now()) RETURNING id`);
  sql(`INSERT INTO panel_members (round_id, user_id) SELECT id, ${id} FROM rounds WHERE slug = '${SLUG}'`);
  return id;
}

// A submitted review, halves in rubric order.
function review(appId, u, halves) {
  const s = sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
    SELECT id, ${appId}, ${u}, 'manual', now() FROM rounds WHERE slug = '${SLUG}' RETURNING id`);
  sql(`INSERT INTO reviews (assignment_id, state, version, recommendation, submitted_at)
    VALUES (${s}, 'submitted', 1, 'finalist', now())`);
  CODES.forEach((c, i) => sql(`INSERT INTO review_scores (assignment_id, criterion, halves)
    VALUES (${s}, '${c}', ${halves[i]})`));
  return s;
}

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app);
  vice = await admin(app, 'vice@example.org');
  openRound(app, SLUG);
  openRound(app, OTHER);
  A.tricky = await submitted(app, SLUG, 'tricky@apps.example', TRICKY);
  A.plain = await submitted(app, SLUG, 'plain@apps.example', { title: 'Plain practice', organisation_name: 'Plain Org' });
  A.draft = { c: await applicant(app, 'draft@apps.example', '203.0.113.77') };
  A.draft.id = await apply(A.draft.c, SLUG);
  assert.equal((await saveForm(A.draft.c, A.draft.id, { title: 'Still a draft' })).status, 303);
  A.away = await submitted(app, OTHER, 'away@apps.example', { title: 'Other round' });
  for (const k of Object.keys(A))
    A[k].ref = sql(`SELECT coalesce(reference, '') FROM applications WHERE id = ${A[k].id}`);
  someone = A.plain.c;

  A.tricky.files = [pdf('first'), pdf('second', 40), pdf('third', 7)];
  assert.equal((await upload(A.tricky.c, A.tricky.id, A.tricky.files[0], 'Évaluation.pdf')).status, 303);
  assert.equal((await upload(A.tricky.c, A.tricky.id, A.tricky.files[1], 'Évaluation.pdf')).status, 303);
  assert.equal((await upload(A.tricky.c, A.tricky.id, A.tricky.files[2], 'ethics approval.pdf')).status, 303);

  const ana = user('Ana Reviewer');
  const ben = user('Ben Reviewer');
  review(A.tricky.id, ana, [10, 8, 6, 4, 2, 0, 5]);
  review(A.tricky.id, ben, [7, 7, 7, 7, 7, 7, 7]);
  review(A.plain.id, ben, [6, 6, 6, 6, 6, 6, 9]);
  sql(`INSERT INTO decisions (application_id, round_id, decision, citation)
    SELECT ${A.tricky.id}, round_id, 'finalist', 'Cited.' FROM applications WHERE id = ${A.tricky.id}`);
  // The vice-chair is conflicted with the plain one.
  sql(`INSERT INTO conflicts (application_id, user_id, source, reason, created_by)
    SELECT ${A.plain.id}, id, 'admin', 'Former employer', id FROM users WHERE email = 'vice@example.org'`);
});

after(() => app?.stop());

test('the applications CSV is RFC 4180 with a BOM and reads back as typed', async () => {
  const { res, buf } = await fetchBytes(chair, `${base}/export/applications.csv`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="round-${SLUG}-applications.csv"`);
  assert.match(res.headers.get('cache-control'), /no-store/);
  assert.deepEqual([...buf.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.ok(buf.toString('utf8').endsWith('\r\n'));
  assert.doesNotMatch(buf.toString('utf8').replace(/"[^"]*(""[^"]*)*"/g, ''), /[^\r]\n/, 'every line ends in CRLF');

  const csv = parseCsv(buf);
  assert.ok(csv.every((r) => r.length === csv[0].length));
  const byRef = Object.fromEntries(rows(csv).map((r) => [r.reference || `draft`, r]));
  assert.deepEqual(Object.keys(byRef).sort(), [A.plain.ref, A.tricky.ref, 'draft'].sort());
  const t = byRef[A.tricky.ref];
  const typed = fullForm(TRICKY);
  assert.equal(t.state, 'submitted');
  assert.equal(t.title, typed.title);
  assert.equal(t.category, 'IMPACT');
  assert.equal(t.country, 'AT');
  assert.equal(t.organisation_type, 'hospital');
  // Formulas: a single quote in front, the rest as typed.
  assert.equal(t.organisation_name, `'${typed.organisation_name}`);
  assert.equal(t.contact_name, `'${typed.contact_name}`);
  assert.equal(t.approach, `'${typed.approach}`);
  assert.equal(t.reach, `'${typed.reach}`);
  const stored = JSON.parse(sql(`SELECT v.content::text FROM application_versions v JOIN applications a
    ON a.id = v.application_id AND v.version = a.version WHERE a.id = ${A.tricky.id}`));
  for (const f of ['problem', 'data_sources', 'summary', 'legal_basis', 'contact_email', 'stage', 'transferability',
    'declare_accurate', 'declare_publish'])
    assert.equal(t[f], stored[f], f);
  assert.equal(t.problem.replace(/\r\n/g, '\n'), typed.problem.replace(/\r\n/g, '\n'));
  assert.match(t.problem, /Line "two"/);
  assert.equal(t.data_sources, typed.data_sources);
  assert.equal(t.partners, 'Universität Wien (AT, data steward); Gent, "UZ" (BE, clinic)');
  assert.equal(t.decision, 'finalist');
  assert.equal(t.reviews_done, '2');
  assert.equal(t.reviews_due, '2');
  const hdr = csv[0].find((h) => h.startsWith('submitted_at'));
  assert.equal(hdr, 'submitted_at (Europe/Brussels)');
  assert.equal(t[hdr], sql(`SELECT to_char(submitted_at AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD HH24:MI:SS')
    FROM applications WHERE id = ${A.tricky.id}`));
  const d = byRef.draft;
  assert.equal(d.state, 'draft');
  assert.equal(d.title, 'Still a draft');
  assert.equal(d.decision, '');
  assert.equal(d[hdr], '');
  assert.equal(byRef[A.plain.ref].decision, '');
  // The other round's application is not in it.
  assert.ok(!buf.toString('utf8').includes('Other round'));
});

test('the scores CSV: a row per review and criterion, core/score.c totals', async () => {
  const { res, buf } = await fetchBytes(chair, `${base}/export/scores.csv`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="round-${SLUG}-scores.csv"`);
  const csv = parseCsv(buf);
  assert.deepEqual(csv[0], ['reference', 'reviewer', 'criterion', 'score', 'weight', 'review_total']);
  const r = rows(csv);
  assert.equal(r.length, 3 * 7);
  const ana = r.filter((x) => x.reviewer === 'Ana Reviewer');
  assert.deepEqual(ana.map((x) => x.criterion), CODES);
  assert.deepEqual(ana.map((x) => x.score), ['5', '4', '3', '2', '1', '0', '2.5']);
  assert.deepEqual(ana.map((x) => x.weight), ['15', '15', '15', '15', '10', '10', '20']);
  // (15·5 + 15·4 + 15·3 + 15·2 + 10·1 + 10·0 + 20·2.5) / 100 × 20
  assert.ok(ana.every((x) => x.review_total === '54.0' && x.reference === A.tricky.ref));
  const ben = r.filter((x) => x.reviewer === 'Ben Reviewer' && x.reference === A.tricky.ref);
  assert.ok(ben.every((x) => x.score === '3.5' && x.review_total === '70.0'));
  const plain = r.filter((x) => x.reference === A.plain.ref);
  // (80·3 + 20·4.5) / 100 × 20
  assert.ok(plain.length === 7 && plain.every((x) => x.review_total === '66.0'));
});

test('a conflicted admin exports without the application', async () => {
  const apps = rows(parseCsv((await fetchBytes(vice, `${base}/export/applications.csv`)).buf));
  assert.deepEqual(apps.map((x) => x.reference).sort(), ['', A.tricky.ref].sort());
  const scores = rows(parseCsv((await fetchBytes(vice, `${base}/export/scores.csv`)).buf));
  assert.equal(scores.length, 2 * 7);
  assert.ok(scores.every((x) => x.reference === A.tricky.ref));
  const zip = await vice.get(`${base}/applications/${A.plain.id}/documents.zip`);
  assert.equal(zip.status, 404);
  assert.match(zip.headers.get('content-type'), /text\/html/);
});

test('the documents ZIP holds the uploads byte for byte', async () => {
  const { res, buf } = await fetchBytes(chair, `${base}/applications/${A.tricky.id}/documents.zip`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/zip');
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="application-${A.tricky.ref}-documents.zip"`);
  assert.match(res.headers.get('cache-control'), /no-store/);
  const files = unzip(buf);
  assert.deepEqual(files.map(([n]) => n), ['Évaluation.pdf', 'Évaluation (2).pdf', 'ethics approval.pdf']);
  files.forEach(([, b], i) => assert.ok(b.equals(A.tricky.files[i]), `file ${i} differs`));

  // Without documents: an empty, valid ZIP.
  const empty = await fetchBytes(chair, `${base}/applications/${A.plain.id}/documents.zip`);
  assert.equal(empty.res.status, 200);
  assert.deepEqual(unzip(empty.buf), []);
  assert.equal(empty.res.headers.get('content-disposition'), `attachment; filename="application-${A.plain.ref}-documents.zip"`);
  const draft = await fetchBytes(chair, `${base}/applications/${A.draft.id}/documents.zip`);
  assert.equal(draft.res.status, 200);
  assert.equal(draft.res.headers.get('content-disposition'), `attachment; filename="application-${A.draft.id}-documents.zip"`);

  // Documents too large to hold in memory together: a clear refusal.
  // (Only their recorded size is made large; nothing is read.)
  const sizes = sql(`SELECT string_agg(id || ':' || size, ',' ORDER BY id) FROM application_files WHERE application_id = ${A.tricky.id}`);
  sql(`UPDATE application_files SET size = 100 * 1024 * 1024 WHERE application_id = ${A.tricky.id}`);
  const big = await chair.get(`${base}/applications/${A.tricky.id}/documents.zip`);
  assert.equal(big.status, 413);
  assert.match(await big.text(), /too large to be zipped together \(more than 256 MiB\): download them one by one/);
  for (const pair of sizes.split(',')) {
    const [id, size] = pair.split(':');
    sql(`UPDATE application_files SET size = ${size} WHERE id = ${id}`);
  }
});

test('404 for non-admins, other rounds and unknown ones; anonymous to /login', async () => {
  const paths = [`${base}/export/applications.csv`, `${base}/export/scores.csv`,
    `${base}/applications/${A.tricky.id}/documents.zip`];
  for (const p of paths) {
    assert.equal((await someone.get(p)).status, 404, p);
    const anon = await new Client(app).get(p);
    assert.equal(anon.status, 303, p);
    assert.match(anon.headers.get('location'), /^\/login/);
  }
  assert.equal((await chair.get(`/admin/rounds/${SLUG}/applications/${A.away.id}/documents.zip`)).status, 404);
  assert.equal((await chair.get(`/admin/rounds/${OTHER}/applications/${A.tricky.id}/documents.zip`)).status, 404);
  assert.equal((await chair.get(`/admin/rounds/nowhere/export/applications.csv`)).status, 404);
  assert.equal((await chair.get(`/admin/rounds/nowhere/export/scores.csv`)).status, 404);
  assert.equal((await chair.get(`${base}/applications/999999/documents.zip`)).status, 404);
});

test('each export is audited: who, what, which round or application, how many rows', async () => {
  const n = () => Number(sql(`SELECT count(*) FROM audit WHERE action LIKE 'export.%'`));
  const before = n();
  await fetchBytes(chair, `${base}/export/applications.csv`);
  await fetchBytes(chair, `${base}/export/scores.csv`);
  await fetchBytes(chair, `${base}/applications/${A.tricky.id}/documents.zip`);
  await fetchBytes(vice, `${base}/export/applications.csv`);
  await someone.get(`${base}/export/scores.csv`);
  assert.equal(n(), before + 4);
  const got = JSON.parse(sql(`SELECT json_agg(json_build_object('actor', u.email, 'action', a.action,
    'subject', a.subject, 'after', a.after) ORDER BY a.id)
    FROM (SELECT * FROM audit WHERE action LIKE 'export.%' ORDER BY id DESC LIMIT 4) a JOIN users u ON u.id = a.actor_id`));
  const round = sql(`SELECT id FROM rounds WHERE slug = '${SLUG}'`);
  assert.deepEqual(got, [
    { actor: 'chair@example.org', action: 'export.applications.csv', subject: `round:${round}`,
      after: { round: SLUG, application: null, export: 'applications.csv', rows: 3 } },
    { actor: 'chair@example.org', action: 'export.scores.csv', subject: `round:${round}`,
      after: { round: SLUG, application: null, export: 'scores.csv', rows: 21 } },
    { actor: 'chair@example.org', action: 'export.documents.zip', subject: `application:${A.tricky.id}`,
      after: { round: SLUG, application: Number(A.tricky.id), export: 'documents.zip', rows: 3 } },
    { actor: 'vice@example.org', action: 'export.applications.csv', subject: `round:${round}`,
      after: { round: SLUG, application: null, export: 'applications.csv', rows: 2 } },
  ]);
});
