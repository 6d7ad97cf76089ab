// The gate (src/web/gate.c, src/core/httphead.c): heads too large for
// Kore's buffer get the site's 414 and 431 pages, read in full by the
// client, never a reset; the instance goes on answering.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApp } from '../../lib/harness.mjs';

// Kore's http_header_max, which conf/laurel.conf leaves at its default.
const HEADER_MAX = 4096;

let app;

before(async () => { app = await startApp(); });
after(async () => { await app.stop(); });

// One answer off raw bytes: status, lower-case headers, body, and
// whether all of the body its content-length announced has come.
function parse(bytes) {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end === -1)
    return { status: 0, headers: {}, body: '', complete: false, text };
  const [line, ...lines] = text.slice(0, end).split('\r\n');
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const body = text.slice(end + 4);
  const complete = body.length >= Number(headers['content-length'] ?? Infinity);
  return { status: Number(line.split(' ')[1]), line, headers, body, complete, text };
}

// Writes chunks (gap ms apart) on a fresh connection and reads the
// answer. With keep-alive the server stays open, so the client closes
// once the answer is complete; else it waits for the server's close and
// reports how it came: a FIN ('end') or an error such as ECONNRESET.
function exchange(chunks, { gap = 0, keepAlive = false } = {}) {
  return new Promise((ok) => {
    const sock = net.connect(app.port, '127.0.0.1');
    const got = [];
    const how = { error: null, ended: false, wrote: 0 };
    sock.on('data', (d) => {
      got.push(d);
      if (keepAlive && parse(Buffer.concat(got)).complete)
        sock.destroy();
    });
    sock.on('end', () => { how.ended = true; });
    sock.on('error', (e) => { how.error = e.code; });
    sock.on('close', () => ok({ ...how, ...parse(Buffer.concat(got)) }));
    sock.setTimeout(10000, () => { how.error = 'timeout'; sock.destroy(); });
    (async () => {
      for (const c of chunks) {
        if (sock.destroyed || sock.writableEnded)
          return;
        sock.write(c, 'latin1');
        how.wrote += c.length;
        if (gap)
          await sleep(gap);
      }
    })();
  });
}

function pieces(s, n) {
  const out = [];
  for (let i = 0; i < s.length; i += n)
    out.push(s.slice(i, i + n));
  return out;
}

// The site's error page, whole, from a connection closed cleanly.
function assertSitePage(ans, status, title) {
  assert.equal(ans.error, null, `connection ended by ${ans.error}: ${ans.text.slice(0, 200)}`);
  assert.equal(ans.ended, true, 'the server closed with a FIN');
  assert.equal(ans.status, status, ans.line);
  assert.ok(ans.complete, 'the whole body was read');
  assert.equal(ans.headers['content-type'], 'text/html; charset=utf-8');
  assert.match(ans.headers['content-security-policy'], /default-src 'self'/);
  assert.equal(ans.headers.connection, 'close');
  assert.match(ans.body, /^<!DOCTYPE html>/);
  assert.ok(ans.body.includes('<main id="main"'), 'the layout');
  assert.ok(ans.body.includes(`Error ${status}`), 'the error page');
  assert.ok(ans.body.includes(title), title);
}

async function assertStillServing() {
  const res = await fetch(app.url('/healthz'));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
  const home = await fetch(app.url('/'));
  assert.equal(home.status, 200);
  assert.match(await home.text(), /PRECISEU Best Practice Recognition/);
}

test('a GET with a 10,000-byte path gets the HTML 414 page, not a reset', async () => {
  const ans = await exchange([`GET /${'a'.repeat(10000)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
  assertSitePage(ans, 414, 'Address too long');
  assert.match(ans.line, /^HTTP\/1\.1 414 /);
  await assertStillServing();
});

test('a 20,000-byte header gets the HTML 431 page, not a reset', async () => {
  const ans = await exchange([`GET / HTTP/1.1\r\nHost: x\r\nCookie: a=${'b'.repeat(20000)}\r\n\r\n`]);
  assertSitePage(ans, 431, 'Request too large');
  assert.equal(ans.line, 'HTTP/1.1 431 Request Header Fields Too Large');
  await assertStillServing();
});

test('a head sent in small pieces is refused the same way', async () => {
  const line = await exchange(pieces(`GET /${'a'.repeat(10000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 700), { gap: 5 });
  assertSitePage(line, 414, 'Address too long');
  const many = 'X-Many: yes\r\n'.repeat(1000);
  const block = await exchange(pieces(`GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n`, 700), { gap: 5 });
  assertSitePage(block, 431, 'Request too large');
  await assertStillServing();
});

test("a head of exactly Kore's buffer is served; one byte more is 431", async () => {
  const start = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ';
  const end = '\r\n\r\n';
  const pad = HEADER_MAX - start.length - end.length;
  const fits = await exchange([start + 'p'.repeat(pad) + end], { keepAlive: true });
  assert.equal(fits.error, null);
  assert.equal(fits.status, 200, fits.text.slice(0, 200));
  assert.equal(fits.body, 'ok');
  const over = await exchange([start + 'p'.repeat(pad + 1) + end]);
  assertSitePage(over, 431, 'Request too large');
  await assertStillServing();
});

test('the longest target Kore takes is still served', async () => {
  // 1,998 bytes is the gate's limit (Kore's HTTP_URI_LEN less two).
  const path = `/${'a'.repeat(1997)}`;
  const ok = await exchange([`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`], { keepAlive: true });
  assert.equal(ok.status, 404, ok.line);
  assert.match(ok.body, /Page not found/);
  const over = await exchange([`GET ${path}a HTTP/1.1\r\nHost: x\r\n\r\n`]);
  assertSitePage(over, 414, 'Address too long');
});

// A kept-alive connection left idle is closed before Kore's header
// timeout: otherwise Kore writes a 408 unasked at that timeout, and a
// client or nginx reusing the connection reads it as the answer to its
// next request (it did, in `make bench`).
test('an idle kept-alive connection is closed quietly, never answered 408 unasked', async () => {
  const sock = net.connect(app.port, '127.0.0.1');
  const chunks = [];
  let closedAt = 0;
  sock.on('data', (d) => chunks.push(d));
  const closed = new Promise((resolve) => sock.on('close', () => { closedAt = Date.now(); resolve(); }));
  await new Promise((resolve) => sock.on('connect', resolve));
  sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await sleep(500);
  const first = parse(Buffer.concat(chunks));
  assert.equal(first.status, 200);
  assert.match(first.headers['keep-alive'] ?? '', /timeout=8/);
  const answered = Date.now();
  chunks.length = 0;
  await Promise.race([closed, sleep(13000)]);
  assert.ok(closedAt > 0, 'closed within 13 s');
  assert.ok(closedAt - answered < 10000, `closed after ${closedAt - answered} ms: before the 10 s header timeout`);
  assert.equal(Buffer.concat(chunks).length, 0, `nothing written unasked: ${Buffer.concat(chunks).toString('latin1').slice(0, 40)}`);
});
