// The one rights function, application_rights(), asked directly: what it
// answers for each relation and state, and that the SQL functions behind
// the pages refuse a caller it does not allow, even when called by the
// application's role without the page's own check (two locks).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { openRound, setCloses, seedApplicants } from '../../lib/apply.mjs';

let app;
const sql = (q) => app.cluster.psql(q, app.db);
// As the application connects: the functions' own checks, nothing else.
const asApp = (q) => sql(`SET ROLE laurel_app; ${q}`);
const id = (email) => sql(`SELECT id FROM users WHERE email = '${email}'`);
const rights = (appId, user) => JSON.parse(asApp(`SELECT application_rights(${appId}, ${user})`));
let owner, stranger, admin, draft;

before(async () => {
  app = await startApp();
  seedApplicants(app, 'rights', 3);
  owner = id('rights1@example.org');
  stranger = id('rights2@example.org');
  admin = id('rights3@example.org');
  sql(`UPDATE users SET is_admin = true WHERE id = ${admin}`);
  openRound(app, 'rights');
  draft = asApp(`SELECT number FROM application_create(${owner}, 'rights', 'test')`);
});
after(async () => { await app.stop(); });

test('the owner may view, see files, edit and withdraw an open draft', () => {
  assert.deepEqual(rights(draft, owner), { relation: 'owner', allows: ['view', 'files', 'withdraw', 'edit'] });
});

test('a stranger and an anonymous caller get nothing; an administrator is named but gets nothing yet', () => {
  assert.deepEqual(rights(draft, stranger), { relation: 'none', allows: [] });
  assert.deepEqual(rights(draft, 'NULL'), { relation: 'none', allows: [] });
  assert.deepEqual(rights(draft, admin), { relation: 'admin', allows: [] });
  assert.deepEqual(rights(999999, owner), { relation: 'none', allows: [] });
});

test('after the deadline the owner may no longer edit; after withdrawal only view and files', () => {
  setCloses(app, 'rights', -60);
  assert.deepEqual(rights(draft, owner).allows, ['view', 'files', 'withdraw']);
  setCloses(app, 'rights', 3600);
  assert.equal(asApp(`SELECT outcome FROM application_withdraw(${draft}, ${owner}, 'test')`), 'ok');
  assert.deepEqual(rights(draft, owner).allows, ['view', 'files']);
});

test("every function on an application refuses a caller the rights do not allow", () => {
  const other = asApp(`SELECT number FROM application_create(${owner}, 'rights', 'test')`);
  const before = sql(`SELECT concat_ws('/', (SELECT count(*) FROM application_versions), (SELECT count(*) FROM application_files), (SELECT state FROM applications WHERE id = ${other}))`);
  for (const who of [stranger, admin]) {
    assert.equal(asApp(`SELECT application_view(${other}, ${who}, NULL) IS NULL`), 't');
    assert.equal(asApp(`SELECT outcome FROM application_save(${other}, ${who}, 0, '{"title":"x"}', 'save', 'test', 's', 'b')`), 'notfound');
    assert.equal(asApp(`SELECT outcome FROM application_withdraw(${other}, ${who}, 'test')`), 'notfound');
    assert.equal(asApp(`SELECT outcome FROM application_file_add(${other}, ${who}, 'a.pdf', 1, 'x', 'k', '\\x00', 'test', 's', 'b')`), 'notfound');
    assert.equal(asApp(`SELECT outcome FROM application_file_delete(${other}, ${who}, 1, 'test', 's', 'b')`), 'notfound');
    assert.equal(asApp(`SELECT count(*) FROM application_file_get(${other}, ${who}, 1)`), '0');
  }
  assert.equal(sql(`SELECT concat_ws('/', (SELECT count(*) FROM application_versions), (SELECT count(*) FROM application_files), (SELECT state FROM applications WHERE id = ${other}))`), before);
});

test('admin-only functions check their caller themselves', () => {
  assert.equal(asApp(`SELECT round_admin_list(${stranger}) IS NULL`), 't');
  assert.equal(asApp(`SELECT round_admin_view('rights', ${stranger}) IS NULL`), 't');
  assert.equal(asApp(`SELECT round_admin_defaults(${stranger}) IS NULL`), 't');
  assert.equal(asApp(`SELECT round_admin_view('rights', ${admin}) IS NULL`), 'f');
  assert.equal(asApp(`SELECT json_array_length(round_admin_list(${admin})) > 0`), 't');

  const save = (actor) => asApp(`SELECT outcome FROM round_save(NULL, ${actor}, 'test', 'Sneaky', 'sneaky', '',
    '[{"code":"A","description":""}]', '{AT}', 'Europe/Brussels', '2030-01-01T00:00', '2030-02-01T00:00', '', '',
    false, 3, 5, 20)`);
  assert.equal(save(stranger), 'notfound');
  assert.equal(save('NULL'), 'notfound', "the operator's NULL actor is not the application's");
  assert.equal(sql("SELECT count(*) FROM rounds WHERE slug = 'sneaky'"), '0');
  assert.equal(save(admin), 'saved');
  // A disabled administrator is no administrator.
  sql(`UPDATE users SET disabled_at = now() WHERE id = ${admin}`);
  assert.equal(asApp(`SELECT round_admin_list(${admin}) IS NULL`), 't');
});
