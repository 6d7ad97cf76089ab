// laurelctl's operator commands against a real PostgreSQL: accounts, the
// audit chain, and the mailer in file mode and over SMTP to a real SMTP
// server on loopback (Debian's python3-aiosmtpd).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, ROOT, freePort, migrate, tempDir as harnessTempDir } from '../../lib/harness.mjs';

const CTL = join(ROOT, 'build/laurelctl');
// Debian's interpreter: the one python3-aiosmtpd is installed for.
const PYTHON = '/usr/bin/python3';
const ZEROS = '0'.repeat(64);
const SUBJECT_FR = 'Vérification de votre compte — Laurel';

let cluster;
const dirs = [];

before(() => { cluster = Cluster.shared(); });
after(() => {
  cluster.stop();
  for (const dir of dirs)
    rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix) {
  const dir = harnessTempDir(prefix);
  dirs.push(dir);
  return dir;
}

function freshDb() {
  const db = cluster.createDatabase();
  migrate(cluster.dsn(db));
  return db;
}

// laurelctl as the schema owner (the operator), or with any environment.
function ctl(db, args, env = {}) {
  return spawnSync(CTL, args, {
    env: { ...process.env, LAUREL_DB: cluster.dsn(db), ...env },
    encoding: 'utf8', timeout: 60000,
  });
}

// Literal quoting for test SQL only: the values are the tests' own.
function lit(s) {
  return `'${String(s).replace(/'/g, "''")}'`;
}

function addMail(db, to, subject, body) {
  // As the app does it: through outbox_add, as laurel_app.
  return spawnSync('psql', [cluster.appDsn(db), '-Atqc',
    `SELECT outbox_add(${lit(to)}, ${lit(subject)}, ${lit(body)}); SELECT max(id) FROM outbox`],
  { encoding: 'utf8' }).stdout.trim();
}

function mailEnv(db, dir, extra = {}) {
  return {
    LAUREL_DB: cluster.appDsn(db), LAUREL_MAIL_MODE: 'file', LAUREL_MAIL_DIR: dir,
    LAUREL_MAIL_FROM: '', LAUREL_SMTP_URL: '', LAUREL_SMTP_STARTTLS: '', ...extra,
  };
}

// --- Reading messages back ---------------------------------------------

function parseMessage(raw) {
  const cut = raw.indexOf('\r\n\r\n');
  assert.ok(cut > 0, 'a header block ends with an empty line');
  const head = raw.slice(0, cut);
  for (const line of head.split('\r\n'))
    assert.ok(line.length <= 78, `header line within 78 characters: ${line}`);
  assert.doesNotMatch(head.replace(/\r\n/g, ''), /[\r\n]/, 'no bare CR or LF in the headers');
  const headers = {};
  for (const field of head.split(/\r\n(?![ \t])/)) {
    const colon = field.indexOf(':');
    headers[field.slice(0, colon).toLowerCase()] = field.slice(colon + 2);
  }
  return { headers, body: raw.slice(cut + 4) };
}

function decodeWords(value) {
  const words = [...value.matchAll(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/g)];
  assert.ok(words.length > 0, `encoded-words in ${value}`);
  assert.equal(value.replace(/=\?UTF-8\?B\?[A-Za-z0-9+/=]*\?=/g, '').replace(/[\r\n ]/g, ''), '',
    'nothing but encoded-words and folding');
  return Buffer.concat(words.map((w) => Buffer.from(w[1], 'base64'))).toString('utf8');
}

function qpDecode(body) {
  for (const line of body.split('\r\n'))
    assert.ok(line.length <= 76, `quoted-printable line within 76: ${line}`);
  const s = body.replace(/=\r\n/g, '');
  const bytes = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      assert.ok(s.charCodeAt(i) < 128, 'quoted-printable is 7-bit');
      bytes.push(s.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function assertDate(value) {
  assert.match(value, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$/);
  assert.ok(Math.abs(Date.parse(value) - Date.now()) < 120000, 'the date is now');
}

// --- A real SMTP server --------------------------------------------------

// aiosmtpd's own handlers re-serialise the message; this one keeps the
// bytes as received (after the SMTP dot-unstuffing) and the envelope.
const SINK = `import json, os, time

class Sink:
    def __init__(self, path):
        self.path = path

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(*args)

    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(self.path, '%d' % time.time_ns())
        with open(name + '.json', 'w') as f:
            json.dump({'from': envelope.mail_from, 'to': envelope.rcpt_tos}, f)
        with open(name + '.tmp', 'wb') as f:
            f.write(envelope.original_content)
        os.rename(name + '.tmp', name + '.eml')
        return '250 OK'
`;

async function startSmtp() {
  const dir = tempDir('laurel-smtp-');
  const box = join(dir, 'box');
  mkdirSync(box);
  writeFileSync(join(dir, 'laurel_sink.py'), SINK);
  const port = await freePort();
  const proc = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'laurel_sink.Sink', box],
    { env: { ...process.env, PYTHONPATH: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((ok) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); ok(true); });
      s.on('error', () => ok(false));
    });
    if (up)
      return {
        port, box, url: `smtp://127.0.0.1:${port}`,
        messages: () => readdirSync(box).filter((f) => f.endsWith('.eml')).sort().map((f) => ({
          raw: readFileSync(join(box, f), 'utf8'),
          envelope: JSON.parse(readFileSync(join(box, f.replace(/\.eml$/, '.json')), 'utf8')),
        })),
        stop: () => proc.kill('SIGTERM'),
      };
    await sleep(50);
  }
  proc.kill('SIGKILL');
  throw new Error(`aiosmtpd did not start: ${stderr}`);
}

