// The file-encryption keys: `laurelctl key new` makes one and never
// overwrites anything; the app refuses to start with a key file it cannot
// trust; `laurelctl key rotate` moves every document to the current key
// while the app keeps serving them, and names what it cannot move.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { totp, enrolStart } from '../../lib/totp.mjs';
import {
  Client, Cluster, ROOT, migrate, restartApp, startApp,
  tempDir, writeKeyFile, startRefused } from '../../lib/harness.mjs';

const CTL = join(ROOT, 'build/laurelctl');
const PW = 'lantern orbit cactus 42';
const APP_ENV = { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' };

let cluster;

before(() => { cluster = Cluster.shared(); });
after(() => { cluster.stop(); });

// The id filecrypt gives a key: 16 hex digits of SHA-256 of its 32 bytes.
function keyId(path) {
  const hex = readFileSync(path, 'utf8').trim();
  return createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex').slice(0, 16);
}

function ctl(args, env = {}) {
  const full = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined)
      delete full[k];
  }
  return spawnSync(CTL, args, { env: full, encoding: 'utf8' });
}

function rotate(dsn, current, old, args = []) {
  return ctl(['key', 'rotate', ...args], {
    LAUREL_DB: dsn, LAUREL_KEY_FILE: current, LAUREL_KEY_FILES_OLD: old,
  });
}

// --- key new ----------------------------------------------------------------

