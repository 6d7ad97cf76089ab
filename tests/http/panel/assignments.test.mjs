// Conflicts of interest from three sources and assignment (issue 11):
// automatic conflicts with their reasons, admin-set and cleared ones,
// manual assignment refusing conflicted pairs, the automatic assignment
// (exactly k, no conflict, caps, balance, preview, explanation, orphans
// only), one e-mail per reviewer per run, and the admin's read-only view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { openRound } from '../../lib/apply.mjs';
import { admin, reviewer, affiliation, submitted } from '../../lib/panel.mjs';

let app, chair;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'assign';
const path = `/admin/rounds/${SLUG}/assignments`;
const R = {};	// reviewers by name: { c, id }
const A = {};	// applications by name: { c, id }

const uid = (email) => sql(`SELECT id FROM users WHERE email = '${email}'`);
const active = () => sql(`SELECT s.application_id || ':' || s.user_id FROM assignments s
  WHERE s.round_id = (SELECT id FROM rounds WHERE slug = '${SLUG}') AND s.ended_at IS NULL ORDER BY 1`).split('\n').filter(Boolean);

async function post(fields) {
  await chair.page(path);
  return chair.post(path, fields);
}

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app);
  openRound(app, SLUG);
  // Applications: one from Hospital Clínic (partner Uni Wien), one whose
  // contact writes from med-x.example, three neutral ones, one with a
  // gmail contact.
  A.clinic = await submitted(app, SLUG, 'a1@apps.example', { organisation_name: 'Hospital Clínic', title: 'Clinic registry',
    partner_name: ['Universität Wien'], partner_country: ['AT'], partner_role: ['Research'] });
  A.medx = await submitted(app, SLUG, 'a2@apps.example', { organisation_name: 'MedX', contact_email: 'boss@med-x.example', category: 'CULTURE' });
  A.n1 = await submitted(app, SLUG, 'a3@apps.example', { organisation_name: 'Neutral One' });
  A.n2 = await submitted(app, SLUG, 'a4@apps.example', { organisation_name: 'Neutral Two', category: 'CULTURE' });
  A.n3 = await submitted(app, SLUG, 'a5@apps.example', { organisation_name: 'Neutral Three' });
  A.gmail = await submitted(app, SLUG, 'a6@apps.example', { organisation_name: 'Webmail Users', contact_email: 'someone@gmail.com' });
  // Reviewers: one of Hospital Clinic S.A., one of uni wien (partner),
  // one at med-x.example, one with a gmail address, two neutral.
  R.clinic = await reviewer(app, chair, SLUG, 'r1@rev-one.example', { orgs: ['Hospital Clinic S.A.'], expertise: ['IMPACT'] });
  R.wien = await reviewer(app, chair, SLUG, 'r2@rev-two.example', { orgs: ['universitat wien'] });
  R.medx = await reviewer(app, chair, SLUG, 'r3@med-x.example', { expertise: ['CULTURE'] });
  R.gmail = await reviewer(app, chair, SLUG, 'r4@gmail.com', { expertise: ['IMPACT', 'CULTURE'] });
  R.n5 = await reviewer(app, chair, SLUG, 'r5@rev-five.example', { expertise: ['CULTURE'] });
  R.n6 = await reviewer(app, chair, SLUG, 'r6@rev-six.example', { expertise: ['IMPACT'] });
  for (const [k, email] of Object.entries({ clinic: 'r1@rev-one.example', wien: 'r2@rev-two.example', medx: 'r3@med-x.example',
    gmail: 'r4@gmail.com', n5: 'r5@rev-five.example', n6: 'r6@rev-six.example' }))
    R[k].id = uid(email);
  sql(`UPDATE rounds SET reviews_per_application = 2 WHERE slug = '${SLUG}'`);
});
after(async () => { await app.stop(); });

test('automatic conflicts, each with its reason; webmail never counts', async () => {
  const { html } = await chair.page(`/admin/rounds/${SLUG}/conflicts`);
  assert.match(html, /organisation: Hospital Clinic S\.A\. ↔ Hospital Clínic/);
  assert.match(html, /organisation: universitat wien ↔ Universität Wien \(partner\)/);
  assert.match(html, /e-mail domain: med-x\.example ↔ med-x\.example/);
  assert.doesNotMatch(html, /gmail\.com ↔/);
  const pairs = sql(`SELECT count(DISTINCT (application_id, user_id)) FROM round_conflicts((SELECT id FROM rounds WHERE slug = '${SLUG}'))`);
  assert.equal(pairs, '3');
});

