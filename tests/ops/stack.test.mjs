// The production stack from deploy/, started whole on loopback: nginx
// with TLS and HTTP/2 before two chrooted, unprivileged, seccomp-filtered
// Kore instances on one PostgreSQL, and the mailer (tests/lib/stack.mjs).
// A visitor goes the whole way through it: register, verify, sign in,
// be served by both instances, upload 20 MiB, download it, submit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import { Stack, HOST } from '../lib/stack.mjs';
import { Client } from '../lib/harness.mjs';
import { PW, openRound, apply, saveForm, fullForm, pdf } from '../lib/apply.mjs';

// Kore chroots and drops privileges only when started as root (CI is).
const skip = process.getuid() !== 0 && 'the production stack starts Kore as root (chroot, runas)';
let stack;
const sql = (q) => stack.psql(q);
// The apply.mjs helpers' view of the database.
const db = () => ({ cluster: { psql: (q) => stack.psql(q) }, db: 'laurel' });

before(async () => {
  if (!skip)
    stack = await Stack.start();
});

after(async () => {
  await stack?.stop();
});

// A TLS handshake with nginx limited to some versions: the version, or
// the error's code.
function handshake(minVersion, maxVersion) {
  return new Promise((resolve) => {
    const s = tls.connect({
      host: '127.0.0.1', port: stack.httpsPort, servername: HOST, ca: stack.ca,
      minVersion, maxVersion, ciphers: 'DEFAULT@SECLEVEL=0',
    }, () => {
      resolve(s.getProtocol());
      s.end();
    });
    s.on('error', (e) => resolve(e.code || e.message));
  });
}

test('nginx speaks HTTP/2 over TLS 1.2 or 1.3 only, and sends HSTS', { skip }, async () => {
  assert.equal(await handshake('TLSv1.3', 'TLSv1.3'), 'TLSv1.3');
  assert.equal(await handshake('TLSv1.2', 'TLSv1.2'), 'TLSv1.2');
  // A client that would accept TLS 1.0 or 1.1 is refused by nginx.
  assert.notEqual(await handshake('TLSv1', 'TLSv1.1'), 'TLSv1.1');
  assert.notEqual(await handshake('TLSv1', 'TLSv1'), 'TLSv1');

  const front = stack.front('127.0.0.2');
  for (const path of ['/', '/login', '/no-such-page']) {
    const res = await front.get(path);
    assert.match(res.headers.get('strict-transport-security') || '', /max-age=\d{8,}/, path);
  }
  assert.equal(front.h2.alpnProtocol, 'h2');
  // Plain HTTP is sent to HTTPS.
  const plain = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: stack.httpPort, path: '/login', headers: { host: HOST } }, (res) => {
      res.resume();
      resolve(res);
    }).on('error', reject);
  });
  assert.equal(plain.statusCode, 301);
  assert.equal(plain.headers.location, `https://${HOST}/login`);
});

test('each instance runs its workers chrooted, as laurel, under seccomp', { skip }, () => {
  const uid = execFileSync('id', ['-u', 'laurel'], { encoding: 'utf8' }).trim();
  for (const inst of stack.instances) {
    const workers = inst.workers();
    assert.ok(workers.length >= 2, `laurel@${inst.port} has its workers`);
    for (const pid of workers) {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'), `worker ${pid}`);
      assert.match(status, /^Seccomp:\s+2$/m, `worker ${pid} is filtered`);
      assert.match(status, /^NoNewPrivs:\s+1$/m);
      assert.equal(readlinkSync(`/proc/${pid}/root`), join(stack.dir, 'root'), `worker ${pid} is chrooted`);
    }
    // Kore's parent made the uploads folder inside the root, as the
    // workers see it, not in the host's / (read-only under systemd).
    assert.ok(existsSync(join(stack.dir, 'root', `uploads-${inst.port}`)));
    assert.ok(!existsSync(`/uploads-${inst.port}`), `no /uploads-${inst.port} in the host's /`);
  }
});

