// Backups that restore (issue 15): deploy/backup.sh takes one consistent
// dump of a live instance's database with a manifest, and `laurelctl
// restore-check` restores it into a throw-away cluster, compares every
// table's rows and opens every document with the key file. A changed
// byte, a count that disagrees, a wrong key and a key kept with the dumps
// are each caught with a line that says which.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Cluster, ROOT, startApp, tempDir as harnessTempDir, writeKeyFile } from '../lib/harness.mjs';
import { applicant, apply, openRound, pdf, upload } from '../lib/apply.mjs';

// LAURELCTL: another build (e.g. with the sanitizers) may be checked.
const CTL = process.env.LAURELCTL || join(ROOT, 'build/laurelctl');
const BACKUP = join(ROOT, 'deploy/backup.sh');
// A restore of this small database takes seconds; this bounds a hang.
const TIMEOUT = 120000;

let cluster, app, key, appId, fileIds, scratch;

// Every folder this file makes goes when it ends (dumps are big).
const made = [];
function tempDir(prefix) {
  const d = harnessTempDir(prefix);
  made.push(d);
  return d;
}
const sql = (q) => app.cluster.psql(q, app.db);

before(async () => {
  cluster = Cluster.shared();
  app = await startApp({ cluster, env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  key = app.env.LAUREL_KEY_FILE;
  openRound(app, 'backup');
  const ana = await applicant(app, 'ana@example.org', '203.0.113.41');
  appId = await apply(ana, 'backup');
  for (const name of ['one.pdf', 'two.pdf']) {
    const res = await upload(ana, appId, pdf(`backed up ${name}`), name);
    assert.equal(res.status, 303, `upload of ${name}`);
  }
  fileIds = sql(`SELECT id FROM application_files WHERE application_id = ${appId} ORDER BY id`).split('\n');
  assert.equal(fileIds.length, 2);
  // restore-check's throw-away clusters go here: the test sees them gone.
  scratch = tempDir('laurel-backup-tmp-');
});

after(async () => {
  try {
    await app?.stop();
  } finally {
    cluster?.stop();
    for (const d of made)
      rmSync(d, { recursive: true, force: true });
  }
});

function run(cmd, args, env = {}) {
  const full = {
    ...process.env, LAUREL_ENV_FILE: '', LAUREL_DB: '', LAUREL_OWNER_DB: app.dsn,
    LAUREL_KEY_FILE: key, LAUREL_KEY_FILES_OLD: '', LAURELCTL: CTL, TMPDIR: scratch, ...env,
  };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined)
      delete full[k];
  }
  return spawnSync(cmd, args, { env: full, encoding: 'utf8', timeout: TIMEOUT });
}

const backup = (dir, env) => run(BACKUP, [dir], env);
const check = (dump, args = [], env) => run(CTL, ['restore-check', dump, ...args], env);

const dumps = (dir) => readdirSync(dir).filter((f) => /^laurel-\d{8}T\d{6}Z\.dump$/.test(f)).sort();

// A copy of a dump and its manifest in a folder of its own, to spoil.
function copyOf(dump) {
  const dir = tempDir('laurel-backup-copy-');
  const copy = join(dir, basename(dump));
  copyFileSync(dump, copy);
  copyFileSync(`${dump}.manifest`, `${copy}.manifest`);
  return copy;
}

function manifestCounts(path) {
  const counts = new Map();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = line.match(/^table (\S+) (\d+)$/);
    if (m)
      counts.set(m[1], Number(m[2]));
  }
  return counts;
}

let dir, first;