test('key new writes a random key of mode 0600 and prints its id', () => {
  const dir = tempDir('laurel-keynew-');
  const path = join(dir, 'file.key');
  const r = ctl(['key', 'new', path]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const text = readFileSync(path, 'utf8');
  assert.match(text, /^[0-9a-f]{64}\n$/);
  assert.equal(r.stdout.match(/key ([0-9a-f]{16})/)[1], keyId(path));
  assert.ok(!r.stdout.includes(text.trim()), 'the key itself is never printed');

  const other = join(dir, 'other.key');
  assert.equal(ctl(['key', 'new', other]).status, 0);
  assert.notEqual(readFileSync(other, 'utf8'), text, 'each key is new');
});

test('key new refuses to overwrite a file, or to follow a symlink', () => {
  const dir = tempDir('laurel-keynew-');
  const path = writeKeyFile(join(dir, 'file.key'));
  const before = readFileSync(path, 'utf8');
  const r = ctl(['key', 'new', path]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /file\.key already exists; a key file is never overwritten/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  assert.equal(r.stdout, '');
  assert.equal(readFileSync(path, 'utf8'), before, 'unchanged');

  const link = join(dir, 'link.key');
  symlinkSync(join(dir, 'target.key'), link);
  assert.equal(ctl(['key', 'new', link]).status, 1);
  assert.ok(!existsSync(join(dir, 'target.key')), 'nothing written through the link');

  assert.equal(ctl(['key', 'new']).status, 2, 'usage');
  assert.equal(ctl(['key', 'new', 'a', 'b']).status, 2, 'usage');
  assert.equal(ctl(['key', 'frob']).status, 2, 'usage');
});

// --- Start-up refusals -------------------------------------------------------

const startWith = (envChanges) => startRefused(cluster, envChanges);

function badKeys() {
  const dir = tempDir('laurel-badkey-');
  const short = join(dir, 'short.key');
  writeFileSync(short, 'abcdef0123\n', { mode: 0o600 });
  const groupReadable = writeKeyFile(join(dir, 'group.key'));
  chmodSync(groupReadable, 0o640);
  return { missing: join(dir, 'missing.key'), short, groupReadable };
}

const bad = badKeys();

for (const [name, env, message] of [
  ['no key file setting', { LAUREL_KEY_FILE: undefined }, /LAUREL_KEY_FILE is not set/],
  ['a missing key file', { LAUREL_KEY_FILE: bad.missing }, /LAUREL_KEY_FILE: key file \S*missing\.key: cannot open: No such file/],
  ['a short key file', { LAUREL_KEY_FILE: bad.short }, /LAUREL_KEY_FILE: key file \S*short\.key: holds 11 bytes; a key is 32 raw bytes or 64 hex digits/],
  ['a group-readable key file', { LAUREL_KEY_FILE: bad.groupReadable }, /LAUREL_KEY_FILE: key file \S*group\.key: mode 0640 lets group or others access it/],
  ['a bad old key file', { LAUREL_KEY_FILES_OLD: bad.short }, /LAUREL_KEY_FILE or LAUREL_KEY_FILES_OLD: key file \S*short\.key: holds 11 bytes/],
]) {
  test(`start-up refused with ${name}`, { timeout: 60000 }, async () => {
    const r = await startWith(env);
    assert.ok(r.exited, 'Kore must not start');
    assert.notEqual(r.code, 0, 'non-zero exit');
    const lines = r.log.split('\n').filter((l) => /LAUREL_KEY_FILE/.test(l));
    assert.equal(lines.length, 1, `one line names the setting:\n${r.log}`);
    assert.match(lines[0], message);
    assert.doesNotMatch(r.log, /worker \d+ started/, 'no worker ever started');
  });
}

// --- key rotate: what it refuses and what it cannot move ----------------------

test('key rotate refuses bad key files with one line and exit 1', () => {
  const dsn = cluster.dsn(cluster.createDatabase());
  const good = writeKeyFile(join(tempDir('laurel-key-'), 'good.key'));
  for (const [cur, old, message] of [
    [undefined, undefined, /^laurelctl: LAUREL_KEY_FILE is not set/],
    [bad.missing, undefined, /^laurelctl: LAUREL_KEY_FILE: key file \S*missing\.key: cannot open/],
    [bad.short, undefined, /^laurelctl: LAUREL_KEY_FILE: key file \S*short\.key: holds 11 bytes/],
    [bad.groupReadable, undefined, /^laurelctl: LAUREL_KEY_FILE: key file \S*group\.key: mode 0640/],
    [good, `${good}:${bad.groupReadable}`, /^laurelctl: LAUREL_KEY_FILE or LAUREL_KEY_FILES_OLD: key file \S*group\.key: mode 0640/],
  ]) {
    const r = rotate(dsn, cur, old);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(r.stdout, '');
  }
  assert.equal(rotate(dsn, good, undefined, ['--batch', '0']).status, 1);
  assert.equal(rotate(dsn, good, undefined, ['--batch']).status, 2);
  assert.equal(rotate(dsn, good, undefined, ['extra']).status, 2);
});

test('key rotate with nothing to do: exit 0, audited', () => {
  const db = cluster.createDatabase();
  migrate(cluster.dsn(db));
  const key = writeKeyFile(join(tempDir('laurel-key-'), 'k.key'));
  const r = rotate(cluster.dsn(db), key);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `rotated 0 document(s) to key ${keyId(key)}; 0 left under other keys\n` +
    `sealed 0 two-step secret(s) with key ${keyId(key)}; 0 left under other keys\n`);
  assert.equal(cluster.psql("SELECT subject || ' ' || after::text FROM audit WHERE action = 'key.rotate'", db),
    `key:${keyId(key)} {"left": 0, "rotated": 0, "secrets": 0}`);
});

test('key rotate names documents under an unknown key or that do not open, and leaves them', () => {
  const db = cluster.createDatabase();
  const dsn = cluster.dsn(db);
  migrate(dsn);
  const dir = tempDir('laurel-key-');
  const a = writeKeyFile(join(dir, 'a.key'));
  const b = writeKeyFile(join(dir, 'b.key'));
  const sql = (q) => cluster.psql(q, db);
  sql(`INSERT INTO rounds (slug, title, opens_at, closes_at) VALUES ('r', 'R', now() - interval '1 day', now() + interval '1 day')`);
  const app = sql("INSERT INTO applications (round_id) SELECT id FROM rounds RETURNING id");
  const file = (keyid) => sql(`INSERT INTO application_files (application_id, name, size, sha256, key_id, sealed)
    VALUES (${app}, 'x.pdf', 1, repeat('0', 64), ${keyid}, '\\x4c464331deadbeef'::bytea) RETURNING id`);
  const unknown = file("'0123456789abcdef'");
  const tampered = file(`'${keyId(a)}'`);
  const hostile = file("E'\\x1b[2J\\x07' || repeat('z', 100)");

  const r = rotate(dsn, b, a);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`file ${unknown}: key 0123456789abcdef is unknown; add its key file to LAUREL_KEY_FILES_OLD`));
  assert.match(r.stderr, new RegExp(`file ${tampered}: cannot be opened with key ${keyId(a)}`));
  assert.match(r.stderr, new RegExp(`file ${hostile}: key \\?\\[2J\\?z{59}\\.\\.\\. is unknown`), 'no control characters reach the terminal');
  assert.doesNotMatch(r.stderr, /[\x00-\x09\x0b-\x1f]/);
  assert.match(r.stdout, new RegExp(`^rotated 0 document\\(s\\) to key ${keyId(b)}; 3 left under other keys\n`));
  assert.equal(sql('SELECT string_agg(left(key_id, 16), \',\' ORDER BY id) FROM application_files WHERE id <> ' + hostile),
    `0123456789abcdef,${keyId(a)}`, 'left as they were');
  assert.equal(sql("SELECT after::text FROM audit WHERE action = 'key.rotate'"), '{"left": 3, "rotated": 0, "secrets": 0}');
});