// --- The mailer running as a service -------------------------------------

function startMailer(env) {
  const proc = spawn(CTL, ['mail'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  proc.stdout.on('data', (d) => { out.stdout += d; });
  proc.stderr.on('data', (d) => { out.stderr += d; });
  const exited = new Promise((ok) => proc.once('exit', (code, signal) => ok({ code, signal })));
  return { proc, out, exited };
}

async function waitFor(fn, ms) {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (fn())
      return Date.now() - start;
    await sleep(20);
  }
  return -1;
}

async function stopMailer(m) {
  m.proc.kill('SIGTERM');
  const r = await Promise.race([m.exited, sleep(5000).then(() => null)]);
  if (r === null)
    m.proc.kill('SIGKILL');
  return r;
}

// --- Accounts --------------------------------------------------------------

test('user create: a verified account, its password printed once, stored as Argon2id', () => {
  const db = freshDb();
  const r = ctl(db, ['user', 'create', '--email', 'ada@example.org', '--name', 'Ada Lovelace', '--admin']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const m = r.stdout.match(/^password: (\S+)$/m);
  assert.ok(m, r.stdout);
  const password = m[1];
  assert.match(password, /^[A-HJ-NP-Za-km-z2-9]{20}$/, 'twenty unambiguous characters');
  assert.equal(r.stdout.split(password).length, 2, 'printed exactly once');

  const [id, hash, verified, admin] = cluster.psql(
    "SELECT id, password_hash, verified_at IS NOT NULL, is_admin FROM users WHERE email = 'ada@example.org'", db).split('|');
  // crypto_pwhash_str with the INTERACTIVE limits: 64 MiB, 2 passes.
  assert.match(hash, /^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
  assert.ok(!hash.includes(password));
  assert.equal(verified, 't');
  assert.equal(admin, 't');
  assert.match(r.stdout, new RegExp(`created user ${id} <ada@example.org>, verified, administrator`));

  const plain = ctl(db, ['user', 'create', '--email', 'bob@example.org', '--name', 'Bob']);
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(cluster.psql("SELECT is_admin FROM users WHERE email = 'bob@example.org'", db), 'f');
  const other = plain.stdout.match(/^password: (\S+)$/m)[1];
  assert.notEqual(other, password);

  const [action, subject, actor, after] = cluster.psql(
    `SELECT action, subject, actor_id IS NULL, after FROM audit_entries WHERE subject = 'user:${id}'`, db).split('|');
  assert.equal(action, 'user.create');
  assert.equal(subject, `user:${id}`);
  assert.equal(actor, 't');
  assert.deepEqual(JSON.parse(after), { email: 'ada@example.org', display_name: 'Ada Lovelace', is_admin: true });
  // The chained entry holds markers; the values are apart (audit_personal).
  assert.deepEqual(JSON.parse(cluster.psql(`SELECT after FROM audit WHERE subject = 'user:${id}'`, db)),
    { email: '(personal)', display_name: '(personal)', is_admin: true });
  assert.ok(!cluster.psql('SELECT string_agg(after::text, \'\') FROM audit', db).includes(password));
});

test('user create refuses a taken or malformed e-mail, changing nothing', () => {
  const db = freshDb();
  assert.equal(ctl(db, ['user', 'create', '--email', 'ada@example.org', '--name', 'Ada']).status, 0);

  const dup = ctl(db, ['user', 'create', '--email', 'ADA@example.org', '--name', 'Other']);
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /an account with the e-mail ADA@example\.org already exists/);
  assert.doesNotMatch(dup.stdout, /password/);

  for (const email of ['not-an-email', 'a b@example.org', 'ana@', '@example.org', 'ana@exämple.org', 'ana@example.org\nBcc: x@y.z']) {
    const r = ctl(db, ['user', 'create', '--email', email, '--name', 'X']);
    assert.equal(r.status, 1, email);
    assert.match(r.stderr, /--email/);
    assert.equal(r.stdout, '');
  }
  const noName = ctl(db, ['user', 'create', '--email', 'c@example.org', '--name', '']);
  assert.equal(noName.status, 1);
  assert.match(noName.stderr, /--name/);
  assert.equal(ctl(db, ['user', 'create', '--email', 'c@example.org']).status, 2, 'usage');

  assert.equal(cluster.psql('SELECT count(*) FROM users', db), '1');
  assert.equal(cluster.psql('SELECT count(*) FROM audit', db), '1');
});

test('promote, demote, disable: each audited once, idempotent, sessions ended', () => {
  const db = freshDb();
  ctl(db, ['user', 'create', '--email', 'bob@example.org', '--name', 'Bob']);
  ctl(db, ['user', 'create', '--email', 'eve@example.org', '--name', 'Eve']);
  const bob = cluster.psql("SELECT id FROM users WHERE email = 'bob@example.org'", db);
  const eve = cluster.psql("SELECT id FROM users WHERE email = 'eve@example.org'", db);
  const audit = (action) => cluster.psql(
    `SELECT before::text || ' ' || after::text FROM audit WHERE action = '${action}' AND subject = 'user:${bob}'`, db);

  let r = ctl(db, ['user', 'promote', '--email', 'BOB@example.org']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /is now an administrator/);
  assert.equal(cluster.psql(`SELECT is_admin FROM users WHERE id = ${bob}`, db), 't');
  r = ctl(db, ['user', 'promote', '--email', 'bob@example.org']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /already an administrator/);
  assert.equal(audit('user.promote'), '{"is_admin": false} {"is_admin": true}', 'one entry, before and after');

  r = ctl(db, ['user', 'demote', '--email', 'bob@example.org']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /no longer an administrator/);
  assert.equal(cluster.psql(`SELECT is_admin FROM users WHERE id = ${bob}`, db), 'f');
  r = ctl(db, ['user', 'demote', '--email', 'bob@example.org']);
  assert.match(r.stdout, /already not an administrator/);
  assert.equal(audit('user.demote'), '{"is_admin": true} {"is_admin": false}');

  // Signed in twice; Eve once.
  cluster.psql(`INSERT INTO sessions (token_hash, user_id, csrf, expires_at) VALUES
    ('${'a'.repeat(64)}', ${bob}, 'c', now() + interval '1 hour'),
    ('${'b'.repeat(64)}', ${bob}, 'c', now() + interval '1 hour'),
    ('${'c'.repeat(64)}', ${eve}, 'c', now() + interval '1 hour')`, db);
  r = ctl(db, ['user', 'disable', '--email', 'bob@example.org']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /disabled and signed out \(2 sessions ended\)/);
  assert.equal(cluster.psql(`SELECT disabled_at IS NOT NULL FROM users WHERE id = ${bob}`, db), 't');
  assert.equal(cluster.psql(`SELECT count(*) FROM sessions WHERE user_id = ${bob}`, db), '0');
  assert.equal(cluster.psql(`SELECT count(*) FROM sessions WHERE user_id = ${eve}`, db), '1', 'others untouched');
  const [before, afterJson] = audit('user.disable').split(' {');
  assert.equal(before, '{"disabled_at": null}');
  const after = JSON.parse(`{${afterJson}`);
  assert.equal(after.sessions_ended, 2);
  assert.ok(after.disabled_at);
  r = ctl(db, ['user', 'disable', '--email', 'bob@example.org']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /already disabled/);
  assert.equal(cluster.psql("SELECT count(*) FROM audit WHERE action = 'user.disable'", db), '1');

  for (const verb of ['promote', 'demote', 'disable']) {
    const u = ctl(db, ['user', verb, '--email', 'nobody@example.org']);
    assert.equal(u.status, 1, verb);
    assert.match(u.stderr, /no account has the e-mail nobody@example\.org/);
  }
  assert.equal(ctl(db, ['user', 'promote']).status, 2, 'usage');
  assert.equal(ctl(db, ['user', 'frobnicate', '--email', 'bob@example.org']).status, 2);
  assert.equal(cluster.psql('SELECT count(*) FROM audit', db), '5');
});

// --- The audit chain ------------------------------------------------------

function verify(db) {
  return ctl(db, ['audit', 'verify']);
}

function head(db) {
  return cluster.psql('SELECT hash FROM audit ORDER BY id DESC LIMIT 1', db);
}

// Entries with every kind of field: NULL and set actors, JSON with
// non-ASCII text and escapes, an address.
function addEntries(db, n, dsn = cluster.dsn(db)) {
  spawnSync('psql', [dsn, '-Atqc', `SELECT count(audit_log(
      CASE WHEN g % 4 = 0 THEN NULL ELSE g END, 'test.entry', 'thing:' || g,
      CASE WHEN g % 2 = 0 THEN '203.0.113.' || (g % 250) ELSE '' END,
      CASE WHEN g % 3 = 0 THEN jsonb_build_object('n', g, 'é—"\\\\', 'tab\tline\nend') END,
      jsonb_build_object('g', g, 'ok', g % 5 = 0, 'list', jsonb_build_array(1.50, 'x')))
    IS NULL) FROM generate_series(1, ${n}) g`], { encoding: 'utf8' });
}

function tamper(db, sql) {
  cluster.psql(`ALTER TABLE audit DISABLE TRIGGER audit_append_only; ${sql};
    ALTER TABLE audit ENABLE TRIGGER audit_append_only`, db);
}

test('audit verify: OK on a fresh database and after many entries', () => {
  const db = freshDb();
  let r = verify(db);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `audit: OK, 0 entries, chain head ${ZEROS}\n`);

  ctl(db, ['user', 'create', '--email', 'ada@example.org', '--name', 'Ada Lovelace', '--admin']);
  ctl(db, ['user', 'demote', '--email', 'ada@example.org']);
  r = verify(db);
  assert.equal(r.stdout, `audit: OK, 2 entries, chain head ${head(db)}\n`);

  // More than a few batches of 5000, some written by the app's role.
  addEntries(db, 12000);
  addEntries(db, 300, cluster.appDsn(db));
  r = verify(db);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, `audit: OK, 12302 entries, chain head ${head(db)}\n`);
});