test('a conflicted pair is refused by hand with its reason; others are added and mailed', async () => {
  const res = await post({ action: 'add', application: A.clinic.id, reviewer: R.clinic.id });
  assert.equal(res.status, 409);
  assert.match(await res.text(), /conflict of interest with this application \(organisation: Hospital Clinic S\.A\. ↔ Hospital Clínic\)/);
  assert.equal(active().length, 0);

  const mails = Number(sql(`SELECT count(*) FROM outbox WHERE to_addr = 'r6@rev-six.example'`));
  assert.equal((await post({ action: 'add', application: A.n1.id, reviewer: R.n6.id })).status, 303);
  assert.deepEqual(active(), [`${A.n1.id}:${R.n6.id}`]);
  assert.equal(Number(sql(`SELECT count(*) FROM outbox WHERE to_addr = 'r6@rev-six.example'`)), mails + 1);
  assert.match(sql(`SELECT body FROM outbox WHERE to_addr = 'r6@rev-six.example' ORDER BY id DESC LIMIT 1`), /BPR-\d{4}-\d{4} — Federated oncology registry/);
  const dup = await post({ action: 'add', application: A.n1.id, reviewer: R.n6.id });
  assert.equal(dup.status, 409);
  assert.equal((await post({ action: 'remove', application: A.n1.id, reviewer: R.n6.id })).status, 303);
  assert.equal(active().length, 0);
  assert.ok(Number(sql(`SELECT count(*) FROM audit WHERE action IN ('assignment.add', 'assignment.remove')`)) >= 2);
});

test('an admin sets, removes and clears conflicts, each with a reason, audited', async () => {
  const cpath = `/admin/rounds/${SLUG}/conflicts`;
  await chair.page(cpath);
  const noReason = await chair.post(cpath, { action: 'add', application: A.n1.id, reviewer: R.n5.id, reason: '' });
  assert.equal(noReason.status, 422);
  assert.match(await noReason.text(), /Give the reason/);
  assert.equal((await chair.post(cpath, { action: 'add', application: A.n1.id, reviewer: R.n5.id, reason: 'Former employer' })).status, 303);
  assert.match((await chair.page(cpath)).html, /Former employer/);
  // Clear the automatic med-x match, then restore it.
  assert.equal((await chair.post(cpath, { action: 'clear', application: A.medx.id, reviewer: R.medx.id, reason: 'Left MedX in 2019' })).status, 303);
  assert.equal(sql(`SELECT conflict_between(${A.medx.id}, ${R.medx.id})`), 'f');
  assert.equal((await chair.post(cpath, { action: 'restore', application: A.medx.id, reviewer: R.medx.id, reason: 'Still consults' })).status, 303);
  assert.equal(sql(`SELECT conflict_between(${A.medx.id}, ${R.medx.id})`), 't');
  // Clearing what is not automatic is refused.
  assert.equal((await chair.post(cpath, { action: 'clear', application: A.n1.id, reviewer: R.n5.id, reason: 'x' })).status, 409);
  assert.equal((await chair.post(cpath, { action: 'remove', application: A.n1.id, reviewer: R.n5.id, reason: 'Mistake' })).status, 303);
  assert.equal(sql(`SELECT conflict_between(${A.n1.id}, ${R.n5.id})`), 'f');
  assert.equal(sql(`SELECT string_agg(action, ',' ORDER BY id) FROM audit WHERE action LIKE 'conflict.%'`),
    'conflict.add,conflict.clear,conflict.restore,conflict.remove');
});

test('preview proposes without writing; auto gives exactly k, no conflict, balanced, one mail per reviewer', async () => {
  const prev = await post({ action: 'preview' });
  assert.equal(prev.status, 200);
  const html = await prev.text();
  assert.match(html, /Proposal: 12 new assignments/);
  assert.match(html, /Cost: expertise/);
  assert.equal(active().length, 0);

  const before = Number(sql(`SELECT count(*) FROM outbox WHERE subject LIKE 'New applications%'`));
  const res = await post({ action: 'auto' });
  assert.equal(res.status, 303);
  const pairs = active();
  assert.equal(pairs.length, 12);
  const perApp = {}, perRev = {};
  for (const p of pairs) {
    const [a, r] = p.split(':');
    perApp[a] = (perApp[a] || 0) + 1;
    perRev[r] = (perRev[r] || 0) + 1;
    assert.equal(sql(`SELECT conflict_between(${a}, ${r})`), 'f', `conflicted pair ${p}`);
  }
  assert.deepEqual(Object.values(perApp), [2, 2, 2, 2, 2, 2]);
  const loads = Object.values(perRev);
  assert.equal(loads.length, 6);
  assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `loads ${loads}`);
  const mails = Number(sql(`SELECT count(*) FROM outbox WHERE subject LIKE 'New applications%'`)) - before;
  assert.equal(mails, 6, 'one e-mail per reviewer');
  assert.equal(sql(`SELECT count(*) FROM audit WHERE action = 'assignment.auto'`), '1');
  // The cost terms are shown to admins.
  assert.match((await chair.page(path)).html, /cost: expertise \d+, load \d+/);
  // Running again changes nothing.
  const again = await post({ action: 'auto' });
  assert.equal(again.status, 303);
  assert.match(again.headers.get('location'), /done=none/);
  assert.deepEqual(active(), pairs);
});

