// What an operator can get wrong gets one clear log line and a non-zero
// exit, never a crash loop; migrations apply once, in order, and a run of
// migrate is atomic (tests/http/laurelctl/migrate.test.mjs: the functions of sql/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, ROOT, appEnv, freePort, migrate, startKore, tempDir, writeConf, startRefused } from '../../lib/harness.mjs';

let cluster;

before(() => { cluster = Cluster.shared(); });
after(() => { cluster.stop(); });

const startWith = (envChanges) => startRefused(cluster, envChanges);

for (const [name, env, message] of [
  ['no database setting', { LAUREL_DB: undefined }, /LAUREL_DB is not set/],
  ['no base URL', { LAUREL_BASE_URL: undefined }, /LAUREL_BASE_URL is not set/],
  ['a bad base URL', { LAUREL_BASE_URL: 'ftp://x' }, /LAUREL_BASE_URL must start with http/],
  ['a bad mail mode', { LAUREL_MAIL_MODE: 'pigeon' }, /LAUREL_MAIL_MODE must be 'file' or 'smtp'/],
  ['a bad body limit', { LAUREL_BODY_MAX: '12abc' }, /LAUREL_BODY_MAX must be a byte count/],
  ['admin TOTP off outside development', { LAUREL_ADMIN_TOTP: 'off', LAUREL_DEV: '0' }, /LAUREL_ADMIN_TOTP=off is only allowed with LAUREL_DEV=1/],
]) {
  test(`start-up refused with ${name}`, async () => {
    const r = await startWith(env);
    assert.ok(r.exited, 'Kore must not start');
    assert.notEqual(r.code, 0, 'non-zero exit');
    assert.match(r.log, message);
    assert.doesNotMatch(r.log, /worker \d+ started/, 'no worker ever started');
  });
}

test('migrations apply once, in order, and are recorded', () => {
  const db = cluster.createDatabase();
  const out1 = migrate(cluster.dsn(db));
  assert.match(out1, /applied 0001_foundation\.sql/);
  const out2 = migrate(cluster.dsn(db));
  assert.equal(out2, '', 'a second run applies nothing');
  assert.equal(cluster.psql('SELECT version FROM schema_migrations ORDER BY 1 LIMIT 1', db), '0001');
  assert.equal(cluster.psql("SELECT value FROM app_info WHERE key = 'schema'", db), 'laurel');
});

// A folder of functions for toy migrations: one file, no function.
function noFunctions() {
  const dir = tempDir('laurel-sql-');
  writeFileSync(join(dir, '10_none.sql'), '-- no functions\n');
  return dir;
}

