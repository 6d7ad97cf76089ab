// Faults (issue 15): a Kore worker killed with SIGKILL in the middle of
// an upload and of a submit, and a full disk under the upload directory.
// Nothing is ever half-stored, the user's retry succeeds, the temporary
// files go, and the instance keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Cluster, ROOT, restartApp, startApp, tempDir, until } from '../lib/harness.mjs';
import { applicant, apply, formBody, fullForm, openRound, pdf, upload } from '../lib/apply.mjs';

const MIB = 1024 * 1024;
const isRoot = process.getuid?.() === 0;

let cluster, app, full, fullDir;
const sql = (a, q) => a.cluster.psql(q, a.db);

before(async () => {
  cluster = Cluster.shared();
  app = await startApp({ cluster, env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  openRound(app, 'faults', { maxMb: 25 });
});

after(async () => {
  // Each step on its own: a failed one leaves nothing behind.
  try {
    await full?.stop();
  } finally {
    try {
      if (fullDir) {
        execFileSync('umount', [fullDir]);
        rmSync(fullDir, { recursive: true });
      }
    } finally {
      try {
        // The worker deaths below are the point: their log lines are not trouble.
        await app?.stop({ allowDirty: true });
      } finally {
        cluster?.stop();
      }
    }
  }
});

// The Kore log's trouble other than the deaths this file causes.
function otherTrouble(a) {
  return a.dirtyLines().filter((l) => !/restarting worker|\) gone/.test(l));
}

function uploadsIn(dir) {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('http_body.')) : [];
}

function workers(a) {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(a.proc.pid)], { encoding: 'utf8' });
  return out.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

// The worker holding the server's end of a loopback connection from
// clientPort: its socket's inode in /proc/net/tcp, then whose fd it is.
function workerHolding(a, clientPort) {
  const hex = (p) => p.toString(16).toUpperCase().padStart(4, '0');
  const local = `0100007F:${hex(a.port)}`;
  const remote = `0100007F:${hex(clientPort)}`;
  const row = readFileSync('/proc/net/tcp', 'utf8').split('\n').map((l) => l.trim().split(/\s+/))
    .find((f) => f[1] === local && f[2] === remote);
  if (!row)
    return null;
  const link = `socket:[${row[9]}]`;
  for (const pid of workers(a)) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch { continue; }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === link)
          return pid;
      } catch { /* closed meanwhile */ }
    }
  }
  return null;
}

// A request written by hand on a socket of our own, so that we know its
// port: the head and the first `first` bytes of the body now, the rest
// when asked. Resolves `closed` when the server ends the connection.
function rawRequest(a, head, body, first = body.length) {
  const sock = net.connect(a.port, '127.0.0.1');
  const chunks = [];
  sock.on('data', (d) => chunks.push(d));
  const closed = new Promise((ok) => {
    sock.on('error', () => {});
    sock.on('close', () => ok(Buffer.concat(chunks).toString('latin1')));
  });
  const ready = new Promise((ok) => sock.once('connect', ok)).then(() => {
    sock.write(head);
    sock.write(body.subarray(0, first));
    return sock.localPort;
  });
  return { sock, ready, closed, rest: () => sock.write(body.subarray(first)) };
}

function headFor(a, c, path, type, length) {
  const h = { host: `127.0.0.1:${a.port}`, 'content-type': type, 'content-length': length, ...c.cookieHeaders() };
  return `POST ${path} HTTP/1.1\r\n` + Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
}