test('register, verify, sign in on one instance, go on on the other, upload 20 MiB, download, submit', { skip }, async () => {
  const from = '127.0.0.5';
  const c = new Client(stack.front(from));
  const email = 'stack.applicant@example.org';
  await c.page('/register');
  const reg = await c.post('/register', { display_name: 'Stack Applicant', email, password: PW });
  assert.equal(reg.status, 303, await reg.text());
  // The mailer delivers the verification link with the public address.
  const mail = await stack.mailTo(email);
  const link = new URL(mail.match(/https:\/\/\S+\/verify\?\S+/)[0]);
  assert.equal(link.host, `${HOST}:${stack.httpsPort}`);
  const verified = await c.get(link.pathname + link.search);
  assert.ok(verified.status < 400, `${verified.status} ${link} ${await verified.text()}`);
  await c.page('/login');
  const signed = await c.post('/login', { email, password: PW });
  assert.equal(signed.status, 303, await signed.text());

  // One session, served by both instances.
  for (let i = 0; i < 6; i++) {
    const { res, html } = await c.page('/applications');
    assert.equal(res.status, 200);
    assert.match(html, /Your applications/);
  }
  const served = new Set(stack.accessLog().filter((l) => l.from === from && l.uri === '/applications' && l.status === 200)
    .map((l) => l.upstream));
  assert.deepEqual([...served].sort(), stack.instances.map((i) => `127.0.0.1:${i.port}`).sort());

  openRound(db(), 'stack', { maxMb: 25 });
  const id = await apply(c, 'stack');
  assert.equal((await saveForm(c, id, fullForm())).status, 303);

  // A 20 MiB document through nginx (HTTP/2) to whichever instance.
  const doc = pdf('twenty mebibytes through the stack', 20 * 1024 * 1024);
  const boundary = 'laurelstackboundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n${c.csrf}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
    doc, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  const up = await c.post(`/applications/${id}/files`, null, {
    raw: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  assert.equal(up.status, 303, (await up.text()).slice(0, 500));
  const [fid, hash] = sql(`SELECT id, sha256 FROM application_files WHERE application_id = ${id}`).split('|');
  assert.equal(hash, createHash('sha256').update(doc).digest('hex'));

  const down = await c.get(`/applications/${id}/files/${fid}`);
  assert.equal(down.status, 200);
  assert.ok(Buffer.from(await down.arrayBuffer()).equals(doc), 'the same bytes come back');

  // Bodies other than documents keep nginx's 1 MiB limit.
  const big = await c.post(`/applications/${id}`, null, { raw: 'x='.padEnd(2 * 1024 * 1024, 'x') });
  assert.equal(big.status, 413);

  const sub = await saveForm(c, id, fullForm(), { action: 'submit' });
  assert.equal(sub.status, 303, await sub.text());
  assert.equal(sql(`SELECT state FROM applications WHERE id = ${id}`), 'submitted');
  // The receipt reaches the applicant through the mailer.
  const receipt = await stack.mailTo(email);
  assert.notEqual(receipt, mail);

  // The audit log saw the visitor's own address, never nginx's.
  assert.equal(sql(`SELECT count(*) FROM audit WHERE action = 'login.success' AND ip = '${from}'`), '1');
  assert.equal(sql("SELECT count(*) FROM audit WHERE ip = '127.0.0.1'"), '0');
});

test('two clients behind nginx are two to the throttles and the audit log, on either instance', { skip }, async () => {
  const a = new Client(stack.front('127.0.0.3'));
  const b = new Client(stack.front('127.0.0.4'));
  await a.page('/login');
  await b.page('/login');
  for (let i = 0; i < 10; i++) {
    const r = await a.post('/login', { email: `nobody${i}@example.org`, password: 'not the password' },
      { headers: { 'x-forwarded-for': '203.0.113.99' } });
    assert.equal(r.status, 422, `attempt ${i + 1}`);
  }
  assert.equal((await a.post('/login', { email: 'nobody@example.org', password: 'not the password' })).status, 429);
  assert.equal((await b.post('/login', { email: 'nobody@example.org', password: 'not the password' })).status, 422);
  assert.equal(sql("SELECT count(*) FROM audit WHERE action = 'login.fail' AND ip = '127.0.0.3'"), '10');
  assert.equal(sql("SELECT count(*) FROM audit WHERE action = 'login.fail' AND ip = '127.0.0.4'"), '1');
  assert.equal(sql("SELECT count(*) FROM audit WHERE ip = '203.0.113.99'"), '0');
  const upstreams = new Set(stack.accessLog().filter((l) => l.from === '127.0.0.3' && l.method === 'POST').map((l) => l.upstream));
  assert.equal(upstreams.size, 2, 'both instances counted the same client');
});

// Kore writes an unasked 408 on a kept-alive connection once its header
// timeout (10 s) passes; nginx must have closed its idle upstream
// connections before then (keepalive_timeout 5s) and Kore them too
// (http_keepalive_time 8), or the next visitor reads that 408.
test('a visitor after 11 s of quiet is answered, not given a stale 408', { skip }, async () => {
  const c = new Client(stack.front('127.0.0.6'));
  for (let i = 0; i < 4; i++)
    assert.equal((await c.get('/login')).status, 200);
  await sleep(11000);
  for (let i = 0; i < 4; i++)
    assert.equal((await c.get('/login')).status, 200, `request ${i + 1} after the quiet`);
  assert.equal(stack.accessLog().filter((l) => l.status === 408 || l.upstreamStatus === '408').length, 0);
});