test('audit verify names the first changed entry', () => {
  const db = freshDb();
  addEntries(db, 6);
  const ids = cluster.psql('SELECT string_agg(id::text, \',\' ORDER BY id) FROM audit', db).split(',');
  tamper(db, `UPDATE audit SET action = 'x' WHERE id = ${ids[1]}`);
  let r = verify(db);
  assert.equal(r.status, 1);
  assert.match(r.stdout, new RegExp(`^audit: broken at entry ${ids[1]}: its hash does not match its content`));

  // A later change too: the report still names the first.
  tamper(db, `UPDATE audit SET after = '{"g": 0}' WHERE id = ${ids[4]}`);
  r = verify(db);
  assert.match(r.stdout, new RegExp(`^audit: broken at entry ${ids[1]}:`));

  // Rewriting an entry's hash as well breaks the link to the next one.
  const db2 = freshDb();
  addEntries(db2, 4);
  const ids2 = cluster.psql('SELECT string_agg(id::text, \',\' ORDER BY id) FROM audit', db2).split(',');
  tamper(db2, `UPDATE audit SET subject = 'x' WHERE id = ${ids2[1]};
    UPDATE audit SET hash = encode(sha256(convert_to(audit_canonical(audit), 'UTF8')), 'hex') WHERE id = ${ids2[1]}`);
  r = verify(db2);
  assert.equal(r.status, 1);
  assert.match(r.stdout, new RegExp(`^audit: broken at entry ${ids2[2]}: its prev_hash is not the hash of entry ${ids2[1]}`));
});

