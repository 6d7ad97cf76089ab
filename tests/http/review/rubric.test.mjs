// The rubric page (issue 12): admins edit the round's criteria, add,
// remove and move them, set the tie-break order, until the first review
// of the round is submitted; then the page is read-only and says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { openRound } from '../../lib/apply.mjs';
import { admin, submitted } from '../../lib/panel.mjs';

let app, chair;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'rubric';
const path = `/admin/rounds/${SLUG}/rubric`;
const codes = () => sql(`SELECT string_agg(code, ' ' ORDER BY position) FROM rubric_criteria
  WHERE round_id = (SELECT id FROM rounds WHERE slug = '${SLUG}')`);

async function post(fields) {
  await chair.page(path);
  return chair.post(path, fields);
}

const criterion = (over = {}) => ({
  name: 'Environmental footprint', question: 'Is the computing footprint measured and reduced?',
  weight: '5', gate_min: '', level0: 'Not considered.', level1: 'Mentioned.', level3: 'Measured.',
  level5: 'Measured, reduced and reported.', ...over,
});

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app);
  openRound(app, SLUG);
});
after(async () => { await app.stop(); });

test('every round starts with the default rubric, shown with its descriptors', async () => {
  const { res, html } = await chair.page(path);
  assert.equal(res.status, 200);
  assert.equal(codes(), 'C1 C2 C3 C4 C5 C6 C7');
  assert.match(html, /C1 · Lawful basis and purpose/);
  assert.equal((html.match(/gate: at least 3/g) || []).length, 2, 'C1 and C2 have gates, the others none');
  assert.doesNotMatch(html, /gate: at least <|gate: at least \n/);
  assert.match(html, /Five Safes/);
  assert.match(html, /value="C1 C2 C7"/);
  assert.match(html, /weights now add up to 100/);
});

test('a criterion is edited, added, moved and removed; each change audited', async () => {
  assert.equal((await post({ action: 'save', code: 'C3', ...criterion({ name: 'Transparency', weight: '12.5', gate_min: '2.5' }) })).status, 303);
  assert.equal(sql(`SELECT name || ' ' || weight || ' ' || gate FROM rubric_criteria WHERE code = 'C3'`), 'Transparency 12.50 2.5');
  assert.equal((await post({ action: 'add', ...criterion() })).status, 303);
  assert.equal(codes(), 'C1 C2 C3 C4 C5 C6 C7 C8');
  assert.equal((await post({ action: 'up', code: 'C8' })).status, 303);
  assert.equal(codes(), 'C1 C2 C3 C4 C5 C6 C8 C7');
  assert.equal((await post({ action: 'up', code: 'C1' })).status, 303, 'the first one stays');
  assert.equal((await post({ action: 'down', code: 'C1' })).status, 303);
  assert.equal(codes(), 'C2 C1 C3 C4 C5 C6 C8 C7');
  assert.equal((await post({ action: 'remove', code: 'C7' })).status, 303);
  assert.equal(codes(), 'C2 C1 C3 C4 C5 C6 C8');
  assert.equal(sql(`SELECT array_to_string(tie_break, ' ') FROM rounds WHERE slug = '${SLUG}'`), 'C1 C2', 'C7 left the tie-break too');
  assert.equal((await post({ action: 'add', ...criterion({ name: 'Again' }) })).status, 303);
  assert.match(codes(), / C9$/, 'codes are never reused');
  assert.equal(sql(`SELECT string_agg(action, ',' ORDER BY id) FROM audit WHERE action LIKE 'rubric.%'`),
    'rubric.save,rubric.add,rubric.move,rubric.move,rubric.remove,rubric.add');
});