test('a declared conflict and a member leaving orphan slots; auto fills only those', async () => {
  const pairs = active();
  // A reviewer declares a conflict on an assignment.
  const mine = sql(`SELECT id FROM assignments WHERE user_id = ${R.n6.id} AND ended_at IS NULL ORDER BY id LIMIT 1`);
  const c = R.n6;
  await c.page(`/review/${mine}`);
  assert.equal((await c.post(`/review/${mine}/conflict`, { reason: 'My sister works there' })).status, 303);
  // An admin removes another member.
  const leaving = R.n5.id;
  const kept = pairs.filter((p) => !p.endsWith(`:${leaving}`));
  await chair.page(`/admin/rounds/${SLUG}/panel`);
  assert.equal((await chair.post(`/admin/rounds/${SLUG}/panel`, { action: 'remove', user: leaving })).status, 303);
  const orphans = 12 - active().length;
  assert.ok(orphans >= 2, `orphans ${orphans}`);
  assert.equal((await post({ action: 'auto' })).status, 303);
  const after = active();
  assert.equal(after.length, 12);
  const changed = after.filter((p) => !pairs.includes(p)).length;
  assert.equal(changed, orphans, 'only the orphaned slots change');
  for (const p of kept.filter((x) => after.includes(x)))
    assert.ok(after.includes(p));
});

test('when no complete assignment exists, the page says why and nothing is written', async () => {
  const before = active();
  sql(`UPDATE rounds SET reviews_per_application = 5 WHERE slug = '${SLUG}'`);
  const res = await post({ action: 'auto' });
  assert.equal(res.status, 409);
  const html = await res.text();
  assert.match(html, /No complete assignment exists/);
  assert.match(html, /nothing was written/);
  assert.match(html, /BPR-\d{4}-\d{4}/);
  assert.match(html, /id="why"/);
  assert.deepEqual(active(), before);
  sql(`UPDATE rounds SET reviews_per_application = 2 WHERE slug = '${SLUG}'`);
});

test("admins list the round's applications and read one read-only", async () => {
  const { html } = await chair.page(`/admin/rounds/${SLUG}/applications`);
  assert.match(html, /Clinic registry/);
  assert.match(html, /2 \/ 2/);
  const view = await chair.page(`/applications/${A.clinic.id}`);
  assert.equal(view.res.status, 200);
  assert.match(view.html, /Clinic registry/);
  assert.doesNotMatch(view.html, /name="action" value="save"/);
  // Read-only: the admin's POSTs change nothing.
  const v = sql(`SELECT version FROM applications WHERE id = ${A.clinic.id}`);
  const res = await chair.post(`/applications/${A.clinic.id}`, { action: 'save', version: v, title: 'Admin edit' });
  assert.equal(res.status, 404);
  assert.equal(sql(`SELECT version FROM applications WHERE id = ${A.clinic.id}`), v);
  assert.equal((await chair.post(`/applications/${A.clinic.id}/withdraw`, {})).status, 404);
});