test('audit verify detects a deleted entry', () => {
  const db = freshDb();
  addEntries(db, 5);
  const ids = cluster.psql('SELECT string_agg(id::text, \',\' ORDER BY id) FROM audit', db).split(',');
  tamper(db, `DELETE FROM audit WHERE id = ${ids[2]}`);
  let r = verify(db);
  assert.equal(r.status, 1);
  assert.match(r.stdout, new RegExp(`^audit: broken at entry ${ids[3]}: its prev_hash is not the hash of entry ${ids[1]}`));

  tamper(db, `DELETE FROM audit WHERE id = ${ids[0]}`);
  r = verify(db);
  assert.match(r.stdout, new RegExp(`^audit: broken at entry ${ids[1]}: the first entry's prev_hash is not 64 zeros`));
});

test('the app role cannot change or delete audit entries; nobody can with the trigger on', () => {
  const db = freshDb();
  addEntries(db, 2);
  for (const sql of ["UPDATE audit SET action = 'x'", 'DELETE FROM audit', 'TRUNCATE audit']) {
    const r = spawnSync('psql', [cluster.appDsn(db), '-v', 'ON_ERROR_STOP=1', '-Atqc', sql], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, sql);
    assert.match(r.stderr, /permission denied/, sql);
    const owner = spawnSync('psql', [cluster.dsn(db), '-v', 'ON_ERROR_STOP=1', '-Atqc', sql], { encoding: 'utf8' });
    assert.notEqual(owner.status, 0, sql);
    assert.match(owner.stderr, /append-only/, sql);
  }
  assert.equal(verify(db).status, 0);
  assert.equal(cluster.psql('SELECT count(*) FROM audit', db), '2');
});