// --- Rotation end to end, through the app ---------------------------------------

// A one-page PDF with a correct cross-reference table.
function tinyPdf(text) {
  const stream = `BT /F1 12 Tf 20 100 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R '
      + '/Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets)
    out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

async function account(app, email) {
  const c = new Client(app, { ip: '203.0.113.7' });
  await c.page('/register');
  await c.post('/register', { display_name: 'Ana Applicant', email, password: PW });
  const link = new URL(app.cluster.psql(`SELECT body FROM outbox WHERE to_addr = '${email}'`, app.db).match(/http:\/\/\S+/)[0]);
  await c.get(link.pathname + link.search);
  await c.page('/login');
  const res = await c.post('/login', { email, password: PW });
  assert.equal(res.status, 303, 'signed in');
  return c;
}

async function upload(c, appId, name, bytes) {
  await c.page(`/applications/${appId}`);
  const form = new FormData();
  form.append('csrf_token', c.csrf);
  form.append('file', new Blob([bytes], { type: 'application/pdf' }), name);
  const res = await fetch(c.app.url(`/applications/${appId}/files`), {
    method: 'POST', body: form, redirect: 'manual', headers: c.cookieHeaders(),
  });
  c.remember(res);
  return res;
}

async function download(c, appId, fileId) {
  const res = await c.get(`/applications/${appId}/files/${fileId}`);
  assert.equal(res.status, 200, `download of file ${fileId}`);
  return Buffer.from(await res.arrayBuffer());
}

test('rotation end to end: documents stay readable before, during and after', async () => {
  const dir = tempDir('laurel-rot-');
  const a = writeKeyFile(join(dir, 'a.key'));
  const b = join(dir, 'b.key');
  assert.equal(ctl(['key', 'new', b]).status, 0);
  const [idA, idB] = [keyId(a), keyId(b)];

  const app = await startApp({ cluster, env: { ...APP_ENV, LAUREL_KEY_FILE: a } });
  let passed = false;
  try {
    const sql = (q) => app.cluster.psql(q, app.db);
    sql(`SELECT round_save(NULL, NULL, 'test', 'Open round', 'open-round', 'Apply.',
      '[{"code":"IMPACT","description":"Impact."}]', ARRAY['BE'], 'Europe/Brussels',
      to_char(now() AT TIME ZONE 'Europe/Brussels' - interval '1 day', 'YYYY-MM-DD"T"HH24:MI'),
      to_char(now() AT TIME ZONE 'Europe/Brussels' + interval '30 days', 'YYYY-MM-DD"T"HH24:MI'),
      '', '', false, 3, 5, 20)`);
    const c = await account(app, 'ana@example.org');

    await c.page('/account'); // the signed-in session's CSRF token
    const applied = await c.post('/rounds/open-round/apply', {});
    assert.equal(applied.status, 303, await applied.clone().text());
    const appId = applied.headers.get('location').match(/^\/applications\/(\d+)$/)[1];

    const pdf = tinyPdf('Key rotation');
    const up = await upload(c, appId, 'x.pdf', pdf);
    assert.equal(up.status, 303, await up.clone().text());
    assert.match(up.headers.get('location'), new RegExp(`^/applications/${appId}\\b`));
    const fileId = sql(`SELECT id FROM application_files WHERE application_id = ${appId}`);
    assert.match(fileId, /^\d+$/);
    assert.equal(sql(`SELECT key_id FROM application_files WHERE id = ${fileId}`), idA);
    assert.ok(!sql(`SELECT encode(sealed, 'escape') FROM application_files WHERE id = ${fileId}`).includes('Key rotation'),
      'stored sealed');
    assert.deepEqual(await download(c, appId, fileId), pdf);

    // Two-step sign-in: ana's secret sealed with A; bob's stored in clear
    // (from before secrets were sealed).
    const { secret } = await enrolStart(c, PW);
    assert.equal((await c.post('/account/totp', { totp_code: totp(secret) })).status, 200);
    assert.match(sql("SELECT totp_secret FROM users WHERE email = 'ana@example.org'"), new RegExp(`^s1\\.${idA}\\.`));
    await account(app, 'bob@example.org');	// asserts the sign-in itself
    sql("UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' WHERE email = 'bob@example.org'");

    // More documents under A, some batches' worth. Uploaded, not copied
    // in SQL: each is sealed bound to its own row, and a copy of another
    // row's ciphertext would not open.
    sql("UPDATE rounds SET max_files = 20 WHERE slug = 'open-round'");
    for (let g = 1; g <= 10; g++)
      assert.equal((await upload(c, appId, `copy-${g}.pdf`, tinyPdf(`Copy ${g}`))).status, 303);

    // Step 2: the new key current, the old one still readable.
    await restartApp(app, { ...APP_ENV, LAUREL_KEY_FILE: b, LAUREL_KEY_FILES_OLD: a });
    assert.deepEqual(await download(c, appId, fileId), pdf, 'old documents open with the old key');
    const pdf2 = tinyPdf('Uploaded under B');
    assert.equal((await upload(c, appId, 'y.pdf', pdf2)).status, 303);
    const file2 = sql(`SELECT max(id) FROM application_files WHERE application_id = ${appId} AND name = 'y.pdf'`);
    assert.equal(sql(`SELECT key_id FROM application_files WHERE id = ${file2}`), idB, 'new uploads sealed with B');

    // Step 3: rotate, in batches smaller than the work.
    const r = rotate(app.dsn, b, a, ['--batch', '4']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, `rotated 11 document(s) to key ${idB}; 0 left under other keys\n` +
      `sealed 2 two-step secret(s) with key ${idB}; 0 left under other keys\n`);
    assert.equal(sql(`SELECT string_agg(DISTINCT key_id, ',') FROM application_files`), idB);
    assert.equal(sql(`SELECT count(*) FROM users WHERE totp_secret LIKE 's1.${idB}.%'`), '2');
    assert.equal(sql("SELECT subject || ' ' || after::text FROM audit WHERE action = 'key.rotate'"),
      `key:${idB} {"left": 0, "rotated": 11, "secrets": 2}`);
    assert.deepEqual(await download(c, appId, fileId), pdf, 'readable while both keys are known');
    const again = rotate(app.dsn, b, a);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /^rotated 0 document\(s\)/);

    // Step 4: only B.
    await restartApp(app, { ...APP_ENV, LAUREL_KEY_FILE: b });
    assert.deepEqual(await download(c, appId, fileId), pdf, 'readable with B alone');
    assert.deepEqual(await download(c, appId, file2), pdf2);
    const copy = sql(`SELECT id FROM application_files WHERE name = 'copy-7.pdf'`);
    assert.deepEqual(await download(c, appId, copy), tinyPdf('Copy 7'));

    // Ana signs in with her authenticator app, the secret now under B.
    const d = new Client(app, { ip: '203.0.113.99' });
    await d.page('/login');
    assert.equal((await d.post('/login', { email: 'ana@example.org', password: PW })).status, 303);
    await d.page('/login/totp');
    const last = Number(sql("SELECT totp_last_step FROM users WHERE email = 'ana@example.org'"));
    const second = await d.post('/login/totp', { totp_code: totp(secret, (last + 1) * 30 + 1) });
    assert.equal(second.status, 303);
    assert.equal(second.headers.get('location'), '/account');

    // A document under a key nobody has: named, left, exit 1.
    sql(`UPDATE application_files SET key_id = 'feedfacefeedface' WHERE id = ${copy}`);
    const lost = rotate(app.dsn, b, undefined);
    assert.equal(lost.status, 1);
    assert.match(lost.stderr, new RegExp(`file ${copy}: key feedfacefeedface is unknown; add its key file to LAUREL_KEY_FILES_OLD`));
    assert.match(lost.stdout, new RegExp(`^rotated 0 document\\(s\\) to key ${idB}; 1 left under other keys\n`));
    assert.equal(sql(`SELECT key_id FROM application_files WHERE id = ${copy}`), 'feedfacefeedface');
    passed = true;
  } finally {
    // A failure above is the one to report, not the log it left.
    await app.stop({ allowDirty: !passed });
  }
});
