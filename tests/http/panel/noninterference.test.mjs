// Non-interference (issue 11): for a conflicted reviewer, every page and
// answer they can reach is the same, apart from tokens and times,
// whether the application they are conflicted with exists or not.
// Record all their pages with it, delete it, record again, compare.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { openRound, upload, pdf } from '../../lib/apply.mjs';
import { admin, reviewer, submitted } from '../../lib/panel.mjs';

let app, chair, x, y;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'ni';

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app);
  openRound(app, SLUG);
  sql(`UPDATE rounds SET reviews_per_application = 1 WHERE slug = '${SLUG}'`);
  x = await reviewer(app, chair, SLUG, 'x@x-lab.example', { orgs: ['Conflict Org'] });
  y = await reviewer(app, chair, SLUG, 'y@y-lab.example');
  x.id = sql(`SELECT id FROM users WHERE email = 'x@x-lab.example'`);
  y.id = sql(`SELECT id FROM users WHERE email = 'y@y-lab.example'`);
  // Two applications x reviews, confirmed, one with a document.
  const a1 = await submitted(app, SLUG, 'n1@apps.example', { organisation_name: 'Neutral One', title: 'Neutral one' });
  await upload(a1.c, a1.id, pdf('neutral'), 'n.pdf');
  const a2 = await submitted(app, SLUG, 'n2@apps.example', { organisation_name: 'Neutral Two', title: 'Neutral two' });
  for (const a of [a1, a2])
    sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
      VALUES ((SELECT id FROM rounds WHERE slug = '${SLUG}'), ${a.id}, ${x.id}, 'manual', now())`);
});
after(async () => { await app.stop(); });

// Everything but tokens, times and the request's own noise.
function normalise(text) {
  return text
    .replace(/name="csrf_token" value="[^"]*"/g, 'name="csrf_token" value="T"')
    .replace(/<meta name="csrf-token" content="[^"]*"/g, '<meta name="csrf-token" content="T"')
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?/g, 'TIME')
    .replace(/"(created_at|last_seen|expires_at|at|joined_at)":"[^"]*"/g, '"$1":"TIME"');
}

// Every GET x can make: their pages, their assignments and documents, and
// the addresses where the conflicted application and its assignment would
// be (ids passed in, so both recordings ask the very same URLs).
async function record(probe, mine, files) {
  const out = {};
  const paths = ['/', '/rules', '/privacy', '/account', '/account/affiliations', '/account/export', '/applications',
    '/review', '/review?declared=1', '/admin', `/admin/rounds/${SLUG}/panel`, `/admin/rounds/${SLUG}/assignments`,
    `/admin/rounds/${SLUG}/applications`, `/admin/rounds/${SLUG}/conflicts`,
    ...mine.map((a) => `/review/${a}`),
    ...mine.flatMap((a) => files.map((f) => `/review/${a}/files/${f}`)),
    `/applications/${probe.app}`, `/applications/${probe.app}/files/${probe.file}`,
    `/review/${probe.assignment}`, `/review/${probe.assignment}/files/${probe.file}`];
  for (const p of paths) {
    const res = await x.get(p);
    const body = Buffer.from(await res.arrayBuffer()).toString('latin1');
    out[p] = `${res.status} ${res.headers.get('content-type')} ${res.headers.get('location') || ''}\n${normalise(body)}`;
  }
  // And the POSTs x can send about it: refused alike.
  await x.page('/review');
  for (const p of [`/review/${probe.assignment}`, `/review/${probe.assignment}/conflict`]) {
    const res = await x.post(p, { action: 'confirm', reason: 'probe' });
    out[`POST ${p}`] = `${res.status}\n${normalise(await res.text())}`;
  }
  return out;
}

test("a conflicted reviewer's pages are the same whether the application exists or not", async () => {
  // The conflicted application: its organisation is x's, y reviews it,
  // it has a document.
  const mine = sql(`SELECT string_agg(id::text, ' ' ORDER BY id) FROM assignments WHERE user_id = ${x.id}`).split(' ');
  const files = sql(`SELECT string_agg(f.id::text, ' ' ORDER BY f.id) FROM application_files f JOIN assignments s
    ON s.application_id = f.application_id WHERE s.user_id = ${x.id}`).split(' ').filter(Boolean);
  const c = await submitted(app, SLUG, 'c@apps.example', { organisation_name: 'Conflict Org GmbH', title: 'Secret practice' });
  await upload(c.c, c.id, pdf('secret'), 'secret.pdf');
  sql(`INSERT INTO assignments (round_id, application_id, user_id, source, confirmed_at)
    VALUES ((SELECT id FROM rounds WHERE slug = '${SLUG}'), ${c.id}, ${y.id}, 'manual', now())`);
  assert.equal(sql(`SELECT conflict_between(${c.id}, ${x.id})`), 't');
  const probe = {
    app: c.id,
    file: sql(`SELECT id FROM application_files WHERE application_id = ${c.id}`),
    assignment: sql(`SELECT id FROM assignments WHERE application_id = ${c.id}`),
  };
  // Even assigned by mistake to x, it does not appear.
  sql(`INSERT INTO assignments (round_id, application_id, user_id, source)
    VALUES ((SELECT id FROM rounds WHERE slug = '${SLUG}'), ${c.id}, ${x.id}, 'manual')`);
  const mistaken = sql(`SELECT id FROM assignments WHERE application_id = ${c.id} AND user_id = ${x.id}`);
  const withIt = await record(probe, mine, files);
  // The recording is of real pages: x's list and applications are there
  // (a run of 404s would compare equal and prove nothing).
  assert.match(withIt['/review'], /^200 /);
  assert.match(withIt['/review'], /Neutral one/);
  for (const a of mine)
    assert.match(withIt[`/review/${a}`], /^200 [\s\S]*Neutral (one|two)/);
  assert.ok(files.length >= 1 && Object.keys(withIt).some((p) => /\/files\//.test(p) && /^200 /.test(withIt[p])));
  assert.equal((await x.get(`/review/${mistaken}`)).status, 404);
  for (const [p, answer] of Object.entries(withIt))
    assert.doesNotMatch(answer, /Secret practice|Conflict Org GmbH|secret\.pdf/, p);

  sql(`DELETE FROM assignments WHERE application_id = ${c.id}; DELETE FROM applications WHERE id = ${c.id}`);
  const without = await record(probe, mine, files);
  for (const p of Object.keys(withIt))
    assert.equal(without[p], withIt[p], `the answer to ${p} differs`);
});
