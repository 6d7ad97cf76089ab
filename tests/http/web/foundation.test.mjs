// The request floor: public pages, headers, error pages, assets, the gate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startApp } from '../../lib/harness.mjs';

let app;

before(async () => { app = await startApp(); });
after(async () => { await app.stop(); });

// Sends raw bytes and returns the whole answer as text. The client never
// half-closes: Kore 4.1.0 drops a connection at EOF before answering it
// (browsers and HTTP clients do not half-close).
function raw(port, bytes) {
  return new Promise((ok, fail) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => ok(data));
    sock.on('close', () => ok(data));
    sock.on('error', (e) => (data ? ok(data) : fail(e)));
    sock.write(bytes, 'latin1');
    setTimeout(() => { sock.destroy(); ok(data); }, 5000);
  });
}

function statusOf(answer) {
  return Number(answer.split(' ')[1]);
}

const SECURITY = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
};

function assertSecurityHeaders(res) {
  const csp = res.headers.get('content-security-policy');
  assert.ok(csp, 'CSP header present');
  assert.match(csp, /default-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  for (const [k, v] of Object.entries(SECURITY))
    assert.equal(res.headers.get(k), v, k);
  assert.ok(res.headers.get('referrer-policy'));
  assert.ok(res.headers.get('permissions-policy'));
}

test('healthz answers ok without the database', async () => {
  const res = await app.get('/healthz');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
  assertSecurityHeaders(res);
});

test('readyz runs one query', async () => {
  const res = await app.get('/readyz');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
});

for (const [path, needle] of [
  ['/', 'PRECISEU Best Practice Recognition'],
  ['/rules', 'Rules of the award'],
  ['/privacy', 'Privacy notice'],
]) {
  test(`public page ${path} renders in the layout`, async () => {
    const res = await app.get(path);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/);
    assertSecurityHeaders(res);
    const html = await res.text();
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok(html.includes(needle));
    assert.ok(html.includes('<main id="main"'), 'layout');
    assert.doesNotMatch(html, /<style|style=|<script>|onclick=/i, 'no inline style or script');
  });
}

test('the home page names the four categories and how to apply', async () => {
  const html = await (await app.get('/')).text();
  for (const c of ['IMPACT', 'INNOVATION', 'EXCELLENCE', 'CULTURE'])
    assert.ok(html.includes(c), c);
  assert.match(html, /How to apply/);
  assert.match(html, /responsible use of health data/);
});

test('an unknown path is the 404 page in the layout', async () => {
  for (const path of ['/nope', '/static/nope.css', '/rules/', '/%00', '/..%2f..%2fetc/passwd', '/a'.repeat(500)]) {
    const res = await app.get(path);
    assert.equal(res.status, 404, path);
    assertSecurityHeaders(res);
    const html = await res.text();
    assert.match(html, /Page not found/, path);
    assert.ok(html.includes('<main id="main"'), 'layout');
  }
});

test('a wrong method on a page is the 405 page', async () => {
  const res = await app.post('/rules', 'a=1');
  assert.equal(res.status, 405);
  assert.match(res.headers.get('allow'), /GET/);
  assert.match(await res.text(), /Method not allowed/);
  const del = await app.get('/', { method: 'DELETE' });
  assert.equal(del.status, 405);
});

test('assets are served by content hash with long caching', async () => {
  const html = await (await app.get('/')).text();
  const css = html.match(/href="(\/static\/app\.[0-9a-f]{16}\.css)"/);
  const js = html.match(/src="(\/static\/app\.[0-9a-f]{16}\.js)"/);
  assert.ok(css && js, 'hashed asset URLs in the layout');
  const res = await app.get(css[1]);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/css/);
  assert.match(res.headers.get('cache-control'), /max-age=31536000/);
  const etag = res.headers.get('etag');
  assert.ok(etag);
  const again = await app.get(css[1], { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await app.get(js[1])).status, 200);
});

test('a body over the limit gets the 413 page before it is read', async () => {
  // Only the head is sent: the answer must come without the body.
  const ans = await raw(app.port,
    'POST /rules HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
    'Content-Length: 5000000000\r\n\r\n');
  assert.equal(statusOf(ans), 413);
  assert.match(ans, /content-security-policy:/i);
  assert.match(ans, /Too large/);
  assert.match(ans, /<main id="main"/);
});

test('a client already sending an oversized body still gets the 413 page', async () => {
  // Head and body in one go, as a browser uploading a big file does; the
  // server answers early and drains the rest (a lingering close).
  const body = 'a='.padEnd(2 * 1024 * 1024, 'x');
  const ans = await raw(app.port, 'POST /rules HTTP/1.1\r\nHost: x\r\n' +
    'Content-Type: application/x-www-form-urlencoded\r\n' +
    `Content-Length: ${body.length}\r\n\r\n${body}`);
  assert.equal(statusOf(ans), 413);
  assert.match(ans, /Too large/);
  assert.equal((await app.get('/healthz')).status, 200);
});

test('odd request lines get the site error pages', async () => {
  const cases = [
    ['FROB / HTTP/1.1\r\nHost: x\r\n\r\n', 405],
    ['GET nothing HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['GET / HTTP/9.9\r\nHost: x\r\n\r\n', 400],
    ['GET /\r\nHost: x\r\n\r\n', 400],
    ['POST /rules HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', 411],
    ['POST /rules HTTP/1.1\r\nHost: x\r\n\r\n', 411],
    ['POST /rules HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: x\r\nCookie: \r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nAccept: */*\r\n\r\n', 400],
  ];
  for (const [req, want] of cases) {
    const ans = await raw(app.port, req);
    assert.equal(statusOf(ans), want, JSON.stringify(req));
    assert.match(ans, /<!DOCTYPE html>/, JSON.stringify(req));
  }
});

test('the server survives garbage and keeps answering', async () => {
  const junk = [
    '\x00\x01\x02\r\n\r\n',
    'GET / HTTP/1.1\r\n' + 'X: y\r\n'.repeat(200) + '\r\n',
    'GET /' + 'a'.repeat(10000) + ' HTTP/1.1\r\nHost: x\r\n\r\n',
    '\r\n\r\n',
  ];
  for (const j of junk)
    await raw(app.port, j).catch(() => {});
  const res = await app.get('/healthz');
  assert.equal(res.status, 200);
});

test('public pages without a form set no cookie; a page with a form sets the CSRF cookie', async () => {
  for (const path of ['/', '/rules', '/privacy', '/healthz', '/readyz'])
    assert.equal((await app.get(path)).headers.get('set-cookie'), null, path);
  for (const path of ['/login', '/register', '/password/forgot'])
    assert.match((await app.get(path)).headers.get('set-cookie') || '', /^laurel_csrf=/, path);
});
