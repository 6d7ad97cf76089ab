// Deciding and publishing (issue 13): closing review, decisions and
// citations, the preview, one publish action with its e-mails, the
// embargo to the second, the applicant's result, and a round that no
// longer changes once published. Reviews are set up straight in SQL (the
// review form has its own tests); every step of the round's end goes
// through the pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, Client } from '../../lib/harness.mjs';
import { openRound, setCloses, PW, pdf, upload, fullForm, saveForm } from '../../lib/apply.mjs';
import { admin, submitted, reviewer } from '../../lib/panel.mjs';

let app, chair, vice, outsider, rev;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'finale';
const base = `/admin/rounds/${SLUG}`;
const A = {};	// applications by name: { c, id, ref }
const R = {};	// reviewers by name: user ids
const CODES = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7'];
const unescape = (html) => html.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
const words = (n) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
const CITATION = {
  win: 'A federated registry that put patients on its board.',
  fin: 'Consent made readable, and measured.',
  hm: 'A small team with a careful pseudonymisation pipeline.',
};

function user(name) {
  const email = `${name.split(' ')[0].toLowerCase()}@rev.example`;
  const id = sql(`INSERT INTO users (email, display_name, password_hash, verified_at)
    VALUES ('${email}', '${name}', 'x', now()) RETURNING id`);
  sql(`INSERT INTO panel_members (round_id, user_id) SELECT id, ${id} FROM rounds WHERE slug = '${SLUG}'`);
  return id;
}

