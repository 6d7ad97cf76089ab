// laurelctl finds its settings where the operator is: with no LAUREL_*
// variable set, the file `make run` writes in the project's root
// (var/laurelctl.env), read from the current directory; a variable in the
// environment wins over the file; a file it cannot parse, or none at all,
// gets one line and a non-zero exit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, ROOT, migrate, tempDir as harnessTempDir } from '../../lib/harness.mjs';

const CTL = join(ROOT, 'build/laurelctl');
// Production's files come before the development one: where they exist,
// the no-file cases below would read them.
const PROD = existsSync('/etc/laurel/laurel.env') || existsSync('/etc/laurel/owner.env');

let cluster;
let db;
const dirs = [];

before(() => {
  cluster = Cluster.shared();
  db = cluster.createDatabase();
  migrate(cluster.dsn(db));
});
after(() => {
  cluster.stop();
  for (const dir of dirs)
    rmSync(dir, { recursive: true, force: true });
});

// A project root of its own, with var/laurelctl.env holding text.
function projectDir(text) {
  const dir = harnessTempDir('laurel-envfile-');
  dirs.push(dir);
  if (text !== undefined) {
    mkdirSync(join(dir, 'var'));
    writeFileSync(join(dir, 'var/laurelctl.env'), text, { mode: 0o600 });
  }
  return dir;
}

// The environment of a second terminal: nothing of Laurel's in it.
function bareEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('LAUREL_'))
      env[k] = v;
  }
  return { ...env, ...extra };
}

function ctl(cwd, args, extra = {}) {
  return spawnSync(CTL, args, { cwd, env: bareEnv(extra), encoding: 'utf8', timeout: 60000 });
}

// As tools/run.sh writes it: quoted, the owner's string and the app's.
function devFile(ownerDsn) {
  return '# Written by tools/run.sh for laurelctl; removed when it stops.\n' +
    `LAUREL_OWNER_DB="${ownerDsn}"\n` +
    `LAUREL_DB="${cluster.appDsn(db)}"\n` +
    'LAUREL_BASE_URL="http://127.0.0.1:8888"\n';
}

function oneLine(r) {
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
}

test('no variable set: the development file of the current directory', { skip: PROD }, () => {
  const dir = projectDir(devFile(cluster.dsn(db)));
  const r = ctl(dir, ['audit', 'verify']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^audit: OK, \d+ entries/);
  // As the owner, not the app's role: only the owner may create users.
  const u = ctl(dir, ['user', 'create', '--email', 'ops@example.org', '--name', 'Ops']);
  assert.equal(u.status, 0, u.stderr);
  assert.equal(cluster.psql("SELECT count(*) FROM users WHERE email = 'ops@example.org'", db), '1');
});

test('a variable in the environment wins over the file', () => {
  const wrong = `host=${cluster.dir} dbname=no_such_db user=laurel`;
  const dir = projectDir(devFile(wrong));
  // A database setting in the environment: the file is not even read.
  const r = ctl(dir, ['audit', 'verify'], { LAUREL_DB: cluster.dsn(db) });
  assert.equal(r.status, 0, r.stderr);
  // Named explicitly, the file is read, and the environment still wins.
  const e = ctl(ROOT, ['audit', 'verify'], {
    LAUREL_ENV_FILE: join(dir, 'var/laurelctl.env'), LAUREL_OWNER_DB: cluster.dsn(db),
  });
  assert.equal(e.status, 0, e.stderr);
  // And without it, the file's wrong database is the one tried.
  const f = ctl(ROOT, ['audit', 'verify'], { LAUREL_ENV_FILE: join(dir, 'var/laurelctl.env') });
  assert.equal(f.status, 1);
  assert.match(f.stderr, /no_such_db/);
});

test('a malformed file: one line naming the file and line, non-zero', { skip: PROD }, () => {
  for (const [text, why] of [
    ['LAUREL_DB="host=/tmp\n', /var\/laurelctl\.env line 1: the quote " is not closed/],
    ['# ok\nexport LAUREL_DB=host=/tmp\n', /var\/laurelctl\.env line 2: not NAME=VALUE/],
    ["LAUREL_DB='x' y\n", /line 1: text after the closing quote/],
  ]) {
    const r = ctl(projectDir(text), ['audit', 'verify']);
    assert.equal(r.status, 1, text);
    assert.match(r.stderr, why);
    oneLine(r);
  }
  const missing = ctl(ROOT, ['audit', 'verify'], { LAUREL_ENV_FILE: '/nonexistent/laurel.env' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read \/nonexistent\/laurel\.env: No such file/);
  oneLine(missing);
});

test('no file: one line saying what to do', { skip: PROD }, () => {
  const r = ctl(projectDir(), ['audit', 'verify']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^laurelctl: no database: LAUREL_DB is not set; set it, or run `make run` in this directory, or install \/etc\/laurel\/laurel\.env$/m);
  oneLine(r);
  // An empty LAUREL_ENV_FILE reads no file, even where one is.
  const none = ctl(projectDir(devFile(cluster.dsn(db))), ['audit', 'verify'], { LAUREL_ENV_FILE: '' });
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no database/);
});