// --- The mailer -------------------------------------------------------------

test('mail --once in file mode: an .eml with proper headers, and the link printed', () => {
  const db = freshDb();
  const dir = tempDir('laurel-mail-');
  const body = 'Bonjour Ana,\n\nopen https://laurel.test/verify?t=Ab_9-x to verify.\n.\nL\'équipe Laurel\n';
  const id = addMail(db, 'ana@example.org', SUBJECT_FR, body);

  const r = ctl(db, ['mail', '--once'], mailEnv(db, dir));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `mail ${id} to ana@example.org: ${SUBJECT_FR} — https://laurel.test/verify?t=Ab_9-x\n`);

  const path = join(dir, `${id}.eml`);
  assert.equal(statSync(path).mode & 0o777, 0o640);
  assert.deepEqual(readdirSync(dir), [`${id}.eml`], 'no temporary file left');
  const { headers, body: qp } = parseMessage(readFileSync(path, 'utf8'));
  assertDate(headers.date);
  assert.match(headers['message-id'], /^<[0-9a-f]{32}@localhost>$/);
  assert.equal(headers.from, 'Laurel <noreply@localhost>');
  assert.equal(headers.to, 'ana@example.org');
  assert.equal(decodeWords(headers.subject), SUBJECT_FR);
  assert.equal(headers['mime-version'], '1.0');
  assert.equal(headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(headers['content-transfer-encoding'], 'quoted-printable');
  assert.equal(qpDecode(qp), body.replace(/\n/g, '\r\n'));

  assert.equal(cluster.psql(`SELECT sent_at IS NOT NULL, attempts, last_error IS NULL FROM outbox WHERE id = ${id}`, db), 't|0|t');
  // The link is a key: once delivered, its body is no longer stored.
  assert.equal(cluster.psql(`SELECT body FROM outbox WHERE id = ${id}`, db), '');
  assert.equal(cluster.psql(`SELECT count(*) FROM outbox WHERE body LIKE '%verify?t=%'`, db), '0');
  const again = ctl(db, ['mail', '--once'], mailEnv(db, dir));
  assert.equal(again.status, 0);
  assert.equal(again.stdout, '', 'nothing is sent twice');
});

test('mail: a message that cannot be formatted is given up at once', () => {
  const db = freshDb();
  const dir = tempDir('laurel-mail-');
  const bad = addMail(db, 'ana@example.org\r\nBcc: eve@example.org', 'Hi', 'x');
  const badSubject = addMail(db, 'ana@example.org', 'Hi\nBcc: eve@example.org', 'x');
  const good = addMail(db, 'bob@example.org', 'Hello', 'x');
  const r = ctl(db, ['mail', '--once'], mailEnv(db, dir));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`mail ${bad} .*giving up after 1 attempts: the recipient address is malformed`));
  assert.match(r.stderr, new RegExp(`mail ${badSubject} .*giving up .*the subject contains a line break`));
  assert.deepEqual(r.stderr.trim().split('\n').map((l) => l.slice(0, 16)), ['laurelctl: mail ', 'laurelctl: mail '],
    'the address in the log forges no line');
  assert.deepEqual(readdirSync(dir), [`${good}.eml`]);
  assert.equal(cluster.psql(`SELECT attempts, next_attempt = 'infinity', sent_at IS NULL, body FROM outbox WHERE id IN (${bad}, ${badSubject}) ORDER BY id`, db),
    '1|t|t|\n1|t|t|', 'given up: the body goes too');
});

