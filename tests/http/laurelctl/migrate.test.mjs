// laurelctl migrate and sql/: every function and trigger has one text in
// sql/, applied after the migrations on every run, in the same
// transaction. A second run changes nothing, a database made with the old
// migrations (which defined the functions) ends like a fresh one, what no
// file defines goes, and a broken file changes nothing at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, ROOT, migrate, tempDir as harnessTempDir } from '../../lib/harness.mjs';

const CTL = join(ROOT, 'build/laurelctl');
// The last commit whose migrations defined the functions themselves.
const OLD = '007bb89';

let cluster;
let fresh;	// the state of a freshly migrated database
const dirs = [];

function tempDir(prefix) {
  const dir = harnessTempDir(prefix);
  dirs.push(dir);
  return dir;
}

// Everything migrate owns, and the privileges that depend on it: each
// function of the schema (not citext's) with its definition, its ACL and
// whether the app's role may call it; each trigger; each table's ACL.
const STATE = `SELECT json_build_object(
  'functions', (SELECT json_object_agg(p.proname || '(' || oidvectortypes(p.proargtypes) || ')',
      json_build_object('def', pg_get_functiondef(p.oid), 'acl', p.proacl::text,
      'app', has_function_privilege('laurel_app', p.oid, 'EXECUTE'))
      ORDER BY p.proname, oidvectortypes(p.proargtypes))
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
      AND d.objid = p.oid AND d.deptype = 'e')),
  'triggers', (SELECT json_agg(pg_get_triggerdef(t.oid) ORDER BY pg_get_triggerdef(t.oid))
    FROM pg_trigger t WHERE NOT t.tgisinternal),
  'relations', (SELECT json_object_agg(c.relname, c.relacl::text ORDER BY c.relname)
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'S', 'v')),
  'migrations', (SELECT json_agg(name ORDER BY version) FROM schema_migrations))`;

function state(db) {
  return JSON.parse(cluster.psql(STATE, db));
}

function ctl(db, args) {
  return spawnSync(CTL, ['migrate', ...args], {
    env: { ...process.env, LAUREL_DB: cluster.dsn(db) }, encoding: 'utf8',
  });
}

function freshDb() {
  const db = cluster.createDatabase();
  migrate(cluster.dsn(db));
  return db;
}

// A copy of migrations/ and sql/ side by side, to change.
function copyTree() {
  const dir = tempDir('laurel-tree-');
  cpSync(join(ROOT, 'migrations'), join(dir, 'migrations'), { recursive: true });
  cpSync(join(ROOT, 'sql'), join(dir, 'sql'), { recursive: true });
  return dir;
}

before(() => {
  cluster = Cluster.shared();
  fresh = state(freshDb());
});
after(() => {
  cluster.stop();
  for (const dir of dirs)
    rmSync(dir, { recursive: true, force: true });
});

test('each function has one text, in sql/, and no migration defines one', () => {
  const names = [];
  for (const f of readdirSync(join(ROOT, 'sql')).filter((f) => f.endsWith('.sql'))) {
    const text = readFileSync(join(ROOT, 'sql', f), 'utf8').replace(/^\s*--.*$/gm, '');
    assert.doesNotMatch(text, /CREATE\s+(FUNCTION|TRIGGER|PROCEDURE)/i, `${f}: CREATE OR REPLACE only`);
    names.push(...[...text.matchAll(/CREATE OR REPLACE FUNCTION (\w+)\(/g)].map((m) => m[1]));
  }
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], 'no function is defined twice');
  assert.deepEqual([...names].sort(), Object.keys(fresh.functions).map((k) => k.replace(/\(.*/, '')).sort(),
    'the database has exactly the functions of sql/');
  for (const f of readdirSync(join(ROOT, 'migrations'))) {
    const text = readFileSync(join(ROOT, 'migrations', f), 'utf8').replace(/^\s*--.*$/gm, '');
    assert.doesNotMatch(text, /CREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|TRIGGER|PROCEDURE)|ON\s+FUNCTION/i, f);
  }
});