function multipart(csrf, bytes, name) {
  const b = `----laurel${randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`--${b}\r\ncontent-disposition: form-data; name="csrf_token"\r\n\r\n${csrf}\r\n` +
      `--${b}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\n` +
      'content-type: application/pdf\r\n\r\n'),
    bytes,
    Buffer.from(`\r\n--${b}--\r\n`),
  ]);
  return { type: `multipart/form-data; boundary=${b}`, body };
}

// A request on a connection of its own: a retry must not ride a pooled
// keep-alive connection that the killed worker held (fetch would write
// into it before noticing it closed; a browser retries that by itself).
function freshPost(a, c, path, type, body) {
  return new Promise((ok, fail) => {
    const req = http.request({
      host: '127.0.0.1', port: a.port, path, method: 'POST', agent: false,
      headers: { 'content-type': type, 'content-length': body.length, ...c.cookieHeaders() },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => ok({ status: res.statusCode, location: res.headers.location, text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

function kill9(pid) {
  process.kill(pid, 'SIGKILL');
}

test('a worker killed mid-upload stores nothing; the retry succeeds; its temp file is gone after restart', async (t) => {
  const ana = await applicant(app, 'ana@example.org', '203.0.113.51');
  const id = await apply(ana, 'faults');
  await ana.page(`/applications/${id}`);
  const doc = pdf('Killed mid-upload', 20 * MIB);
  const { type, body } = multipart(ana.csrf, doc, 'big.pdf');
  const up = join(app.dir, 'uploads');
  assert.deepEqual(uploadsIn(up), []);

  const r = rawRequest(app, headFor(app, ana, `/applications/${id}/files`, type, body.length), body, 4 * MIB);
  const port = await r.ready;
  // The worker has the body's first MiBs in its temporary file.
  const [tmp] = await until('the temporary upload file', () => {
    const f = uploadsIn(up);
    return f.length === 1 && statSync(join(up, f[0])).size >= MIB && f;
  });
  const pid = await until('the worker holding the upload', () => workerHolding(app, port));
  const before = app.log().split('\n').length;
  kill9(pid);
  await r.closed;
  r.sock.destroy();
  // Kore's parent starts another worker in its place.
  await until('the worker restarted', () => app.log().split('\n').slice(before).some((l) => /restarting worker/.test(l)));
  assert.equal(sql(app, `SELECT count(*) FROM application_files WHERE application_id = ${id}`), '0');

  // The user tries again: a fresh request of the same upload succeeds.
  const again = multipart(ana.csrf, doc, 'big.pdf');
  const res = await freshPost(app, ana, `/applications/${id}/files`, again.type, again.body);
  assert.equal(res.status, 303, res.text);
  assert.equal(sql(app, `SELECT count(*) || ':' || max(size) FROM application_files WHERE application_id = ${id}`), `1:${doc.length}`);

  // The dead worker's file stays (Kore's parent does not clean up after
  // a worker) until the instance restarts, which empties the directory.
  const left = uploadsIn(up);
  t.diagnostic(`left in the upload directory after the retry: ${JSON.stringify(left)}`);
  assert.deepEqual(left, [tmp]);
  await restartApp(app, { LAUREL_TRUSTED_PROXIES: '127.0.0.1' });
  assert.deepEqual(uploadsIn(up), []);
  assert.match(app.log(), /removed 1 upload\(s\) left in/);
  assert.equal((await ana.get(`/applications/${id}/files/${sql(app, `SELECT id FROM application_files WHERE application_id = ${id}`)}`)).status, 200);
  assert.deepEqual(otherTrouble(app), []);
});

// What a submit writes, for one application, as one string: state,
// version, reference, fingerprint, time; versions (the draft's 0 counts)
// and submitted ones; the receipt matching the application, receipts;
// submit audit entries; receipt mails.
function submitState(a, id) {
  return sql(a, `SELECT a.state || '|' || a.version || '|' || (a.reference IS NOT NULL) || '|' ||
      (a.fingerprint IS NOT NULL) || '|' || (a.submitted_at IS NOT NULL) || '|' ||
      (SELECT count(*) FROM application_versions v WHERE v.application_id = a.id) || '|' ||
      (SELECT count(*) FROM application_versions v WHERE v.application_id = a.id AND v.kind = 'submit') || '|' ||
      (SELECT count(*) FROM application_receipts r WHERE r.application_id = a.id
          AND r.version = a.version AND r.reference = a.reference AND r.fingerprint = a.fingerprint) || '|' ||
      (SELECT count(*) FROM application_receipts r WHERE r.application_id = a.id) || '|' ||
      (SELECT count(*) FROM audit WHERE action = 'application.submit' AND subject = 'application:' || a.id) || '|' ||
      (SELECT count(*) FROM outbox o JOIN users u ON u.email = o.to_addr
          WHERE u.id = a.owner_id AND o.subject LIKE 'Receipt%')
    FROM applications a WHERE a.id = ${id}`);
}
const DRAFT = 'draft|0|false|false|false|1|0|0|0|0|0';
const SUBMITTED = 'submitted|1|true|true|true|2|1|1|1|1|1';

test('a worker killed mid-submit leaves a draft or a whole submit, and the retry gives one receipt', async (t) => {
  const ben = await applicant(app, 'ben@example.org', '203.0.113.52');
  const id = await apply(ben, 'faults');
  const { html } = await ben.page(`/applications/${id}`);
  const version = html.match(/name="version" value="(\d+)"/)[1];
  const body = Buffer.from(formBody({ csrf_token: ben.csrf, version, action: 'submit', ...fullForm() }));
  assert.equal(submitState(app, id), DRAFT);

  // Another session holds the application's row: the submit's function
  // waits for it inside PostgreSQL while the worker waits for its answer.
  const locker = spawn('psql', [app.cluster.dsn(app.db), '-Atq'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lockerDone = new Promise((ok) => locker.once('exit', ok));
  let out = '';
  locker.stdout.on('data', (d) => { out += d; });
  try {
    locker.stdin.write(`BEGIN;\nSELECT 'locked:' || id FROM applications WHERE id = ${id} FOR UPDATE;\n`);
    await until('the lock', () => out.includes(`locked:${id}`));

    const r = rawRequest(app, headFor(app, ben, `/applications/${id}`, 'application/x-www-form-urlencoded', body.length), body);
    const port = await r.ready;
    await until('the submit waiting on the lock', () => sql(app, `SELECT count(*) FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%application_save%'`) === '1');
    const pid = await until('the worker holding the submit', () => workerHolding(app, port));
    kill9(pid);
    const answer = await r.closed;
    assert.equal(answer, '', 'the killed worker answered nothing');
  } finally {
    locker.stdin.end('COMMIT;\n');
    await lockerDone;
  }
  // The backend whose client died goes on once the lock is free: it
  // commits its one statement whole or not at all.
  await until('the submit statement to end', () => sql(app, `SELECT count(*) FROM pg_stat_activity
      WHERE datname = current_database() AND query LIKE '%application_save%' AND state = 'active'
        AND pid <> pg_backend_pid()`) === '0');
  const after = submitState(app, id);
  t.diagnostic(`after the kill: ${after}`);
  assert.ok(after === DRAFT || after === SUBMITTED, `half a submit: ${after}`);

  // The user, who got no answer, sends the same form again.
  const res = await freshPost(app, ben, `/applications/${id}`, 'application/x-www-form-urlencoded', body);
  assert.equal(res.status, 303, res.text);
  assert.equal(res.location, `/applications/${id}?receipt=1#receipt`);
  assert.equal(submitState(app, id), SUBMITTED);
  const { html: receipt } = await ben.page(`/applications/${id}?receipt=1`);
  assert.match(receipt, new RegExp(sql(app, `SELECT reference FROM applications WHERE id = ${id}`)));

  // The audit chain holds across the death.
  const verify = execFileSync(join(ROOT, 'build/laurelctl'), ['audit', 'verify'], {
    env: { ...process.env, LAUREL_OWNER_DB: '', LAUREL_DB: app.dsn }, encoding: 'utf8',
  });
  assert.match(verify, /^audit: OK/);
  assert.deepEqual(otherTrouble(app), []);
});