test('a failing migration rolls the whole run back, with one line naming it', () => {
  const db = cluster.createDatabase();
  const dir = tempDir('laurel-mig-');
  writeFileSync(join(dir, '0001_good.sql'), 'CREATE TABLE a (x int);');
  writeFileSync(join(dir, '0002_bad.sql'), 'CREATE TABLE b (x int);\nSELECT no_such_function();');
  writeFileSync(join(dir, '0003_later.sql'), 'CREATE TABLE c (x int);');
  writeFileSync(join(dir, 'README'), 'not a migration');
  const r = spawnSync(join(ROOT, 'build/laurelctl'), ['migrate', dir, noFunctions()],
    { env: { ...process.env, LAUREL_DB: cluster.dsn(db) }, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^laurelctl: \S*\/0002_bad\.sql:2: function no_such_function\(\) does not exist; nothing was changed\n$/);
  // One transaction: 0001 went back too, and schema_migrations with it.
  assert.equal(cluster.psql("SELECT count(*) FROM pg_tables WHERE tablename IN ('a','b','c','schema_migrations')", db), '0');
});

test('a database made from another history of migrations is refused, not silently skipped', () => {
  const db = cluster.createDatabase();
  const dir = tempDir('laurel-mig-');
  const sql = noFunctions();
  writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE a (x int);');
  const run = () => spawnSync(join(ROOT, 'build/laurelctl'), ['migrate', dir, sql],
    { env: { ...process.env, LAUREL_DB: cluster.dsn(db) }, encoding: 'utf8' });
  assert.equal(run().status, 0);
  rmSync(join(dir, '0001_first.sql'));
  writeFileSync(join(dir, '0001_renamed.sql'), 'CREATE TABLE b (x int);');
  const r = run();
  assert.equal(r.status, 1);
  assert.match(r.stderr, /migration 0001 was applied as 0001_first\.sql, but the file is now 0001_renamed\.sql/);
  assert.equal(cluster.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'b'", db), '0');
});

test('laurelctl explains a missing database setting', () => {
  const env = { ...process.env };
  delete env.LAUREL_DB;
  const r = spawnSync(join(ROOT, 'build/laurelctl'), ['migrate'], { env, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /LAUREL_DB is not set/);
  const u = spawnSync(join(ROOT, 'build/laurelctl'), ['frobnicate'], { env, encoding: 'utf8' });
  assert.equal(u.status, 2);
  assert.match(u.stderr, /unknown command/);
});

// Every file under a folder, as paths relative to it, sorted.
function filesUnder(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, join(prefix, e.name)) : [join(prefix, e.name)]).sort();
}

test('a template that does not parse stops the start with one line naming it', async () => {
  // The real module's objects, linked with a copy of the assets in which
  // one template is broken.
  const dir = tempDir('laurel-badtmpl-');
  cpSync(join(ROOT, 'assets'), join(dir, 'assets'), { recursive: true });
  appendFileSync(join(dir, 'assets/templates/rules.mustache'), '\n{{#unclosed}}\n');
  const assets = filesUnder(join(dir, 'assets')).map((f) => join(dir, 'assets', f));
  execFileSync(join(ROOT, 'build/embed'), [join(dir, 'embedded.c'), `${join(dir, 'assets')}/`, ...assets]);
  execFileSync('cc', ['-fPIC', `-I${join(ROOT, 'src')}`, '-c', '-o', join(dir, 'embedded.o'), join(dir, 'embedded.c')]);
  const objs = execFileSync('find', [join(ROOT, 'build/obj'), '-name', '*.o', '!', '-name', 'embedded.o'], { encoding: 'utf8' }).trim().split('\n');
  // The module's libraries, as the Makefile links them.
  const libs = readFileSync(join(ROOT, 'Makefile'), 'utf8').match(/^MOD_LIBS=\s*(.*)$/m)[1].trim().split(/\s+/);
  execFileSync('cc', ['-shared', '-o', join(dir, 'laurel.so'), ...objs, join(dir, 'embedded.o'), ...libs]);

  const port = await freePort();
  const conf = writeConf(dir, port, {}, join(dir, 'laurel.so'));
  const env = appEnv(cluster.dsn('postgres'), `http://127.0.0.1:${port}`);
  delete env.LD_PRELOAD;
  const k = await startKore({ dir, port, env, conf });
  if (!k.exited)
    k.proc.kill('SIGKILL');
  assert.ok(k.exited, 'Kore must not start');
  assert.notEqual(k.proc.exitCode, 0);
  const log = readFileSync(k.logPath, 'utf8');
  assert.match(log, /template assets\/templates\/rules\.mustache: line \d+: .*unclosed/);
  assert.doesNotMatch(log, /worker \d+ started/);
});

test('a route that calls no declared page, or a page without a route, stops the start', async () => {
  const routes = readFileSync(join(ROOT, 'conf/routes.conf'), 'utf8');
  const cases = [
    // page_render is a function of the module, but not a page.
    [routes.replace('\troute\t/rules\t\t\tpublic_rules', '\troute\t/rules\t\t\tpage_render'),
      /config: route \/rules calls page_render, which is not a declared page/],
    [routes.replace('\troute\t/privacy\t\tpublic_privacy\n', ''),
      /config: the page public_privacy has no route in conf\/routes\.conf/],
  ];
  for (const [edited, want] of cases) {
    assert.notEqual(edited, routes, 'the edit applies');
    const dir = tempDir('laurel-routes-');
    writeFileSync(join(dir, 'routes.conf'), edited);
    const port = await freePort();
    const conf = writeConf(dir, port);
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^include\s+conf\/routes\.conf$/m,
      `include\t\t\t${join(dir, 'routes.conf')}`));
    const env = appEnv(cluster.dsn('postgres'), `http://127.0.0.1:${port}`);
    const k = await startKore({ dir, port, env, conf });
    if (!k.exited)
      k.proc.kill('SIGKILL');
    assert.ok(k.exited, 'Kore must not start');
    assert.notEqual(k.proc.exitCode, 0);
    const log = readFileSync(k.logPath, 'utf8');
    assert.match(log, want);
    assert.doesNotMatch(log, /worker \d+ started/);
  }
});