test('the rights of the app role are those the migrations gave it', () => {
  const fns = fresh.functions;
  for (const f of ['ctl_user_create(citext, text, text, boolean)', 'ctl_user_set_admin(citext, boolean)',
    'ctl_user_disable(citext)'])
    assert.equal(fns[f].app, false, `${f}: operator only`);
  assert.equal(fns['account_delete(bigint, text)'].app, true);
  assert.match(fns['account_delete(bigint, text)'].def, /SECURITY DEFINER/);
  assert.equal(fns['account_delete(bigint, text)'].acl, '{laurel=X/laurel,laurel_app=X/laurel}', 'not PUBLIC');
  assert.equal(fns['session_touch(text)'].app, true);
  // No right on any table or sequence but the mailer's on the outbox:
  // the functions are the only doors (0013_least_privilege.sql).
  for (const [rel, acl] of Object.entries(fresh.relations)) {
    if (rel === 'outbox')
      assert.equal(acl, '{laurel=arwdDxt/laurel,laurel_app=rw/laurel}', 'the mailer claims and marks messages');
    else
      assert.doesNotMatch(acl ?? '', /laurel_app/, `${rel}: no right for the app's role`);
  }
  // Each function the app may call runs as its owner with a fixed
  // search_path, unless it is pure (IMMUTABLE: no table at all).
  for (const [f, { def, app }] of Object.entries(fns)) {
    if (!app || /\bIMMUTABLE\b/.test(def))
      continue;
    assert.match(def, /SECURITY DEFINER/, `${f} runs as its owner`);
    assert.match(def, /SET search_path TO 'public', 'pg_temp'/, `${f} has a fixed search_path`);
  }
  // The audit chain's two, the outbox's, one round_frozen() per table
  // of a round's content (sql/90_decisions.sql), the six that keep
  // review_halves (sql/85_ranking.sql), and the nineteen that raise a
  // round's generation (sql/98_dashboard.sql): eighteen deferred
  // constraint triggers, made again on every run, and the countries'.
  assert.equal(fresh.triggers.length, 46);
  assert.equal(fresh.triggers.filter((t) => /^CREATE CONSTRAINT TRIGGER \w+_dashboard(_update)? AFTER .* DEFERRABLE INITIALLY DEFERRED FOR EACH ROW .*EXECUTE FUNCTION dashboard_changed\(\)$/.test(t)).length, 18);
  assert.equal(fresh.triggers.filter((t) => /EXECUTE FUNCTION countries_changed\(/.test(t)).length, 1);
  assert.equal(fresh.triggers.filter((t) => /EXECUTE FUNCTION (review_scores|rubric_criteria)_changed\(/.test(t)).length, 6);
  assert.equal(fresh.triggers.filter((t) => /EXECUTE FUNCTION round_frozen\(/.test(t)).length, 18);
});

test('a second migrate changes no function, trigger or privilege', () => {
  const db = freshDb();
  const before = state(db);
  assert.deepEqual(before, fresh);
  const r = ctl(db, [join(ROOT, 'migrations'), join(ROOT, 'sql')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '', 'nothing applied, dropped or re-granted');
  assert.equal(r.stderr, '');
  assert.deepEqual(state(db), before);
});

test('sql/ is found beside the migrations folder, and a missing one is an error', () => {
  const tree = copyTree();
  const db = cluster.createDatabase();
  const r = ctl(db, [join(tree, 'migrations')]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(state(db), fresh);

  rmSync(join(tree, 'sql'), { recursive: true });
  const db2 = cluster.createDatabase();
  const m = ctl(db2, [join(tree, 'migrations')]);
  assert.equal(m.status, 1);
  assert.equal(m.stderr, `laurelctl: ${join(tree, 'sql')}: No such file or directory\n`);
  mkdirSync(join(tree, 'sql'));
  writeFileSync(join(tree, 'sql', 'README'), 'not SQL');
  const e = ctl(db2, [join(tree, 'migrations')]);
  assert.equal(e.status, 1);
  assert.match(e.stderr, /^laurelctl: \S+\/sql: no \.sql file here/);
  assert.equal(cluster.psql("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace", db2), '0');
});

test('a database migrated with the old migrations ends like a fresh one', (t) => {
  if (spawnSync('git', ['-C', ROOT, 'cat-file', '-e', `${OLD}^{commit}`]).status !== 0) {
    t.skip(`commit ${OLD} is not in this clone (a shallow clone?)`);
    return;
  }
  // The old files, and the laurelctl of that commit to apply them.
  const dir = tempDir('laurel-old-');
  execFileSync('sh', ['-c', `git -C "$1" archive ${OLD} migrations src/laurelctl src/core | tar -x -C "$2"`,
    'sh', ROOT, dir]);
  const core = ['mailfmt', 'form', 'valid', 'pwhash', 'filecrypt', 'keyring', 'sealstr'].map((c) => `src/core/${c}.c`);
  const sources = readdirSync(join(dir, 'src/laurelctl')).filter((f) => f.endsWith('.c')).map((f) => `src/laurelctl/${f}`);
  execFileSync('cc', ['-std=gnu11', '-D_GNU_SOURCE', '-O0', '-Isrc', '-I/usr/include/postgresql',
    '-o', 'laurelctl', ...sources, ...core, '-lpq', '-lsodium', '-lcurl'], { cwd: dir });

  const db = cluster.createDatabase();
  execFileSync(join(dir, 'laurelctl'), ['migrate', join(dir, 'migrations')],
    { env: { ...process.env, LAUREL_DB: cluster.dsn(db) }, encoding: 'utf8' });
  const old = state(db);
  assert.match(old.functions['session_touch(text)'].def, /plpgsql/, 'the old 0012 text');
  // The same migrations by name, then those added since.
  const added = fresh.migrations.slice(old.migrations.length);
  assert.deepEqual(old.migrations, fresh.migrations.slice(0, old.migrations.length), 'the same migrations, by name');
  assert.deepEqual(added, ['0013_least_privilege.sql', '0014_audit_personal.sql', '0015_panel.sql',
    '0016_application_title.sql', '0017_reviews.sql', '0018_decisions.sql', '0019_reminders.sql',
    '0020_application_country.sql', '0021_review_halves.sql', '0022_dashboard_cache.sql']);

  const r = ctl(db, [join(ROOT, 'migrations'), join(ROOT, 'sql')]);
  assert.equal(r.status, 0, r.stderr);
  // The migrations added since; the functions changed since then are
  // made again (or dropped), and nothing needs a grant repaired.
  for (const line of r.stdout.split('\n').filter(Boolean))
    assert.match(line, /^(re-created|dropped) function |^applied 00(1[3-9]|2[0-2])_/, line);
  assert.deepEqual(state(db), fresh);
});

test('what no file of sql/ defines is removed; a changed result is made again', () => {
  const db = freshDb();
  cluster.psql(`
    CREATE FUNCTION stray() RETURNS integer LANGUAGE sql AS 'SELECT 1';
    CREATE FUNCTION session_prune(p_hours integer) RETURNS integer LANGUAGE sql AS 'SELECT 0';
    CREATE FUNCTION stray_trigger() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
    CREATE TRIGGER stray_trigger BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION stray_trigger();
    CREATE TRIGGER audit_again BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_chain();
    DROP FUNCTION throttle_peek(text, integer, interval);
    CREATE FUNCTION throttle_peek(p_key text, p_limit integer, p_window interval) RETURNS boolean
      LANGUAGE sql AS 'SELECT true';
    GRANT EXECUTE ON FUNCTION ctl_user_create(citext, text, text, boolean) TO laurel_app;
    REVOKE EXECUTE ON FUNCTION session_touch(text) FROM PUBLIC`, db);
  const r = ctl(db, [join(ROOT, 'migrations'), join(ROOT, 'sql')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, [
    'dropped trigger audit_again on audit (in no file of sql/)',
    'dropped trigger stray_trigger on users (in no file of sql/)',
    'dropped function session_prune(integer) (in no file of sql/)',
    'dropped function stray() (in no file of sql/)',
    'dropped function stray_trigger() (in no file of sql/)',
    're-created function throttle_peek(text, integer, interval) (its parameters or result changed)',
    'set the privileges of function ctl_user_create(citext, text, text, boolean) to those of sql/',
    'set the privileges of function session_touch(text) to those of sql/',
    ''].join('\n'));
  const after = state(db);
  // session_touch's ACL is written out now ({=X/laurel,...} for NULL):
  // the same rights, which is what is compared here.
  assert.equal(after.functions['session_touch(text)'].app, true);
  delete after.functions['session_touch(text)'].acl;
  const want = structuredClone(fresh);
  delete want.functions['session_touch(text)'].acl;
  assert.deepEqual(after, want);
  assert.equal(ctl(db, [join(ROOT, 'migrations'), join(ROOT, 'sql')]).stdout, '', 'and then nothing');
});

test('a function that a column default uses is not dropped: migrate stops and changes nothing', () => {
  const db = freshDb();
  cluster.psql(`CREATE FUNCTION stray_default() RETURNS integer LANGUAGE sql AS 'SELECT 7';
    CREATE TABLE stray_table (x integer DEFAULT stray_default())`, db);
  const before = state(db);
  const r = ctl(db, [join(ROOT, 'migrations'), join(ROOT, 'sql')]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^laurelctl: \S+\/sql: cannot drop function stray_default\(\) because other objects depend on it \(default value for column x of table stray_table depends on function stray_default\(\)\): keep the function in a file of sql\/, or change what uses it in a migration; nothing was changed\n$/);
  assert.deepEqual(state(db), before);
  assert.equal(cluster.psql("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'stray_table'::regclass", db),
    'stray_default()');
});

test('a broken file of sql/ fails in one line and leaves the database as it was', () => {
  const tree = copyTree();
  // A pending migration, which must not stay half-applied.
  writeFileSync(join(tree, 'migrations', '0999_later.sql'),
    "CREATE TABLE later (x integer);\nINSERT INTO app_info VALUES ('later', 'yes');\n");
  const file = join(tree, 'sql', '30_rounds.sql');
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith('CREATE OR REPLACE FUNCTION round_admin_list('));
  assert.ok(at > 0);
  lines[at] = lines[at].replace('FUNCTION', 'FUNCTON');
  writeFileSync(file, lines.join('\n'));
  const expect = new RegExp(`^laurelctl: \\S+/sql/30_rounds\\.sql:${at + 1}: syntax error at or near "FUNCTON"; nothing was changed\\n$`);

  const db = freshDb();
  const before = state(db);
  const r = ctl(db, [join(tree, 'migrations'), join(tree, 'sql')]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, expect);
  assert.deepEqual(state(db), before);
  assert.equal(cluster.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'later'", db), '0');
  assert.equal(cluster.psql("SELECT count(*) FROM app_info WHERE key = 'later'", db), '0');

  // On a fresh database: not one table, not the extension, nothing.
  const empty = cluster.createDatabase();
  const e = ctl(empty, [join(tree, 'migrations'), join(tree, 'sql')]);
  assert.equal(e.status, 1);
  assert.match(e.stderr, expect);
  assert.equal(cluster.psql("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace", empty), '0');
  assert.equal(cluster.psql("SELECT count(*) FROM pg_extension WHERE extname = 'citext'", empty), '0');
});

test('two migrates at once on a fresh database: one does the work, both succeed', async () => {
  const db = cluster.createDatabase();
  const run = () => new Promise((ok) => {
    const p = spawn(CTL, ['migrate', join(ROOT, 'migrations'), join(ROOT, 'sql')],
      { env: { ...process.env, LAUREL_DB: cluster.dsn(db) } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => ok({ code, out, err }));
  });
  const [a, b] = await Promise.all([run(), run()]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  assert.deepEqual([a.out, b.out].map((o) => o.includes('applied 0001_foundation.sql')).sort(), [false, true]);
  assert.deepEqual(state(db), fresh);
});

// Production's instances connect as laurel_app; migrations run as the
// owner, from LAUREL_OWNER_DB, which wins over LAUREL_DB (deploy/).
test('migrate refuses to run as the app role, and runs as the owner of LAUREL_OWNER_DB', () => {
  const db = freshDb();
  const run = (env) => spawnSync(CTL, ['migrate', join(ROOT, 'migrations'), join(ROOT, 'sql')],
    { env: { ...process.env, LAUREL_OWNER_DB: '', ...env }, encoding: 'utf8' });
  const asApp = run({ LAUREL_DB: cluster.appDsn(db) });
  assert.equal(asApp.status, 1);
  assert.equal(asApp.stderr, "laurelctl: migrate runs as the schema's owner, not as laurel_app: set LAUREL_OWNER_DB to the owner's connection string\n");
  const asOwner = run({ LAUREL_DB: cluster.appDsn(db), LAUREL_OWNER_DB: cluster.dsn(db) });
  assert.equal(asOwner.status, 0, asOwner.stderr);
  assert.deepEqual(state(db), fresh);
  // The app role owns nothing in the schema.
  assert.equal(cluster.psql(`SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
    WHERE r.rolname = 'laurel_app' AND c.relnamespace = 'public'::regnamespace`, db), '0');
  assert.equal(cluster.psql(`SELECT count(*) FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
    WHERE r.rolname = 'laurel_app'`, db), '0');
});

// What a stolen app connection can do by hand: nothing but call the
// functions, each of which checks its caller.
test('the app role can neither make itself admin, nor write the audit log, nor read password hashes', () => {
  const db = freshDb();
  cluster.psql("INSERT INTO users (email, display_name, password_hash, verified_at) VALUES ('eve@example.org', 'Eve', 'x', now())", db);
  for (const q of [
    "UPDATE users SET is_admin = true WHERE email = 'eve@example.org'",
    "INSERT INTO audit (action, subject) VALUES ('forged', 'user:1')",
    'SELECT password_hash FROM users',
    'SELECT token_hash FROM sessions',
    "INSERT INTO sessions (token_hash, user_id, csrf, expires_at) SELECT 'x', id, 'x', now() + interval '1 day' FROM users",
    'DELETE FROM throttle',
    "SELECT nextval('users_id_seq')",
  ]) {
    const r = spawnSync('psql', [cluster.appDsn(db), '-v', 'ON_ERROR_STOP=1', '-Atqc', q], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, q);
    assert.match(r.stderr, /permission denied/, q);
  }
  assert.equal(cluster.psql("SELECT is_admin FROM users WHERE email = 'eve@example.org'", db), 'f');
  assert.equal(cluster.psql("SELECT count(*) FROM audit WHERE action = 'forged'", db), '0');
  // The operator's function as the app: not allowed either.
  const r = spawnSync('psql', [cluster.appDsn(db), '-v', 'ON_ERROR_STOP=1', '-Atqc',
    "SELECT ctl_user_set_admin('eve@example.org', true)"], { encoding: 'utf8' });
  assert.match(r.stderr, /permission denied/);
  // round_save with no actor is the operator's: refused to the app's role
  // even though the function runs as its owner.
  const rs = spawnSync('psql', [cluster.appDsn(db), '-v', 'ON_ERROR_STOP=1', '-Atqc',
    `SELECT outcome FROM round_save(NULL, NULL, '', 'T', 'evil-round', 'x', '[]'::jsonb, '{AT}'::text[], 'Europe/Brussels',
      '2030-01-01T10:00', '2030-02-01T10:00', '', '', false, 3, 5, 20)`], { encoding: 'utf8' });
  assert.equal(rs.stdout.trim(), 'notfound', rs.stderr);
  assert.equal(cluster.psql("SELECT count(*) FROM rounds WHERE slug = 'evil-round'", db), '0');
});

test('applications saved before the panel get their conflict keys from migrate, by the core', () => {
  const db = freshDb();
  cluster.psql(`
    INSERT INTO users (email, display_name, password_hash) VALUES ('old@example.org', 'Old', 'x');
    SELECT round_save(NULL, NULL, '', 'Old round', 'old', '', '[{"code":"IMPACT","description":""}]'::jsonb,
      '{AT}'::text[], 'Europe/Brussels', '2026-01-01T00:00', '2026-02-01T00:00', '', '', false, 3, 5, 20);
    INSERT INTO applications (round_id, owner_id, state, version)
      SELECT r.id, u.id, 'submitted', 1 FROM rounds r, users u;
    INSERT INTO application_versions (application_id, version, content, kind)
      SELECT id, 1, '{"organisation_name": "Hôpital Nord S.A.", "contact_email": "a@Nord.example",
        "partners": [{"name": "Data GmbH"}]}'::jsonb, 'submit' FROM applications;`, db);
  const r = ctl(db, [join(ROOT, 'migrations'), join(ROOT, 'sql')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^computed the conflict keys of 1 application\(s\)$/m);
  assert.equal(cluster.psql(`SELECT string_agg(kind || '=' || key, ' ' ORDER BY kind) FROM application_keys`, db),
    'domain=dom:nord.example organisation=org:hopital nord partner=org:data');
  // Once done, nothing more to do.
  assert.doesNotMatch(ctl(db, [join(ROOT, 'migrations'), join(ROOT, 'sql')]).stdout, /conflict keys/);
});