test('mail settings: a missing or bad one is one clear line and exit 1', () => {
  const db = freshDb();
  const dir = tempDir('laurel-mail-');
  for (const [env, message] of [
    [{ LAUREL_MAIL_MODE: '' }, /LAUREL_MAIL_MODE is not set/],
    [{ LAUREL_MAIL_MODE: 'pigeon' }, /LAUREL_MAIL_MODE must be 'file' or 'smtp'/],
    [{ LAUREL_MAIL_DIR: join(dir, 'missing') }, /LAUREL_MAIL_DIR .*missing: No such file/],
    [{ LAUREL_MAIL_MODE: 'smtp', LAUREL_MAIL_FROM: 'Laurel <a@b.c>' }, /LAUREL_SMTP_URL is not set/],
    [{ LAUREL_MAIL_MODE: 'smtp', LAUREL_SMTP_URL: 'http://x', LAUREL_MAIL_FROM: 'a@b.c' }, /LAUREL_SMTP_URL must start with smtp/],
    [{ LAUREL_MAIL_MODE: 'smtp', LAUREL_SMTP_URL: 'smtp://127.0.0.1:1' }, /LAUREL_MAIL_FROM is not set/],
    [{ LAUREL_MAIL_MODE: 'smtp', LAUREL_SMTP_URL: 'smtp://127.0.0.1:1', LAUREL_MAIL_FROM: 'Laurel <nope>' }, /LAUREL_MAIL_FROM is not an address/],
    [{ LAUREL_MAIL_MODE: 'smtp', LAUREL_SMTP_URL: 'smtp://127.0.0.1:1', LAUREL_MAIL_FROM: 'a@b.c', LAUREL_SMTP_STARTTLS: 'maybe' }, /LAUREL_SMTP_STARTTLS must be 'yes' or 'no'/],
    [{ LAUREL_MAIL_MODE: 'smtp', LAUREL_SMTP_URL: 'smtp://127.0.0.1:1', LAUREL_MAIL_FROM: 'a@b.c', LAUREL_SMTP_PASSWORD: 's3cret' }, /LAUREL_SMTP_PASSWORD is set but LAUREL_SMTP_USER is not/],
  ]) {
    const r = ctl(db, ['mail'], mailEnv(db, dir, env));
    assert.equal(r.status, 1, JSON.stringify(env));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /s3cret/);
  }
  const noDb = ctl(db, ['mail', '--once'], mailEnv(db, dir, { LAUREL_DB: '' }));
  assert.equal(noDb.status, 1);
  assert.match(noDb.stderr, /LAUREL_DB is not set/);
});