test('a full upload disk gets the error page, stores nothing, and the instance keeps serving', { skip: !isRoot && 'mounting a small tmpfs needs root' }, async () => {
  fullDir = tempDir('laurel-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0755', 'tmpfs', fullDir]);
  const up = join(fullDir, 'uploads');
  mkdirSync(up, { mode: 0o700 });
  full = await startApp({ cluster, env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' }, conf: { http_body_disk_path: up } });
  openRound(full, 'full', { maxMb: 25 });
  const cy = await applicant(full, 'cy@example.org', '203.0.113.53');
  const id = await apply(cy, 'full');
  const big = pdf('Ten MiB', 10 * MIB);
  const filler = join(fullDir, 'filler');
  const files = () => sql(full, `SELECT count(*) FROM application_files WHERE application_id = ${id}`);

  // Some room, not enough: 2 MiB free for 10 MiB; then none at all.
  for (const room of [2 * MIB, 0]) {
    rmSync(filler, { force: true });
    try {
      writeFileSync(filler, Buffer.alloc(16 * MIB - room));
    } catch (e) {
      if (e.code !== 'ENOSPC')
        throw e;
    }
    const res = await upload(cy, id, big, 'big.pdf');
    const text = await res.text();
    assert.equal(res.status, 503, `${room} bytes free: ${res.status} ${text.slice(0, 300)}`);
    assert.match(res.headers.get('content-type'), /^text\/html/);
    assert.match(text, /could not store your upload just now, so nothing was saved/);
    assert.match(text, /<link[^>]+app\.[0-9a-f]+\.css/, "the site's own error page");
    assert.equal(files(), '0');
    await until('the half file removed', () => uploadsIn(up).length === 0);

    // The instance keeps serving: pages, and small uploads (in memory).
    assert.equal((await full.get('/')).status, 200);
    const small = await upload(cy, id, pdf(`small ${room}`), 'small.pdf');
    assert.equal(small.status, 303, await small.clone().text());
    sql(full, `DELETE FROM application_files WHERE application_id = ${id}`);
  }

  // Room again: the same upload goes through.
  rmSync(filler);
  const res = await upload(cy, id, big, 'big.pdf');
  assert.equal(res.status, 303, await res.clone().text());
  assert.equal(sql(full, `SELECT count(*) || ':' || max(size) FROM application_files WHERE application_id = ${id}`), `1:${big.length}`);
  assert.deepEqual(uploadsIn(up), []);
  const f = full;
  full = null;
  await f.stop();
});