// A submitted review of app by u, with texts that name both, so that an
// e-mail that leaked one would be caught.
function review(appId, u, h, feedback = true) {
  const s = sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
    SELECT id, ${appId}, ${u}, 'manual', now() FROM rounds WHERE slug = '${SLUG}' RETURNING id`);
  sql(`INSERT INTO reviews (assignment_id, state, version, recommendation, feedback, confidential, submitted_at)
    VALUES (${s}, 'submitted', 1, 'finalist', ${feedback ? `'Feedback by ${u} on ${appId}: keep going.'` : "''"},
      'CONFIDENTIAL-${u}-${appId} only for the panel.', now())`);
  sql(`INSERT INTO review_scores (assignment_id, criterion, halves, comment)
    SELECT ${s}, c, ${h}, 'Comment ' || c || ' by ${u}' FROM unnest('{${CODES}}'::text[]) AS c`);
  return s;
}

const decisionFields = (over = {}) => ({
  [`decision_${A.win.id}`]: 'winner', [`citation_${A.win.id}`]: CITATION.win,
  [`decision_${A.fin.id}`]: 'finalist', [`citation_${A.fin.id}`]: CITATION.fin,
  [`decision_${A.hm.id}`]: 'honourable_mention', [`citation_${A.hm.id}`]: CITATION.hm,
  [`decision_${A.lost.id}`]: 'not_selected', [`citation_${A.lost.id}`]: 'Typed, but dropped.',
  [`decision_${A.gone.id}`]: 'not_selected', [`citation_${A.gone.id}`]: '',
  ...over,
});

async function decide(c, fields) {
  await c.page(`${base}/ranking`);
  return c.post(`${base}/decisions`, fields);
}

// Everything of the round that publication freezes, as one digest.
function digest() {
  return sql(`SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
    SELECT 'r' || row_to_json(r)::text AS t FROM rounds r WHERE slug = '${SLUG}'
    UNION ALL SELECT 'a' || row_to_json(a)::text FROM applications a JOIN rounds r ON r.id = a.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 'v' || v.application_id || ':' || v.version FROM application_versions v JOIN applications a ON a.id = v.application_id JOIN rounds r ON r.id = a.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 'f' || f.id FROM application_files f JOIN applications a ON a.id = f.application_id JOIN rounds r ON r.id = a.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 's' || row_to_json(s)::text FROM assignments s JOIN rounds r ON r.id = s.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 'w' || row_to_json(w)::text FROM reviews w JOIN assignments s ON s.id = w.assignment_id JOIN rounds r ON r.id = s.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 'x' || row_to_json(x)::text FROM review_scores x JOIN assignments s ON s.id = x.assignment_id JOIN rounds r ON r.id = s.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 'c' || row_to_json(c)::text FROM conflicts c JOIN applications a ON a.id = c.application_id JOIN rounds r ON r.id = a.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 'n' || row_to_json(n)::text FROM consensus n JOIN applications a ON a.id = n.application_id JOIN rounds r ON r.id = a.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 'd' || row_to_json(d)::text FROM decisions d JOIN rounds r ON r.id = d.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 'k' || row_to_json(k)::text FROM rubric_criteria k JOIN rounds r ON r.id = k.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 'm' || row_to_json(m)::text FROM panel_members m JOIN rounds r ON r.id = m.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 'i' || row_to_json(i)::text FROM panel_invitations i JOIN rounds r ON r.id = i.round_id WHERE r.slug = '${SLUG}'
    UNION ALL SELECT 'g' || row_to_json(g)::text FROM round_categories g JOIN rounds r ON r.id = g.round_id WHERE r.slug = '${SLUG}'
  ) x`);
}

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app);
  vice = await admin(app, 'vice@example.org');
  openRound(app, SLUG);
  rev = await reviewer(app, chair, SLUG, 'rita@panel.example');
  for (const [k, over] of [['win', { organisation_name: 'Registry Hospital', title: 'Federated registry' }],
    ['fin', { organisation_name: 'Consent Lab', title: 'Readable consent', declare_publish: '' }],
    ['hm', { organisation_name: 'Small Team', title: 'Careful pipeline', category: 'CULTURE' }],
    ['lost', { organisation_name: 'Other Org', title: 'Another practice' }],
    ['gone', { organisation_name: 'Departed Org', title: 'Practice of a departed applicant' }]]) {
    A[k] = await submitted(app, SLUG, `${k}@apps.example`, over);
    A[k].ref = sql(`SELECT reference FROM applications WHERE id = ${A[k].id}`);
  }
  assert.equal((await upload(A.win.c, A.win.id, pdf('evidence'))).status, 303);
  A.win.file = sql(`SELECT max(id) FROM application_files WHERE application_id = ${A.win.id}`);
  R.ana = user('Ana Reviewer');
  R.ben = user('Ben Reviewer');
  for (const [k, h] of [['win', 9], ['fin', 8], ['hm', 7], ['lost', 4], ['gone', 5]]) {
    review(A[k].id, R.ana, h);
    review(A[k].id, R.ben, h - 1, k !== 'fin');
  }
  // The panel agreed feedback for the winner: only it reaches them.
  sql(`INSERT INTO consensus (application_id, comment, feedback, recorded_by)
    SELECT ${A.win.id}, 'PANEL-REASONING not for the applicant.', 'The panel: a model for others.', id
    FROM users WHERE email = 'chair@example.org'`);
  sql(`INSERT INTO consensus_scores (application_id, criterion, halves)
    SELECT ${A.win.id}, c, 9 FROM unnest('{${CODES}}'::text[]) AS c`);
  // Rita is assigned to the lost one (a review she could still touch).
  R.rita = sql(`SELECT id FROM users WHERE email = 'rita@panel.example'`);
  R.ritaAssignment = review(A.lost.id, R.rita, 5);
  // The vice-chair is conflicted with one application.
  sql(`INSERT INTO conflicts (application_id, user_id, source, reason, created_by)
    SELECT ${A.hm.id}, id, 'admin', 'Former employer', id FROM users WHERE email = 'vice@example.org'`);
  // Its owner leaves: the application stays, anonymised, until publication.
  await A.gone.c.page('/account');
  assert.equal((await A.gone.c.post('/account/delete', { password: PW })).status, 200);
  assert.equal(sql(`SELECT owner_id IS NULL AND anonymised_at IS NOT NULL FROM applications WHERE id = ${A.gone.id}`), 't');
  outsider = A.lost.c;
});
after(async () => { await app.stop(); });

test('review is closed once, after the deadline, by an admin only', async () => {
  await chair.page(`${base}/ranking`);
  assert.equal((await chair.post(`${base}/close-review`, {})).status, 409, 'still open for submissions');
  setCloses(app, SLUG, -60);
  await outsider.page('/applications');
  assert.equal((await outsider.post(`${base}/close-review`, {})).status, 404, 'an applicant');
  assert.equal((await chair.post(`${base}/close-review`, {}, { csrf: false })).status, 403, 'without its token');
  assert.equal((await decide(chair, decisionFields())).status, 409, 'no decision while reviewing');
  const res = await chair.post(`${base}/close-review`, {});
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `${base}/ranking?done=closed`);
  assert.match((await chair.page(res.headers.get('location'))).html, /Review is closed: reviews no longer change/);
  assert.equal(sql(`SELECT round_phase(r) FROM rounds r WHERE slug = '${SLUG}'`), 'deciding');
  assert.equal((await chair.post(`${base}/close-review`, {})).status, 409, 'closed once');
  assert.equal(sql(`SELECT count(*) FROM audit WHERE action = 'round.close_review'`), '1');
});

test('decisions: every value checked, with the message beside its field', async () => {
  let res = await decide(chair, decisionFields({ [`decision_${A.win.id}`]: 'champion' }));
  assert.equal(res.status, 422);
  let html = unescape(await res.text());
  assert.match(html, /Choose one of the decisions offered/);
  res = await decide(chair, decisionFields({ [`citation_${A.win.id}`]: '   ' }));
  assert.equal(res.status, 422);
  html = unescape(await res.text());
  assert.match(html, /A winner needs a public citation/);
  assert.ok(html.includes(CITATION.fin), 'what was typed is kept');
  res = await decide(chair, decisionFields({ [`citation_${A.fin.id}`]: words(151) }));
  assert.equal(res.status, 422);
  assert.match(await res.text(), /The citation has 151 words: it may have at most 150/);
  assert.equal(sql(`SELECT count(*) FROM decisions`), '0', 'nothing half-written');

  res = await decide(chair, decisionFields({ [`citation_${A.fin.id}`]: words(150) }));
  assert.equal(res.status, 303, '150 words are allowed');
  res = await decide(chair, decisionFields());
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `${base}/ranking?done=decided`);
  assert.match((await chair.page(res.headers.get('location'))).html, /The decisions have been saved\./);
  assert.equal(sql(`SELECT string_agg(decision || ':' || citation, ',' ORDER BY application_id) FROM decisions`),
    [`winner:${CITATION.win}`, `finalist:${CITATION.fin}`, `honourable_mention:${CITATION.hm}`, 'not_selected:', 'not_selected:'].join(','));
  assert.ok(Number(sql(`SELECT count(*) FROM audit WHERE action = 'decision.record'`)) >= 5);
});

test('a conflicted admin neither decides, previews nor publishes what they cannot see', async () => {
  const res = await decide(vice, { [`decision_${A.hm.id}`]: 'winner', [`citation_${A.hm.id}`]: 'Vice says so.' });
  assert.equal(res.status, 303);
  assert.equal(sql(`SELECT decision FROM decisions WHERE application_id = ${A.hm.id}`), 'honourable_mention', 'left alone');
  const { html } = await vice.page(`${base}/preview`);
  assert.match(html, /conflict of interest with 1 application/);
  assert.ok(!html.includes(A.hm.ref) && !html.includes('Small Team'));
  assert.equal((await vice.post(`${base}/publish`, {})).status, 409);
  assert.equal(sql(`SELECT published_at IS NULL FROM rounds WHERE slug = '${SLUG}'`), 't');
});

test('the preview shows exactly what goes public, and a sample of each e-mail', async () => {
  sql(`DELETE FROM decisions WHERE application_id = ${A.lost.id}`);
  let { html } = await chair.page(`${base}/preview`);
  assert.match(html, /1 application\(s\) have no decision yet/);
  assert.doesNotMatch(html, /action="\/admin\/rounds\/finale\/publish"/);
  assert.equal((await chair.post(`${base}/publish`, {})).status, 409, 'not while one is undecided');
  assert.equal((await decide(chair, decisionFields())).status, 303);

  ({ html } = await chair.page(`${base}/preview`));
  html = unescape(html);
  // The public part: the public template, with the public page's data.
  const pub = html.slice(html.indexOf('id="public-preview"'), html.indexOf('id="mails-title"'));
  assert.match(pub, /Preview: this is what the public page will show/);
  for (const k of ['win', 'fin', 'hm']) {
    assert.ok(pub.includes(CITATION[k]), `citation of ${k}`);
    assert.ok(pub.includes(A[k].c ? sql(`SELECT content ->> 'organisation_name' FROM application_versions v
      JOIN applications a ON a.id = v.application_id AND v.version = a.version WHERE a.id = ${A[k].id}`) : ''), `organisation of ${k}`);
  }
  assert.ok(!pub.includes('Another practice') && !pub.includes('Other Org'), 'not selected: not public');
  assert.ok(!pub.includes('Departed Org'), 'not selected: not public');
  // Each practice's page, the summary only where its applicant allowed it.
  const pages = html.slice(html.indexOf('id="practices-title"'), html.indexOf('id="mails-title"'));
  assert.equal(pages.split('class="preview-frame"').length - 1, 3);
  assert.equal(pages.split('The practice in brief').length - 1, 2, 'winner and mention allowed it; the finalist did not');
  assert.ok(pages.includes('Consent Lab') && !pages.includes('Other Org'));
  for (const w of ['Winner', 'Finalist', 'Honourable mention', 'Not selected'])
    assert.match(html, new RegExp(`<h3>${w}</h3>`), `a sample e-mail for ${w}`);
  assert.match(html, /Subject:<\/strong> Round finale: the panel's decision on BPR-/);
  assert.ok(!html.includes('CONFIDENTIAL') && !html.includes('PANEL-REASONING'));
  assert.match(html, /action="\/admin\/rounds\/finale\/publish"/);
});

test('publication: one action, e-mails held to the embargo second, pages too', async () => {
  const before = Number(sql(`SELECT count(*) FROM outbox`));
  sql(`UPDATE rounds SET embargo_until = date_trunc('second', now()) + interval '4 seconds' WHERE slug = '${SLUG}'`);
  await chair.page(`${base}/preview`);
  const res = await chair.post(`${base}/publish`, {});
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `${base}/preview?done=published`);
  assert.equal(sql(`SELECT round_phase(r) FROM rounds r WHERE slug = '${SLUG}'`), 'published');

  // One e-mail per applicant who still has an account, held to the embargo.
  const mails = JSON.parse(sql(`SELECT json_agg(json_build_object('to', to_addr, 'subject', subject, 'body', body,
    'at_embargo', next_attempt = (SELECT embargo_until FROM rounds WHERE slug = '${SLUG}')) ORDER BY id)
    FROM outbox WHERE id > (SELECT max(id) FROM outbox) - ${Number(sql('SELECT count(*) FROM outbox')) - before}`));
  assert.deepEqual(mails.map((m) => m.to).sort(), ['fin@apps.example', 'hm@apps.example', 'lost@apps.example', 'win@apps.example']);
  assert.ok(mails.every((m) => m.at_embargo), 'every e-mail waits for the embargo');
  assert.equal(sql(`SELECT count(*) FROM outbox WHERE next_attempt <= now() AND subject LIKE '%panel''s decision%'`), '0',
    'none is due before the embargo (the mailer takes only what is due)');

  // Nothing confidential, no reviewer's name, in any of them.
  const secrets = sql(`SELECT string_agg(x, '|') FROM (
    SELECT confidential AS x FROM reviews UNION ALL SELECT display_name FROM users WHERE email LIKE '%@rev.example' OR email LIKE '%@panel.example'
    UNION ALL SELECT comment FROM consensus UNION ALL SELECT comment FROM review_scores WHERE comment <> '') s`).split('|');
  assert.ok(secrets.length >= 10);
  for (const m of mails) {
    for (const s of secrets)
      assert.ok(!m.body.includes(s) && !m.subject.includes(s), `${m.to} must not read "${s}"`);
  }
  const byTo = Object.fromEntries(mails.map((m) => [m.to, m.body]));
  assert.match(byTo['win@apps.example'], /Winner/);
  assert.match(byTo['win@apps.example'], /The panel: a model for others\./, 'the consensus feedback');
  assert.doesNotMatch(byTo['win@apps.example'], /Feedback by/, 'and not the reviewers\' own');
  assert.ok(byTo['win@apps.example'].includes(`/awards/${SLUG}/${A.win.ref}`));
  assert.match(byTo['lost@apps.example'], /-- Reviewer 1 --\nFeedback by \d+ on \d+: keep going\./);
  assert.match(byTo['lost@apps.example'], /-- Reviewer 3 --/);
  assert.doesNotMatch(byTo['lost@apps.example'], /awards\//);
  assert.match(byTo['fin@apps.example'], /-- Reviewer 1 --/);
  assert.doesNotMatch(byTo['fin@apps.example'], /Reviewer 2/, 'an empty feedback is no entry');

  // Before the embargo: no page, no result; at it, both.
  const pub = new Client(app);
  assert.equal((await pub.get(`/awards/${SLUG}`)).status, 404);
  let { html } = await A.win.c.page(`/applications/${A.win.id}`);
  assert.doesNotMatch(html, /The panel's decision/);
  const wait = Number(sql(`SELECT extract(epoch FROM embargo_until - clock_timestamp()) * 1000 FROM rounds WHERE slug = '${SLUG}'`));
  assert.ok(wait > 300, `the embargo is still ahead (${wait} ms)`);
  if (wait > 600) {
    await new Promise((r) => setTimeout(r, wait - 500));
    assert.equal((await pub.get(`/awards/${SLUG}`)).status, 404, 'half a second before');
  }
  await new Promise((r) => setTimeout(r, Math.max(0, Number(sql(`SELECT extract(epoch FROM embargo_until - clock_timestamp()) * 1000 FROM rounds WHERE slug = '${SLUG}'`))) + 50));
  assert.equal((await pub.get(`/awards/${SLUG}`)).status, 200, 'at the embargo');
  // The summary is public where its applicant allowed it, only there.
  assert.match(await (await pub.get(`/awards/${SLUG}/${A.win.ref}`)).text(), /summary summary/);
  const fin = await pub.get(`/awards/${SLUG}/${A.fin.ref}`);
  assert.equal(fin.status, 200);
  assert.doesNotMatch(await fin.text(), /summary summary/);
  assert.equal((await pub.get(`/awards/${SLUG}/${A.lost.ref}`)).status, 404, 'not selected: no page');
  ({ html } = await A.win.c.page(`/applications/${A.win.id}`));
  html = unescape(html);
  assert.match(html, /The panel's decision: Winner/);
  assert.ok(html.includes(CITATION.win));
  assert.match(html, /The panel: a model for others\./);
  assert.ok(html.includes(`href="/awards/${SLUG}/${A.win.ref}"`));
  ({ html } = await A.lost.c.page(`/applications/${A.lost.id}`));
  assert.match(html, /The panel's decision: Not selected/);
  assert.match(html, /<h4>Reviewer 1<\/h4>/);
  assert.doesNotMatch(html, /CONFIDENTIAL|Ana Reviewer|Ben Reviewer/);
});

test('publication deletes the applications kept anonymised until then', async () => {
  assert.equal(sql(`SELECT count(*) FROM applications WHERE id = ${A.gone.id}`), '0');
  assert.equal(sql(`SELECT count(*) FROM application_versions WHERE application_id = ${A.gone.id}`), '0');
  const entry = JSON.parse(sql(`SELECT after FROM audit WHERE action = 'round.publish'`));
  assert.equal(entry.anonymised_deleted, 1);
  assert.equal(entry.mails, 4);
  assert.equal(entry.awards, 3);
});

test('a published round is read-only: every changing route is refused, nothing changes', async () => {
  const was = digest();
  const ritaPage = `/review/${R.ritaAssignment}`;
  const attempts = [
    [A.lost.c, `/applications/${A.lost.id}`, `/applications/${A.lost.id}`, { action: 'save', ...fullForm({ title: 'Changed' }) }],
    [A.lost.c, `/applications/${A.lost.id}`, `/applications/${A.lost.id}/withdraw`, { confirm: 'yes' }],
    [A.win.c, `/applications/${A.win.id}`, `/applications/${A.win.id}/files/${A.win.file}/delete`, {}],
    [rev, ritaPage, ritaPage, { action: 'save', ...Object.fromEntries(CODES.map((c) => [`score_${c}`, '1'])) }],
    [rev, ritaPage, `${ritaPage}/conflict`, { reason: 'I just remembered a link.' }],
    [chair, `${base}/ranking`, `${base}/decisions`, { [`decision_${A.lost.id}`]: 'winner', [`citation_${A.lost.id}`]: 'Late change.' }],
    [chair, `${base}/ranking`, `${base}/close-review`, {}],
    [chair, `${base}/preview`, `${base}/publish`, {}],
    [chair, `${base}/applications/${A.lost.id}/consensus`, `${base}/applications/${A.lost.id}/consensus`,
      { ...Object.fromEntries(CODES.map((c) => [`consensus_${c}`, '3'])), consensus_comment: 'Late.', consensus_feedback: 'Late.', minority: '' }],
    [chair, `${base}/assignments`, `${base}/assignments`, { action: 'remove', application: String(A.lost.id), reviewer: String(R.ana) }],
    [chair, `${base}/assignments`, `${base}/assignments`, { action: 'auto' }],
    [chair, `${base}/conflicts`, `${base}/conflicts`, { action: 'add', application: String(A.lost.id), reviewer: String(R.ben), reason: 'Late.' }],
    [chair, `${base}/rubric`, `${base}/rubric`, { action: 'save', code: 'C3', name: 'Late', question: 'Late?', weight: '10', gate_min: '',
      level0: 'a', level1: 'b', level3: 'c', level5: 'd' }],
    [chair, `${base}/panel`, `${base}/panel`, { action: 'invite', email: 'late@panel.example', name: 'Late' }],
    [chair, base, base, { title: 'Renamed', slug: SLUG }],
  ];
  for (const [c, pagePath, path, fields] of attempts) {
    await c.page(pagePath);
    const res = await c.post(path, fields);
    assert.ok(res.status >= 400 || (res.status === 303 && (await c.page(res.headers.get('location'))).html.match(/published|read-only|closed|cannot|no longer/i)),
      `${path} (${JSON.stringify(fields).slice(0, 60)}): ${res.status}`);
    assert.equal(digest(), was, `${path} changed the published round`);
  }
  await A.win.c.page(`/applications/${A.win.id}`);
  const up = await upload(A.win.c, A.win.id, pdf('late evidence'));
  assert.ok(up.status >= 400, `no upload: ${up.status}`);
  assert.equal(digest(), was, 'the upload changed the published round');

  // The trigger itself, whatever a page would do.
  assert.throws(() => sql(`UPDATE reviews SET feedback = 'x' WHERE assignment_id = ${R.ritaAssignment}`), /published/);
  assert.throws(() => sql(`UPDATE decisions SET decision = 'winner' WHERE application_id = ${A.lost.id}`), /published/);
});

test('an admin may still correct a published citation: audited, public at once', async () => {
  const fixed = 'A federated registry with patients on its board, since 2021.';
  await chair.page(`${base}/ranking`);
  const res = await chair.post(`${base}/decisions`, { [`citation_${A.win.id}`]: fixed });
  assert.equal(res.status, 303);
  assert.equal(sql(`SELECT citation FROM decisions WHERE application_id = ${A.win.id}`), fixed);
  assert.equal(sql(`SELECT citation FROM awards WHERE application_id = ${A.win.id}`), fixed);
  const a = JSON.parse(sql(`SELECT json_build_object('before', before, 'after', after) FROM audit
    WHERE action = 'decision.correct_citation' ORDER BY id DESC LIMIT 1`));
  assert.equal(a.before.citation, CITATION.win);
  assert.equal(a.after.citation, fixed);
  const pub = new Client(app);
  let html = '';
  for (let i = 0; i < 20 && !html.includes(fixed); i++) {
    html = unescape(await (await pub.get(`/awards/${SLUG}/${A.win.ref}`)).text());
    if (!html.includes(fixed))
      await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(html.includes(fixed), 'the public page shows the correction');

  const empty = await chair.post(`${base}/decisions`, { [`citation_${A.win.id}`]: '' });
  assert.equal(empty.status, 422, 'a published citation cannot be emptied');
  assert.equal(sql(`SELECT citation FROM awards WHERE application_id = ${A.win.id}`), fixed);
});

test('people may still leave a published round: their data goes, the awards stay', async () => {
  await A.win.c.page('/account');
  const res = await A.win.c.post('/account/delete', { password: PW });
  assert.equal(res.status, 200, 'the winner leaves');
  assert.equal(sql(`SELECT count(*) FROM applications WHERE id = ${A.win.id}`), '0');
  assert.equal(sql(`SELECT count(*) FROM awards WHERE reference = '${A.win.ref}'`), '1', 'the award stays');
  // A reviewer leaves: reviews go with their assignments; a user
  // reference to them is set to NULL, which the trigger lets through.
  assert.equal(sql(`SELECT (account_delete(${R.ben}, '127.0.0.1')).outcome`), 'ok');
  assert.equal(sql(`SELECT count(*) FROM users WHERE id = ${R.ben}`), '0');
  assert.equal(sql(`SELECT (account_delete((SELECT id FROM users WHERE email = 'rita@panel.example'), '127.0.0.1')).outcome`), 'ok');
  const pub = new Client(app);
  assert.equal((await pub.get(`/awards/${SLUG}/${A.win.ref}`)).status, 200);
});