test('mail over SMTP: delivered to a real server with proper headers', async () => {
  const db = freshDb();
  const smtp = await startSmtp();
  try {
    const long = `https://laurel.test/reset?token=${'0123456789abcdef'.repeat(6)}`;
    const body1 = `Bonjour Zoë,\n\nvérifiez votre adresse : ${long}\n.\n..\nMerci — Laurel\n`;
    const id1 = addMail(db, 'zoe@example.org', SUBJECT_FR, body1);
    const id2 = addMail(db, 'bob@example.org', 'Plain ASCII subject', 'Short.');
    const env = mailEnv(db, '', {
      LAUREL_MAIL_MODE: 'smtp', LAUREL_SMTP_URL: smtp.url,
      LAUREL_MAIL_FROM: 'Laurel Awards <noreply@laurel.test>',
    });
    const r = ctl(db, ['mail', '--once'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `mail ${id1} to zoe@example.org: sent\nmail ${id2} to bob@example.org: sent\n`);

    const got = smtp.messages();
    assert.equal(got.length, 2);
    const [zoe, bob] = got[0].envelope.to[0] === 'zoe@example.org' ? got : [got[1], got[0]];
    assert.deepEqual(zoe.envelope, { from: 'noreply@laurel.test', to: ['zoe@example.org'] });
    const m = parseMessage(zoe.raw);
    assertDate(m.headers.date);
    assert.match(m.headers['message-id'], /^<[0-9a-f]{32}@laurel\.test>$/);
    assert.equal(m.headers.from, 'Laurel Awards <noreply@laurel.test>');
    assert.equal(m.headers.to, 'zoe@example.org');
    assert.match(m.headers.subject, /^=\?UTF-8\?B\?/);
    assert.equal(decodeWords(m.headers.subject), SUBJECT_FR);
    assert.equal(m.headers['content-type'], 'text/plain; charset=utf-8');
    // The lone-dot lines arrive intact (not taken for the end of DATA).
    assert.equal(qpDecode(m.body), body1.replace(/\n/g, '\r\n'));

    const b = parseMessage(bob.raw);
    assert.equal(b.headers.subject, 'Plain ASCII subject');
    assert.notEqual(b.headers['message-id'], m.headers['message-id']);
    assert.equal(cluster.psql('SELECT count(*) FROM outbox WHERE sent_at IS NULL', db), '0');
    assert.equal(cluster.psql("SELECT count(*) FROM outbox WHERE body <> ''", db), '0', 'delivered bodies are not kept');
  } finally {
    smtp.stop();
  }
});

test('mail over SMTP with the server down: counted, backed off, given up after 12', async () => {
  const db = freshDb();
  const port = await freePort();	// nothing listens there
  const env = mailEnv(db, '', {
    LAUREL_MAIL_MODE: 'smtp', LAUREL_SMTP_URL: `smtp://127.0.0.1:${port}`, LAUREL_MAIL_FROM: 'noreply@laurel.test',
  });
  const id = addMail(db, 'ana@example.org', 'Hi', 'x');

  let r = ctl(db, ['mail', '--once'], env);
  assert.equal(r.status, 0, 'a failed delivery is not a failed run');
  assert.match(r.stderr, new RegExp(`mail ${id} to ana@example.org: attempt 1 failed, next in 30 s`));
  const row = () => cluster.psql(`SELECT attempts, last_error, extract(epoch FROM next_attempt - now())::int, sent_at IS NULL FROM outbox WHERE id = ${id}`, db).split('|');
  let [attempts, error, wait, unsent] = row();
  assert.equal(attempts, '1');
  assert.match(error, /connect/i);
  assert.ok(wait >= 25 && wait <= 31, `retried in about 30 s, not ${wait}`);
  assert.equal(unsent, 't');

  r = ctl(db, ['mail', '--once'], env);
  assert.equal(r.stderr, '', 'not retried before its time');
  assert.equal(row()[0], '1');

  // 30 s doubling: 4 failures before, 8 min; capped at an hour.
  for (const [before, expect] of [[4, 480], [9, 3600]]) {
    cluster.psql(`UPDATE outbox SET attempts = ${before}, next_attempt = now() WHERE id = ${id}`, db);
    ctl(db, ['mail', '--once'], env);
    [attempts, , wait] = row();
    assert.equal(attempts, String(before + 1));
    assert.ok(Math.abs(wait - expect) <= 2, `after ${before + 1} failures ${expect} s, not ${wait}`);
  }

  cluster.psql(`UPDATE outbox SET attempts = 11, next_attempt = now() WHERE id = ${id}`, db);
  r = ctl(db, ['mail', '--once'], env);
  assert.match(r.stderr, new RegExp(`mail ${id} to ana@example.org: giving up after 12 attempts`));
  assert.equal(cluster.psql(`SELECT attempts, next_attempt = 'infinity', sent_at IS NULL, body FROM outbox WHERE id = ${id}`, db), '12|t|t|');
});

test('the mailer waits on LISTEN, delivers within moments, and stops on SIGTERM', async () => {
  const db = freshDb();
  const dir = tempDir('laurel-mail-');
  const m = startMailer(mailEnv(db, dir));
  try {
    assert.ok(await waitFor(() => /delivering the outbox/.test(m.out.stderr), 5000) >= 0, m.out.stderr);
    await sleep(300);	// well inside its 5 s poll
    const id = addMail(db, 'ana@example.org', 'Welcome', 'See https://laurel.test/x');
    const took = await waitFor(() => existsSync(join(dir, `${id}.eml`)), 4000);
    assert.ok(took >= 0 && took < 2000, `delivered by the notification, in ${took} ms`);
    assert.ok(await waitFor(() => m.out.stdout.includes(`mail ${id} to ana@example.org`), 2000) >= 0);
  } finally {
    const r = await stopMailer(m);
    assert.deepEqual(r, { code: 0, signal: null }, m.out.stderr);
  }
  assert.match(m.out.stderr, /mail: stopped/);
});

test('two mailers share the outbox: every message delivered exactly once', async () => {
  const db = freshDb();
  const dir = tempDir('laurel-mail-');
  const a = startMailer(mailEnv(db, dir));
  const b = startMailer(mailEnv(db, dir));
  try {
    await waitFor(() => /delivering/.test(a.out.stderr) && /delivering/.test(b.out.stderr), 5000);
    for (let i = 0; i < 40; i++)
      addMail(db, `user${i}@example.org`, `Message ${i}`, 'x');
    const done = await waitFor(() => cluster.psql('SELECT count(*) FROM outbox WHERE sent_at IS NULL', db) === '0', 10000);
    assert.ok(done >= 0, 'all delivered');
  } finally {
    await stopMailer(a);
    await stopMailer(b);
  }
  const lines = (a.out.stdout + b.out.stdout).trim().split('\n');
  assert.equal(lines.length, 40);
  assert.equal(new Set(lines.map((l) => l.split(' ')[1])).size, 40, 'no message twice');
  assert.equal(readdirSync(dir).length, 40);
});

test('the mailer outlives a database outage with one log line', async () => {
  const own = Cluster.start();	// ours: we are going to stop it
  const db = own.createDatabase();
  migrate(own.dsn(db));
  const dir = tempDir('laurel-mail-');
  const m = startMailer(mailEnv(db, dir, { LAUREL_DB: own.appDsn(db) }));
  try {
    assert.ok(await waitFor(() => /delivering the outbox/.test(m.out.stderr), 5000) >= 0);
    await sleep(200);
    own.stopServer();
    await sleep(4000);
    assert.equal(m.proc.exitCode, null, 'still running');
    own.startServer();
    const id = own.psql(`SELECT outbox_add('ana@example.org', 'Back', 'x'); SELECT max(id) FROM outbox`, db);
    const took = await waitFor(() => existsSync(join(dir, `${id}.eml`)), 20000);
    assert.ok(took >= 0, `delivered after the outage: ${m.out.stderr}`);
    // The line may follow the file by a moment on a busy machine.
    await waitFor(() => /database back/.test(m.out.stderr), 5000);
    assert.equal(m.out.stderr.match(/database trouble/g)?.length, 1, m.out.stderr);
    assert.equal(m.out.stderr.match(/database back/g)?.length, 1, m.out.stderr);
  } finally {
    await stopMailer(m);
    own.stop();
  }
});

// --- The bench's data set ---------------------------------------------------

test('seed bench: the data set of SPEC §8, refused a second time', () => {
  const db = freshDb();
  const q = (sql) => cluster.psql(sql, db);
  const r = ctl(db, ['seed', 'bench']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');

  assert.equal(q('SELECT count(*) FROM users'), '20000');
  assert.equal(q("SELECT count(*) FROM users WHERE verified_at IS NOT NULL AND password_hash = 'x'"), '20000');
  const [round, phase, k, cats] = q(`SELECT id, round_phase(r), reviews_per_application,
    (SELECT string_agg(code, ',' ORDER BY position) FROM round_categories WHERE round_id = r.id)
    FROM rounds r WHERE slug = 'bench'`).split('|');
  assert.equal(phase, 'reviewing');
  assert.equal(k, '3');
  assert.equal(cats, 'IMPACT,INNOVATION,EXCELLENCE,CULTURE');
  assert.equal(q(`SELECT count(*) FROM applications WHERE round_id = ${round} AND state = 'submitted'
    AND reference ~ '^BPR-BENCH-\\d{4}$' AND fingerprint ~ '^[0-9a-f]{64}$' AND version = 1`), '2000');
  assert.equal(q(`SELECT count(DISTINCT a.owner_id) FROM applications a JOIN application_versions v
    ON v.application_id = a.id AND v.version = a.version AND v.content ? 'partners'`), '2000');
  assert.equal(q(`SELECT string_agg(kind || '=' || key, ' ' ORDER BY kind) FROM application_keys k
    JOIN applications a ON a.id = k.application_id WHERE a.reference = 'BPR-BENCH-0017'`),
  'domain=dom:org17.example organisation=org:organisation 17 partner=org:partner 17');
  assert.equal(q(`SELECT count(*) FROM panel_members WHERE round_id = ${round} AND removed_at IS NULL`), '150');

  // 2 % of the 300,000 pairs, and the line says so.
  const pairs = Number(q(`SELECT count(*) FROM (SELECT DISTINCT application_id, user_id FROM round_conflicts(${round})) c`));
  assert.ok(pairs >= 0.015 * 300000 && pairs <= 0.025 * 300000, `${pairs} conflicted pairs`);
  assert.match(r.stdout, new RegExp(`^seeded round bench: 20000 users, 2000 submitted applications, 150 reviewers, ${pairs} conflicted pairs \\(`));

  const again = ctl(db, ['seed', 'bench']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /a round with the slug 'bench' exists already; nothing was changed/);
  assert.equal(again.stdout, '');
  assert.equal(q('SELECT count(*) FROM users'), '20000', 'nothing added');
  assert.equal(q('SELECT count(*) FROM applications'), '2000');
  assert.equal(ctl(db, ['seed']).status, 2, 'usage');
  assert.equal(ctl(db, ['seed', 'demo']).status, 2, 'usage');

  // What the automatic assignment is given: every application, every
  // reviewer, and the conflicts as pairs it may not make.
  const admin = q("UPDATE users SET is_admin = true WHERE email = 'user-1@bench.example' RETURNING id");
  const [apps, reviewers, blocked, kk] = q(`SELECT json_array_length(p -> 'applications'),
    json_array_length(p -> 'reviewers'), json_array_length(p -> 'blocked'), p ->> 'k'
    FROM assignment_problem('bench', ${admin}) p`).split('|');
  assert.equal(apps, '2000');
  assert.equal(reviewers, '150');
  assert.equal(Number(blocked), pairs);
  assert.equal(kk, '3');
});

test('seed bench: a failure anywhere leaves nothing behind', () => {
  const db = freshDb();
  // An address the seed is about to use: its users step fails.
  cluster.psql("INSERT INTO users (email, display_name, password_hash) VALUES ('reviewer-3@bench.example', 'R', 'x')", db);
  const r = ctl(db, ['seed', 'bench']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /seed bench: users: .*duplicate key/);
  assert.match(r.stderr, /nothing was changed/);
  assert.equal(r.stdout, '');
  assert.equal(cluster.psql('SELECT (SELECT count(*) FROM rounds) + (SELECT count(*) FROM audit)', db), '0');
  assert.equal(cluster.psql('SELECT count(*) FROM users', db), '1');
});