test("exports: an applicant's says nothing of the panel; a reviewer's has their part", async () => {
  const res = await A.clinic.c.get('/account/export');
  assert.equal(res.status, 200);
  const text = await res.text();
  for (const leak of [/assignment\./, /conflict\./, /r\d@/, /Hospital Clinic S\.A\./, /"panel":\{"memberships":\[\{/])
    assert.doesNotMatch(text, leak);
  const mine = JSON.parse(await (await R.n6.get('/account/export')).text());
  assert.equal(mine.panel.memberships.length, 1);
  assert.ok(mine.panel.assignments.length >= 1);
  assert.equal(mine.panel.declared_conflicts[0].reason, 'My sister works there');
  // The conflicted reviewer's export does not name the application.
  const clinicRef = sql(`SELECT reference FROM applications WHERE id = ${A.clinic.id}`);
  assert.doesNotMatch(await (await R.clinic.get('/account/export')).text(), new RegExp(clinicRef));
});

test('a started review is never taken away: not by hand, and kept when its reviewer leaves', async () => {
  const [pair] = active();
  const [a, r] = pair.split(':');
  sql(`UPDATE assignments SET started_at = now() WHERE application_id = ${a} AND user_id = ${r}`);
  const res = await post({ action: 'remove', application: a, reviewer: r });
  assert.equal(res.status, 409);
  assert.match(await res.text(), /started the review; a started review is never taken away/);
  await chair.page(`/admin/rounds/${SLUG}/panel`);
  assert.equal((await chair.post(`/admin/rounds/${SLUG}/panel`, { action: 'remove', user: r })).status, 303);
  assert.equal(sql(`SELECT ended_reason FROM assignments WHERE application_id = ${a} AND user_id = ${r}`), 'member_removed');
  assert.match((await chair.page(path)).html, /started · ended: member_removed/);
  const { html } = await chair.page(`/admin/rounds/${SLUG}/panel`);
  assert.match(html, /left the panel/);
  assert.match(html, /\+1 started, kept/);
});

test('the rule said four ways agrees: conflict_between() per pair, round_conflicts(), user_conflicts() and ranking_conflicts() set-wise', () => {
  const round = `(SELECT id FROM rounds WHERE slug = '${SLUG}')`;
  const agree = (what) => {
    const perPair = sql(`SELECT string_agg(a.id || ':' || m.user_id, ',' ORDER BY a.id, m.user_id)
      FROM applications a, panel_members m WHERE a.round_id = ${round} AND a.state = 'submitted'
      AND m.round_id = ${round} AND m.removed_at IS NULL AND conflict_between(a.id, m.user_id)`);
    const setWise = sql(`SELECT string_agg(p, ',' ORDER BY a, u) FROM (SELECT DISTINCT application_id AS a, user_id AS u,
      application_id || ':' || user_id AS p FROM round_conflicts(${round}) WHERE NOT cleared) x`);
    assert.equal(setWise, perPair, what);
    // Each member's, over the round's applications at once.
    const perUser = sql(`SELECT string_agg(c.application_id || ':' || m.user_id, ',' ORDER BY c.application_id, m.user_id)
      FROM panel_members m, user_conflicts(m.user_id, ARRAY(SELECT a.id FROM applications a
        WHERE a.round_id = ${round} AND a.state = 'submitted')) c
      WHERE m.round_id = ${round} AND m.removed_at IS NULL`);
    assert.equal(perUser, perPair, what);
    // ranking_conflicts(), found from each member's side (issue 16),
    // kept to the round's submitted applications as the others are.
    const fromUser = sql(`SELECT string_agg(c.application_id || ':' || m.user_id, ',' ORDER BY c.application_id, m.user_id)
      FROM panel_members m, ranking_conflicts(${round}, m.user_id) c
      JOIN applications a ON a.id = c.application_id AND a.state = 'submitted'
      WHERE m.round_id = ${round} AND m.removed_at IS NULL`);
    assert.equal(fromUser, perPair, what);
    return perPair;
  };
  const plain = agree('as the round stands');
  assert.ok(plain.split(',').length >= 3, plain);
  // An automatic match cleared, and an admin-set conflict: each moves
  // one pair, and every way says so.
  const auto = sql(`SELECT application_id || ':' || user_id FROM round_conflicts(${round}) x
    WHERE source = 'automatic' AND NOT cleared AND NOT EXISTS (SELECT 1 FROM round_conflicts(${round}) y
      WHERE y.application_id = x.application_id AND y.user_id = x.user_id AND y.source <> 'automatic')
    ORDER BY 1 LIMIT 1`);
  const free = sql(`SELECT a.id || ':' || m.user_id FROM applications a, panel_members m
    WHERE a.round_id = ${round} AND a.state = 'submitted' AND m.round_id = ${round} AND m.removed_at IS NULL
      AND NOT conflict_between(a.id, m.user_id) ORDER BY 1 LIMIT 1`);
  assert.ok(auto && free, `${auto} ${free}`);
  assert.ok(plain.split(',').includes(auto), plain);
  const [aa, au] = auto.split(':');
  sql(`INSERT INTO conflicts (application_id, user_id, source, reason) VALUES (${aa}, ${au}, 'cleared', 'test')`);
  assert.ok(!agree('an automatic match cleared').split(',').includes(auto));
  const [fa, fu] = free.split(':');
  sql(`INSERT INTO conflicts (application_id, user_id, source, reason) VALUES (${fa}, ${fu}, 'admin', 'test')`);
  assert.ok(agree('an admin-set conflict').split(',').includes(free));
  sql(`DELETE FROM conflicts WHERE reason = 'test'`);
  assert.equal(agree('both undone'), plain);
});