test('a rubric has at most 20 criteria', async () => {
  let n = Number(sql(`SELECT count(*) FROM rubric_criteria WHERE round_id = (SELECT id FROM rounds WHERE slug = '${SLUG}')`));
  for (; n < 20; n++)
    assert.equal((await post({ action: 'add', ...criterion({ name: `Extra ${n}` }) })).status, 303);
  const res = await post({ action: 'add', ...criterion({ name: 'One too many' }) });
  assert.equal(res.status, 409);
  assert.match(await res.text(), /at most 20 criteria/);
  sql(`DELETE FROM rubric_criteria WHERE name LIKE 'Extra %'`);
});

test('every field is checked, with its message, and nothing changes', async () => {
  const before = sql(`SELECT md5(string_agg(r::text, '' ORDER BY code)) FROM rubric_criteria r`);
  const res = await post({ action: 'add', ...criterion({ name: '', weight: '1e1', gate_min: '5.5', level3: 'x'.repeat(1001) }) });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(html, /Enter the criterion&#39;s name\.|Enter the criterion's name\./);
  assert.match(html, /A weight is a number such as 15/);
  assert.match(html, /A gate is empty, or a score from 0 to 5 in steps of 0\.5/);
  assert.match(html, /at most 1000 characters/);
  for (const weight of ['0', '-3', '1001', 'abc'])
    assert.equal((await post({ action: 'save', code: 'C1', ...criterion({ weight }) })).status, 422, weight);
  assert.equal((await post({ action: 'save', code: 'C99', ...criterion() })).status, 404);
  assert.equal((await post({ action: 'drop', code: 'C1' })).status, 400);
  assert.equal(sql(`SELECT md5(string_agg(r::text, '' ORDER BY code)) FROM rubric_criteria r`), before);
});

test('the tie-break order names criteria of this rubric, each once', async () => {
  assert.equal((await post({ action: 'tie_break', tie_break: 'c2, c1 > c3' })).status, 303);
  assert.equal(sql(`SELECT array_to_string(tie_break, ' ') FROM rounds WHERE slug = '${SLUG}'`), 'C2 C1 C3');
  for (const tie_break of ['C1 C1', 'C1 C77', '', "C1'; --"]) {
    const res = await post({ action: 'tie_break', tie_break });
    assert.equal(res.status, 422, tie_break);
  }
  assert.equal(sql(`SELECT array_to_string(tie_break, ' ') FROM rounds WHERE slug = '${SLUG}'`), 'C2 C1 C3');
});

test('after the first submitted review the rubric is read-only, and says why', async () => {
  const a = await submitted(app, SLUG, 'app@apps.example');
  const reviewer = sql(`SELECT id FROM users WHERE email = 'app@apps.example'`);
  sql(`INSERT INTO panel_members (round_id, user_id) SELECT id, (SELECT id FROM users WHERE email = 'chair@example.org') FROM rounds WHERE slug = '${SLUG}';
    INSERT INTO assignments (round_id, application_id, user_id, source)
      SELECT id, ${a.id}, (SELECT id FROM users WHERE email = 'chair@example.org'), 'manual' FROM rounds WHERE slug = '${SLUG}';
    INSERT INTO reviews (assignment_id, state) SELECT id, 'draft' FROM assignments WHERE application_id = ${a.id}`);
  void reviewer;
  // A draft does not lock it.
  assert.equal((await post({ action: 'save', code: 'C1', ...criterion({ name: 'Still editable' }) })).status, 303);
  sql(`UPDATE reviews SET state = 'submitted', submitted_at = now()`);
  const { html } = await chair.page(path);
  assert.match(html, /the rubric can no longer change: every review must be scored on the same criteria/);
  assert.doesNotMatch(html, /name="action" value="save"/);
  const before = codes();
  for (const fields of [{ action: 'save', code: 'C1', ...criterion() }, { action: 'add', ...criterion() },
    { action: 'remove', code: 'C1' }, { action: 'up', code: 'C2' }, { action: 'tie_break', tie_break: 'C1' }]) {
    const res = await chair.post(path, fields);
    assert.equal(res.status, 409, fields.action);
  }
  assert.equal(codes(), before);
});
