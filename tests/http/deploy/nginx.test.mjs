// The shipped front: deploy/nginx-laurel.conf (TLS, the upstream) in a
// real nginx before a real instance configured with the shipped
// deploy/laurel.env.example's LAUREL_TRUSTED_PROXIES. Clients come from
// two loopback addresses (127.0.0.2 and 127.0.0.3): each is throttled on
// its own, and the app records who they are, not nginx's address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, startApp, freePort, tempDir } from '../../lib/harness.mjs';
import { openRound, pdf } from '../../lib/apply.mjs';

let app, nginx, port, dir;
const sql = (q) => app.cluster.psql(q, app.db);

// A setting of the shipped environment file.
function shipped(name) {
  const m = readFileSync(join(ROOT, 'deploy/laurel.env.example'), 'utf8').match(new RegExp(`^${name}=(.*)$`, 'm'));
  return m ? m[1] : undefined;
}

// The shipped site, with this test's ports, certificate and paths.
function siteConf(appPort, httpsPort, httpPort) {
  return readFileSync(join(ROOT, 'deploy/nginx-laurel.conf'), 'utf8')
    .replace(/server 127\.0\.0\.1:8888;\n\s*server 127\.0\.0\.1:8889;/, `server 127.0.0.1:${appPort};`)
    .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${httpsPort} ssl http2;`)
    .replace(/listen 80;/, `listen 127.0.0.1:${httpPort};`)
    .replace(/\n\s*listen \[::\]:\d+[^;]*;/g, '')
    .replace(/ssl_certificate \S+;/, `ssl_certificate ${dir}/cert.pem;`)
    .replace(/ssl_certificate_key \S+;/, `ssl_certificate_key ${dir}/key.pem;`);
}

before(async () => {
  const trusted = shipped('LAUREL_TRUSTED_PROXIES');
  assert.ok(trusted, 'deploy/laurel.env.example sets LAUREL_TRUSTED_PROXIES');
  app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: trusted } });
  dir = tempDir('laurel-nginx-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=awards.example.eu',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  port = await freePort();
  const httpPort = await freePort();
  for (const d of ['tmp', 'logs'])
    mkdirSync(join(dir, d));
  chmodSync(join(dir, 'tmp'), 0o777);
  writeFileSync(join(dir, 'site.conf'), siteConf(app.port, port, httpPort));
  writeFileSync(join(dir, 'nginx.conf'), `
${process.getuid() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  include ${dir}/site.conf;
}
`);
  execFileSync('nginx', ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'pipe' });
  nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await request('127.0.0.2', 'GET', '/healthz')).status === 200)
        return;
    } catch { /* not up yet */ }
    await sleep(50);
  }
  throw new Error(`nginx did not start: ${readFileSync(join(dir, 'logs/error.log'), 'utf8')}`);
});

after(async () => {
  nginx?.kill('SIGQUIT');
  await app?.stop();
});

// One HTTPS request from a given loopback address, through nginx.
function request(from, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, method, path, localAddress: from, rejectUnauthorized: false,
      servername: 'awards.example.eu', headers: { host: 'awards.example.eu', ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// A browser at one address: cookies and the page's CSRF token.
class Visitor {
  constructor(from) {
    this.from = from;
    this.cookies = new Map();
  }

  async send(method, path, body, type = 'application/x-www-form-urlencoded', extra = {}) {
    const headers = { ...extra };
    if (this.cookies.size)
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) {
      headers['content-type'] = type;
      headers['content-length'] = Buffer.byteLength(body);
    }
    const res = await request(this.from, method, path, { headers, body });
    for (const line of [res.headers['set-cookie'] || []].flat()) {
      const [pair] = line.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    const m = res.text.match(/name="csrf_token" value="([^"]*)"/);
    if (m)
      this.csrf = m[1];
    return res;
  }

  post(path, fields, extra) {
    return this.send('POST', path, new URLSearchParams({ csrf_token: this.csrf, ...fields }).toString(), undefined, extra);
  }
}

test('two client addresses behind nginx are throttled apart, and recorded as themselves', async () => {
  const a = new Visitor('127.0.0.2');
  const b = new Visitor('127.0.0.3');
  await a.send('GET', '/login');
  await b.send('GET', '/login');
  // Ten failed sign-ins from A, with a forged X-Forwarded-For that nginx
  // must replace: A's eleventh is throttled.
  for (let i = 0; i < 10; i++) {
    const r = await a.post('/login', { email: `nobody${i}@example.org`, password: 'not the password' },
      { 'x-forwarded-for': '203.0.113.99' });
    assert.equal(r.status, 422, `attempt ${i + 1}`);
  }
  assert.equal((await a.post('/login', { email: 'nobody@example.org', password: 'not the password' })).status, 429);
  // B, another address behind the same nginx, is not.
  assert.equal((await b.post('/login', { email: 'nobody@example.org', password: 'not the password' })).status, 422);
  assert.equal(sql("SELECT count(*) FROM audit WHERE action = 'login.fail' AND ip = '127.0.0.2'"), '10');
  assert.equal(sql("SELECT count(*) FROM audit WHERE action = 'login.fail' AND ip = '127.0.0.3'"), '1');
  assert.equal(sql("SELECT count(*) FROM audit WHERE ip IN ('127.0.0.1', '203.0.113.99')"), '0');
});

test('a document over 1 MiB uploads through nginx; other bodies keep the 1 MiB limit', async () => {
  openRound(app, 'through-nginx');
  const made0 = execFileSync(join(ROOT, 'build/laurelctl'), ['user', 'create', '--email', 'uploader@example.org', '--name', 'Uploader'],
    { env: { ...process.env, LAUREL_DB: app.dsn }, encoding: 'utf8' });
  const password = made0.match(/^password: (\S+)$/m)[1];
  const c = new Visitor('127.0.0.4');
  await c.send('GET', '/login');
  const signed = await c.post('/login', { email: 'uploader@example.org', password });
  assert.equal(signed.status, 303, signed.text);
  await c.send('GET', '/applications');
  const made = await c.post('/rounds/through-nginx/apply', {});
  assert.equal(made.status, 303);
  const id = made.headers.location.match(/(\d+)$/)[1];
  await c.send('GET', `/applications/${id}`);

  const boundary = 'laurelnginxtest';
  const file = pdf('through nginx', 3 * 1024 * 1024);
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n${c.csrf}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
    file, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  assert.ok(body.length > 3 * 1024 * 1024);
  const up = await c.send('POST', `/applications/${id}/files`, body, `multipart/form-data; boundary=${boundary}`);
  assert.equal(up.status, 303, up.text.slice(0, 300));
  assert.equal(sql(`SELECT count(*) FROM application_files WHERE application_id = ${id}`), '1');

  // The same size to a form that is not an upload: nginx's 413.
  const big = await c.send('POST', `/applications/${id}`, 'x='.padEnd(2 * 1024 * 1024, 'x'));
  assert.equal(big.status, 413);
});