test('backup.sh writes a dump and its manifest, private, and restore-checks them', () => {
  dir = join(tempDir('laurel-backups-'), 'nightly');
  const r = backup(dir);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const [name] = dumps(dir);
  assert.ok(name, `a dump in ${readdirSync(dir)}`);
  first = join(dir, name);
  assert.match(r.stdout, new RegExp(`${first.replace(/[.]/g, '\\.')} written and restore-checked`));
  assert.deepEqual(readdirSync(dir).sort(), [name, `${name}.manifest`], 'nothing else, no temporary file');
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(first).mode & 0o777, 0o600);
  assert.equal(statSync(`${first}.manifest`).mode & 0o777, 0o600);

  // The manifest: the dump's SHA-256 and the live database's counts.
  const text = readFileSync(`${first}.manifest`, 'utf8');
  const sha = spawnSync('sha256sum', [first], { encoding: 'utf8' }).stdout.slice(0, 64);
  assert.match(text, new RegExp(`^sha256 ${sha}$`, 'm'));
  const counts = manifestCounts(`${first}.manifest`);
  const tables = sql(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`);
  assert.equal(counts.size, Number(tables));
  assert.equal(counts.get('public.application_files'), 2);
  assert.equal(counts.get('public.users'), Number(sql('SELECT count(*) FROM users')));
  assert.equal(counts.get('public.audit'), Number(sql('SELECT count(*) FROM audit')));

  // The check said what it checked, and left no cluster behind.
  const rows = [...counts.values()].reduce((a, b) => a + b, 0);
  assert.match(r.stdout, new RegExp(`OK: ${tables} tables and ${rows} rows as in the manifest; 2 document\\(s\\) open`));
  assert.deepEqual(readdirSync(scratch), []);

  // And restore-check alone says the same of the named file.
  const again = check(first);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`${basename(first)}: OK: ${tables} tables`));
});

test('restore-check catches a changed byte in the dump', () => {
  const copy = copyOf(first);
  const bytes = readFileSync(copy);
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  writeFileSync(copy, bytes);
  const r = check(copy);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^laurelctl: restore-check: \S+ has changed since it was taken: its SHA-256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}; this dump cannot be trusted\n$/);
});

test('restore-check names the table whose count disagrees with the manifest', () => {
  const copy = copyOf(first);
  const text = readFileSync(`${copy}.manifest`, 'utf8');
  const spoiled = text.replace(/^table public\.application_files 2$/m, 'table public.application_files 3');
  assert.notEqual(spoiled, text);
  writeFileSync(`${copy}.manifest`, spoiled);
  const r = check(copy);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /table public\.application_files: 2 rows restored, the manifest says 3/);
  assert.match(r.stderr, /1 table\(s\) differ from the manifest/);
  assert.deepEqual(readdirSync(scratch), [], 'the cluster is gone after a failure too');

  writeFileSync(`${copy}.manifest`, text.replace(/^table public\.users \d+\n/m, ''));
  const missing = check(copy);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /table public\.users: restored \(\d+ rows\) but not in the manifest/);
});

test('restore-check names every document a wrong key file does not open', () => {
  const other = writeKeyFile(join(tempDir('laurel-otherkey-'), 'other.key'));
  let r = check(first, ['--key', other]);
  assert.equal(r.status, 1);
  for (const id of fileIds)
    assert.match(r.stderr, new RegExp(`document ${id} \\(application ${appId}\\): sealed with key [0-9a-f]{16}, which is not among the key files given`));
  assert.match(r.stderr, /2 of 2 document\(s\) cannot be opened/);

  // The old keys are tried as the app tries them (a key rotation).
  r = check(first, [], { LAUREL_KEY_FILE: other, LAUREL_KEY_FILES_OLD: key });
  assert.equal(r.status, 0, r.stderr);

  r = check(first, [], { LAUREL_KEY_FILE: undefined });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^laurelctl: restore-check: no key file: give --key FILE or set LAUREL_KEY_FILE/);
});

test('a second run keeps both dumps; LAUREL_BACKUP_KEEP keeps only the newest', () => {
  assert.ok(first, 'the first test ran');
  let r = backup(dir);
  assert.equal(r.status, 0, r.stderr);
  const two = dumps(dir);
  assert.equal(two.length, 2);
  assert.equal(two[0], basename(first));

  r = backup(dir, { LAUREL_BACKUP_KEEP: '2' });
  assert.equal(r.status, 0, r.stderr);
  const kept = dumps(dir);
  assert.equal(kept.length, 2);
  assert.ok(!kept.includes(basename(first)), 'the oldest went');
  assert.equal(kept[0], two[1]);
  assert.deepEqual(readdirSync(dir).sort(), kept.flatMap((d) => [d, `${d}.manifest`]).sort(),
    'each manifest went with its dump');

  r = backup(dir, { LAUREL_BACKUP_KEEP: '0' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^backup\.sh: LAUREL_BACKUP_KEEP=0: the number of dumps to keep, 1 or more\n$/);
});

test('backup.sh refuses a key file kept with the dumps', () => {
  const base = tempDir('laurel-keywith-');
  const inside = join(base, 'dumps');
  const dumpsDir = tempDir('laurel-dumps-');
  writeKeyFile(join(dumpsDir, 'file.key'));
  for (const [env, target, what] of [
    [{ LAUREL_KEY_FILE: join(dumpsDir, 'file.key') }, dumpsDir, /refusing: the key file \S+file\.key lies inside the backup folder/],
    [{ LAUREL_KEY_FILES_OLD: `/nowhere.key:${join(dumpsDir, 'file.key')}` }, dumpsDir, /refusing: the key file \S+file\.key lies inside the backup folder/],
    [{ LAUREL_KEY_FILE: writeKeyFile(join(base, 'file.key')) }, inside, /refusing: the backup folder \S+dumps lies inside the key file's folder/],
  ]) {
    const r = backup(target, env);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, what);
    assert.match(r.stderr, /keep the key away from the dumps\n$/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.deepEqual(existsSync(target) ? dumps(target) : [], [], 'no dump taken');
  }
});

test('a dump that fails leaves no file named like a good one', () => {
  const failing = join(tempDir('laurel-backups-'), 'nightly');
  const r = backup(failing, { LAUREL_OWNER_DB: `${cluster.dsn('no_such_database')}` });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no_such_database/);
  assert.match(r.stderr, /backup\.sh: the snapshot or the counts failed .*; no dump written\n$/);
  assert.deepEqual(readdirSync(failing), []);
});

// Last: it spoils the live database's record of one document.
test('a document that is not the one recorded fails the backup, kept as .failed', () => {
  sql(`UPDATE application_files SET sha256 = repeat('0', 64) WHERE id = ${fileIds[1]}`);
  const failing = join(tempDir('laurel-backups-'), 'nightly');
  const r = backup(failing);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`document ${fileIds[1]} \\(application ${appId}\\): opens, but is not the document recorded`));
  assert.doesNotMatch(r.stderr, new RegExp(`document ${fileIds[0]} `));
  assert.match(r.stderr, /backup\.sh: the restore check of laurel-\S+\.dump FAILED .*; kept as \S+\.dump\.failed\n$/);
  assert.deepEqual(dumps(failing), [], 'nothing named like a good dump');
  const files = readdirSync(failing).sort();
  assert.equal(files.length, 2);
  assert.match(files[0], /^laurel-\d{8}T\d{6}Z\.dump\.failed$/);
  assert.equal(files[1], `${files[0]}.manifest`);
  assert.deepEqual(readdirSync(scratch), []);
});
